package dev.downhill.driver.checkpoint;

import static dev.downhill.driver.checkpoint.DownhillRuns.inProcess;
import static dev.downhill.driver.checkpoint.DownhillRuns.train;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.ExitCode;
import dev.downhill.driver.TestData;
import dev.downhill.driver.settings.Setting;
import dev.downhill.driver.settings.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --resume} in this JVM (local[2]): a run stopped early and resumed, a damaged newest
 * checkpoint, refused resumes (exit 5), and a fresh run over an earlier run's checkpoints. Every resumed
 * model is compared byte for byte with one uninterrupted run of 40 iterations.
 */
class ResumeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ITERATIONS = 40;

    @TempDir
    static Path dir;
    static String input;
    static byte[] uninterrupted;

    @BeforeAll
    static void trainOnceWithoutInterruption() throws IOException {
        input = TestData.binary(600, 5, 51).writeLibsvm(dir.resolve("data/train.libsvm"), 0.0).toString();
        DownhillRuns.Run r = inProcess(train(input, dir.resolve("uninterrupted").toString(), "--max-iter",
                String.valueOf(ITERATIONS)));
        assertEquals(0, r.code(), r.all());
        uninterrupted = Files.readAllBytes(dir.resolve("uninterrupted/model.json"));
    }

    private static List<String> checkpoints(Path output) throws IOException {
        try (Stream<Path> s = Files.list(output.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void aRunStoppedEarlyAndResumedWritesTheSameModelBytes() throws IOException {
        Path out = dir.resolve("stopped-early");
        DownhillRuns.Run first = inProcess(train(input, out.toString(), "--max-iter", "17"));
        assertEquals(0, first.code(), first.all());
        assertEquals(List.of("checkpoint-0000000017.ckpt"), checkpoints(out),
                "every 10 iterations and at the end; a finished run keeps only the final one");
        assertNotEquals(new String(uninterrupted), Files.readString(out.resolve("model.json")));

        DownhillRuns.Run resumed = inProcess(train(input, out.toString(), "--max-iter", String.valueOf(ITERATIONS),
                "--resume"));
        assertEquals(0, resumed.code(), resumed.all());
        assertTrue(resumed.out().contains("resuming from ") && resumed.out().contains("checkpoint-0000000017.ckpt"
                + " (iteration 17, objective "), resumed.out());
        assertArrayEquals(uninterrupted, Files.readAllBytes(out.resolve("model.json")));
        assertEquals(List.of("checkpoint-0000000040.ckpt"), checkpoints(out), "what --resume needs");

        // metrics.jsonl continues: one record per iteration, 1..40, each once.
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(ITERATIONS, lines.size());
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i + 1, JSON.readTree(lines.get(i)).get("iteration").asInt());
        }
        // The report covers the whole run, not only the resumed part.
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<th>iterations</th><td>40</td>"), html);
        // The start and iterations 1..40 are plotted: 40 iterations (the report said 41 before issue 16).
        assertTrue(html.contains("<p>40 iterations; every figure"), "the whole run is counted: " + html);

        // Resuming a finished run takes no step and writes the same model again.
        DownhillRuns.Run again = inProcess(train(input, out.toString(), "--max-iter", String.valueOf(ITERATIONS),
                "--resume"));
        assertEquals(0, again.code(), again.all());
        assertTrue(again.out().contains("checkpoint-0000000040.ckpt (iteration 40"), again.out());
        assertArrayEquals(uninterrupted, Files.readAllBytes(out.resolve("model.json")));
        assertEquals(ITERATIONS, Files.readAllLines(out.resolve("metrics.jsonl")).size());
    }

    @Test
    void aDamagedNewestCheckpointIsSkippedWithAWarningAndThePreviousOneIsUsed() throws IOException {
        Path out = dir.resolve("damaged");
        // A run killed after iteration 25 leaves the newest 3; a finished one keeps only its last, so keep 20 aside.
        assertEquals(0, inProcess(train(input, out.toString(), "--max-iter", "20")).code());
        Path previous = out.resolve("checkpoints/checkpoint-0000000020.ckpt");
        byte[] kept = Files.readAllBytes(previous);
        assertEquals(0, inProcess(train(input, out.toString(), "--max-iter", "25", "--resume")).code());
        Files.write(previous, kept);
        Path newest = out.resolve("checkpoints/checkpoint-0000000025.ckpt");
        byte[] b = Files.readAllBytes(newest);
        b[b.length - 100] ^= 0x01;
        Files.write(newest, b);

        DownhillRuns.Run resumed = inProcess(train(input, out.toString(), "--max-iter", String.valueOf(ITERATIONS),
                "--resume"));
        assertEquals(0, resumed.code(), resumed.all());
        assertTrue(resumed.out().contains("downhill: warning: checkpoint " + newest.toUri().toString()
                .replace("file:///", "file:/") + " fails its checksum"), resumed.out());
        assertTrue(resumed.out().contains("checkpoint-0000000020.ckpt (iteration 20"), resumed.out());
        assertArrayEquals(uninterrupted, Files.readAllBytes(out.resolve("model.json")));
    }

    @Test
    void aCheckpointFromOtherSettingsIsRefusedWithExit5NamingTheSetting() throws IOException {
        Path out = dir.resolve("other-settings");
        assertEquals(0, inProcess(train(input, out.toString(), "--max-iter", "10")).code());
        byte[] model = Files.readAllBytes(out.resolve("model.json"));
        DownhillRuns.Run refused = inProcess(train(input, out.toString(), "--max-iter", "20", "--resume",
                "--l2", "0.01", "--step", "0.5"));
        assertEquals(ExitCode.REFUSED_RESUME, refused.code(), refused.all());
        assertTrue(refused.err().startsWith("downhill: error: cannot resume from "), refused.err());
        assertTrue(refused.err().contains("checkpoint-0000000010.ckpt: it was written with other settings (--l2 was"
                + " '0.0', now '0.01'; --step was 'auto', now '0.5')."), refused.err());
        assertArrayEquals(model, Files.readAllBytes(out.resolve("model.json")), "the earlier model is left alone");
    }

    @Test
    void changedDataIsRefusedWithExit5NamingTheFile() throws IOException {
        Path data = Files.copy(Path.of(input), dir.resolve("changing.libsvm"));
        Path out = dir.resolve("changed-data");
        assertEquals(0, inProcess(train(data.toString(), out.toString(), "--max-iter", "10")).code());
        long before = Files.size(data);
        Files.writeString(data, "1 1:0.5 3:0.25\n", StandardOpenOption.APPEND);
        DownhillRuns.Run refused = inProcess(train(data.toString(), out.toString(), "--max-iter", "20", "--resume"));
        assertEquals(ExitCode.REFUSED_RESUME, refused.code(), refused.all());
        assertTrue(refused.err().contains("the training data changed since (file file:" + data + " changed size: "
                + before + " bytes, now " + (before + 15)), refused.err());
        assertTrue(refused.err().contains("rows trained on: 600, now 601"), refused.err());
    }

    @Test
    void resumeWithoutACheckpointStartsFromTheBeginning() throws IOException {
        Path out = dir.resolve("nothing-to-resume");
        DownhillRuns.Run r = inProcess(train(input, out.toString(), "--max-iter", String.valueOf(ITERATIONS),
                "--resume"));
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("note: --resume: no usable checkpoint in "), r.out());
        assertArrayEquals(uninterrupted, Files.readAllBytes(out.resolve("model.json")));
    }

    @Test
    void aFreshRunReplacesTheCheckpointsOfAnEarlierRun() throws IOException {
        Path out = dir.resolve("fresh-over-old");
        assertEquals(0, inProcess(train(input, out.toString(), "--max-iter", "30", "--l2", "0.1")).code());
        assertEquals(List.of("checkpoint-0000000030.ckpt"), checkpoints(out));
        // A killed run's checkpoints without its model (a finished run's folder needs --overwrite).
        Files.delete(out.resolve("model.json"));
        Files.copy(out.resolve("checkpoints/checkpoint-0000000030.ckpt"),
                out.resolve("checkpoints/checkpoint-0000000040.ckpt"));
        DownhillRuns.Run fresh = inProcess(train(input, out.toString(), "--max-iter", "12"));
        assertEquals(0, fresh.code(), fresh.all());
        assertTrue(fresh.out().contains("holds checkpoints of an earlier run; this run starts from the beginning"),
                fresh.out());
        assertEquals(List.of("checkpoint-0000000012.ckpt"), checkpoints(out));
        assertEquals(12, Files.readAllLines(out.resolve("metrics.jsonl")).size());
    }

    // ---- the settings: a bare --resume, and what the fingerprint covers ----

    @Test
    void resumeIsAFlagThatMayAlsoTakeAValue() {
        assertEquals("true", Settings.parse("train", List.of("--resume")).get("resume"));
        assertEquals("true", Settings.parse("train", List.of("--resume", "--max-iter", "5")).get("resume"));
        assertEquals("false", Settings.parse("train", List.of("--resume", "false")).get("resume"));
        assertEquals("false", Settings.parse("train", List.of()).get("resume"));
    }

    @Test
    void theFingerprintIgnoresStoppingAndReportingButNotTheMath() {
        List<String> base = List.of("--objective", "logistic", "--output", "x", "--input", "a");
        var fp = SettingsFingerprint.of(Settings.parse("train", base));
        for (List<String> same : List.of(List.of("--max-iter", "5"), List.of("--tol", "0.1"),
                List.of("--checkpoint-every", "3"), List.of("--keep-checkpoints", "9"), List.of("--resume"),
                List.of("--progress-every", "7"), List.of("--output", "y"), List.of("--master", "local[1]"))) {
            List<String> args = new java.util.ArrayList<>(base);
            args.addAll(same);
            assertEquals(fp, SettingsFingerprint.of(Settings.parse("train", args)), same.toString());
        }
        for (List<String> other : List.of(List.of("--l2", "0.1"), List.of("--step", "0.1"),
                List.of("--partitions", "4"), List.of("--objective", "hinge"), List.of("--block-rows", "7"))) {
            List<String> args = new java.util.ArrayList<>(base);
            args.addAll(other);
            assertNotEquals(fp, SettingsFingerprint.of(Settings.parse("train", args)), other.toString());
        }
        List<String> trainKeys = Settings.ALL.stream().filter(s -> s.isReadBy("train")).map(Setting::key).toList();
        assertTrue(trainKeys.containsAll(SettingsFingerprint.OUTSIDE), "a listed key is not a train setting");
    }

    /**
     * The rules that carry the most state: L-BFGS (its (s, y) history, the default rule; and re-whitened at
     * iteration 3, so the resumed run recomputes that whitening from the checkpoint's anchor, or at 5, the
     * checkpoint's own iteration, so the resumed run re-whitens first) and Adam on
     * mini-batches (moments, step count, and the batch sequence, a function of the iteration). Stopped after
     * a few iterations and resumed, each ends with the bytes of its uninterrupted run.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "--optimizer lbfgs --max-iter 12",
            "--optimizer adam --step 0.05 --batch-fraction 0.25 --block-rows 40 --max-iter 24",
            "--optimizer lbfgs --l1 0.01 --max-iter 12",
            "--optimizer lbfgs --rewhiten-at 3 --max-iter 12",
            "--optimizer lbfgs --rewhiten-at 5 --max-iter 12",
            "--optimizer gd-linesearch --validation-fraction 0.2 --max-iter 14"})
    void statefulRulesResumeToTheSameBytes(String rule) throws IOException {
        String[] extra = rule.split(" ");
        String name = rule.replaceAll("[^a-z0-9]+", "-");
        Path straight = dir.resolve("straight-" + name);
        DownhillRuns.Run a = inProcess(train(input, straight.toString(), extra));
        assertEquals(0, a.code(), a.all());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("stopped after (\\d+) iterations").matcher(a.out());
        assertTrue(m.find() && Long.parseLong(m.group(1)) >= 8, "the run should be long enough to interrupt:\n"
                + a.out());

        Path out = dir.resolve("resumed-" + name);
        List<String> first = train(input, out.toString(), extra);
        first.addAll(List.of("--max-iter", "5", "--checkpoint-every", "5"));
        assertEquals(0, inProcess(first).code());
        List<String> rest = train(input, out.toString(), extra);
        rest.add("--resume");
        DownhillRuns.Run b = inProcess(rest);
        assertEquals(0, b.code(), b.all());
        assertTrue(b.out().contains("checkpoint-0000000005.ckpt"), b.out());
        for (String file : List.of("model.json", "model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(straight.resolve(file)), Files.readAllBytes(out.resolve(file)), file);
        }
    }

    /**
     * Networks: Adam on mini-batches with dropout (moments, step count, batch sequence and the masks, which are a
     * function of (seed, iteration, row key)), and L-BFGS on the full batch from the seeded initialization. Stopped
     * after 5 iterations and resumed, each ends with the bytes (model.json and model.safetensors) of its
     * uninterrupted run; and the resumed run's saved objective is f's full pass at the saved parameters.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "--model mlp --hidden 6,4 --activation tanh --dropout 0.25 --optimizer adam --step 0.01"
                    + " --batch-fraction 0.25 --block-rows 40 --l2 1e-4 --seed 5 --max-iter 16",
            "--model mlp --hidden 5 --activation gelu --optimizer lbfgs --l2 1e-3 --seed 6 --max-iter 14"})
    void networksResumeToTheSameBytes(String rule) throws IOException {
        statefulRulesResumeToTheSameBytes(rule);
        String name = rule.replaceAll("[^a-z0-9]+", "-");
        JsonNode doc = JSON.readTree(dir.resolve("resumed-" + name).resolve("model.json").toFile());
        assertEquals("mlp", doc.get("architecture").get("type").asText());
        assertEquals("model.safetensors", doc.get("parameters").asText());
        assertTrue(Files.readString(dir.resolve("resumed-" + name).resolve("metrics.jsonl")).lines().count() >= 8);
    }
}
