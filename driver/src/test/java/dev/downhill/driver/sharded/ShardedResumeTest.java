package dev.downhill.driver.sharded;

import static dev.downhill.driver.sharded.ShardedTrainCommandTest.libsvm;
import static dev.downhill.driver.sharded.ShardedTrainCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.checkpoint.DownhillRuns.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints of --aggregation sharded (issue #14): the executors write the vectors, the driver a manifest; a run
 * stopped early, or left as a killed run leaves it (a half-written checkpoint, a truncated slice, a slice failing
 * its checksum), and resumed writes the same model bytes (model.json and every shard file) as one uninterrupted
 * run, also when it resumes on local[1] what local[2] wrote.
 */
class ShardedResumeTest {
    private static final int ITERATIONS = 16;

    @TempDir
    static Path dir;
    static Path input;
    static Map<String, byte[]> uninterrupted;

    static List<String> train(Path output, String master, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--input", input.toString(), "--objective", "logistic",
                "--output", output.toString(), "--master", master, "--partitions", "3", "--progress-bar", "off",
                "--aggregation", "sharded", "--shards", "3", "--l2", "1e-3", "--tol", "0", "--rel-tol", "0",
                "--f-tol", "0", "--checkpoint-every", "5", "--lbfgs-memory", "4"));
        args.addAll(List.of(extra));
        return args;
    }

    /** model.json and the shard files, by name. */
    static Map<String, byte[]> model(Path output) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        files.put("model.json", Files.readAllBytes(output.resolve("model.json")));
        try (Stream<Path> s = Files.list(output.resolve("model-shards"))) {
            for (Path p : s.toList()) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    static void assertSameModel(Map<String, byte[]> expected, Path output) throws IOException {
        Map<String, byte[]> actual = model(output);
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name), actual.get(name), name + " differs from the uninterrupted run's");
        }
    }

    static List<String> checkpoints(Path output) throws IOException {
        try (Stream<Path> s = Files.list(output.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @BeforeAll
    static void trainOnceWithoutInterruption() throws IOException {
        input = libsvm(dir.resolve("text.libsvm"), 400, 300, 11);
        Run r = run(train(dir.resolve("uninterrupted"), "local[2]", "--max-iter", String.valueOf(ITERATIONS)));
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("stopped after " + ITERATIONS + " iterations"), r.out());
        uninterrupted = model(dir.resolve("uninterrupted"));
        assertEquals(4, uninterrupted.size(), uninterrupted.keySet().toString());
    }

    @Test
    void aRunStoppedEarlyAndResumedWritesTheSameModelBytes() throws IOException {
        Path out = dir.resolve("stopped");
        Run first = run(train(out, "local[2]", "--max-iter", "7"));
        assertEquals(0, first.code(), first.err() + first.out());
        assertTrue(first.out().contains("checkpoint written: "), first.out());
        assertEquals(List.of("checkpoint-0000000007.ckpt", "checkpoint-0000000007.slices"), checkpoints(out),
                "a finished run keeps only its final checkpoint");
        // x, the gradient and 4 pairs, 3 slices each; the manifest holds no vector of the parameters' size
        try (Stream<Path> s = Files.list(out.resolve("checkpoints/checkpoint-0000000007.slices"))) {
            assertEquals(10 * 3, s.count());
        }
        assertTrue(Files.size(out.resolve("checkpoints/checkpoint-0000000007.ckpt")) < 8 * 300,
                "the manifest has " + Files.size(out.resolve("checkpoints/checkpoint-0000000007.ckpt")) + " bytes");
        assertNotEquals(new String(uninterrupted.get("model.json")), Files.readString(out.resolve("model.json")));

        Run resumed = run(train(out, "local[2]", "--max-iter", String.valueOf(ITERATIONS), "--resume"));
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        assertTrue(resumed.out().contains("checkpoint-0000000007.ckpt (iteration 7, objective "), resumed.out());
        assertSameModel(uninterrupted, out);
        assertEquals(List.of("checkpoint-0000000016.ckpt", "checkpoint-0000000016.slices"), checkpoints(out));
        assertEquals(ITERATIONS, Files.readAllLines(out.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"iteration\"")).count());

        // On one core, from what two wrote: a finished run resumed takes no step and writes the same bytes.
        Run again = run(train(out, "local[1]", "--max-iter", String.valueOf(ITERATIONS), "--resume"));
        assertEquals(0, again.code(), again.err() + again.out());
        assertSameModel(uninterrupted, out);
    }

    @Test
    void aKilledRunsHalfWrittenAndDamagedCheckpointsAreSkipped() throws IOException {
        Path out = dir.resolve("killed");
        assertEquals(0, run(train(out, "local[2]", "--max-iter", "5")).code());
        // A killed run keeps several checkpoints; a finished one only its last: keep 5 aside and put it back.
        Path kept = dir.resolve("kept5");
        copy(out.resolve("checkpoints"), kept);
        assertEquals(0, run(train(out, "local[2]", "--max-iter", "10", "--resume")).code());
        copy(kept, out.resolve("checkpoints"));
        assertEquals(List.of("checkpoint-0000000005.ckpt", "checkpoint-0000000005.slices",
                "checkpoint-0000000010.ckpt", "checkpoint-0000000010.slices"), checkpoints(out));
        // Killed while writing the checkpoint of 15: slices half there, no manifest.
        Path half = Files.createDirectories(out.resolve("checkpoints/checkpoint-0000000015.slices"));
        Files.write(half.resolve("x-part-00000-of-00003.slice"), new byte[] {1, 2, 3});
        // And a slice of 10 lost its tail (a disk that failed): 10 is skipped, 5 is used.
        Path slice = out.resolve("checkpoints/checkpoint-0000000010.slices/gradient-part-00001-of-00003.slice");
        byte[] b = Files.readAllBytes(slice);
        Files.write(slice, java.util.Arrays.copyOf(b, b.length - 8));

        Run resumed = run(train(out, "local[1]", "--max-iter", String.valueOf(ITERATIONS), "--resume"));
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        assertTrue(resumed.out().contains("checkpoint-0000000010.ckpt is incomplete"), resumed.out());
        assertTrue(resumed.out().contains("checkpoint-0000000005.ckpt (iteration 5, objective "), resumed.out());
        assertSameModel(uninterrupted, out);
        assertEquals(List.of("checkpoint-0000000016.ckpt", "checkpoint-0000000016.slices"), checkpoints(out),
                "the half-written and the damaged checkpoints are gone");
    }

    @Test
    void aSliceFailingItsChecksumMakesTheResumeTakeTheCheckpointBefore() throws IOException {
        Path out = dir.resolve("flipped");
        assertEquals(0, run(train(out, "local[2]", "--max-iter", "5")).code());
        Path kept = dir.resolve("kept-flipped");
        copy(out.resolve("checkpoints"), kept);
        assertEquals(0, run(train(out, "local[2]", "--max-iter", "10", "--resume")).code());
        copy(kept, out.resolve("checkpoints"));
        Path slice = out.resolve("checkpoints/checkpoint-0000000010.slices/x-part-00002-of-00003.slice");
        byte[] b = Files.readAllBytes(slice);
        b[b.length / 2] ^= 0x10; // same length: only the checksum tells, which the executors read before a resume
        Files.write(slice, b);
        Run resumed = run(train(out, "local[1]", "--max-iter", String.valueOf(ITERATIONS), "--resume"));
        assertEquals(0, resumed.code(), resumed.err() + resumed.out());
        assertTrue(resumed.out().contains("checkpoint-0000000010.ckpt is damaged: ")
                && resumed.out().contains("x-part-00002-of-00003.slice fails its checksum; skipping it."),
                resumed.out());
        assertTrue(resumed.out().contains("checkpoint-0000000005.ckpt (iteration 5, objective "), resumed.out());
        assertSameModel(uninterrupted, out);
    }

    @Test
    void otherShardsOrTheTreePathAreRefusedWithExit5() throws IOException {
        Path out = dir.resolve("refused");
        assertEquals(0, run(train(out, "local[2]", "--max-iter", "3")).code());
        List<String> otherShards = train(out, "local[2]", "--max-iter", "6", "--resume");
        otherShards.set(otherShards.indexOf("--shards") + 1, "2");
        Run r = run(otherShards);
        assertEquals(5, r.code(), r.err() + r.out());
        assertTrue(r.err().contains("--shards was '3', now '2'"), r.err());
        List<String> tree = train(out, "local[2]", "--max-iter", "6", "--resume");
        tree.set(tree.indexOf("--aggregation") + 1, "tree");
        int shards = tree.indexOf("--shards");
        tree.subList(shards, shards + 2).clear();
        Run t = run(tree);
        assertEquals(5, t.code(), t.err() + t.out());
        assertTrue(t.err().contains("--aggregation was 'sharded', now 'tree'"), t.err());
        assertFalse(Files.exists(out.resolve("checkpoints/checkpoint-0000000006.ckpt")));
    }

    @Test
    void aValidatedRunResumedKeepsItsBestCopyAndWritesTheSameModelBytes() throws IOException {
        // little regularization: the validation loss turns up early, so the model is an earlier iterate than the
        // checkpoint's, and only the checkpointed best copy can give it back
        Path data = libsvm(dir.resolve("overfit.libsvm"), 500, 400, 8);
        String[] validated = {"--validation-fraction", "0.3", "--patience", "100"};
        List<String> once = train(dir.resolve("validated-once"), "local[2]", "--max-iter", "12");
        once.addAll(List.of(validated));
        once.set(once.indexOf("--input") + 1, data.toString());
        once.set(once.indexOf("--l2") + 1, "1e-6");
        Run r = run(once);
        assertEquals(0, r.code(), r.err() + r.out());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("model: iteration (\\d+), selected by the best"
                + " validation loss").matcher(r.out());
        assertTrue(m.find() && Integer.parseInt(m.group(1)) < 7, r.out());
        Map<String, byte[]> expected = model(dir.resolve("validated-once"));

        Path out = dir.resolve("validated-stopped");
        List<String> first = train(out, "local[2]", "--max-iter", "7");
        first.addAll(List.of(validated));
        first.set(first.indexOf("--input") + 1, data.toString());
        first.set(first.indexOf("--l2") + 1, "1e-6");
        assertEquals(0, run(first).code());
        try (Stream<Path> s = Files.list(out.resolve("checkpoints/checkpoint-0000000007.slices"))) {
            assertEquals(3, s.filter(p -> p.getFileName().toString().startsWith("best-")).count());
        }
        List<String> resumed = train(out, "local[1]", "--max-iter", "12", "--resume");
        resumed.addAll(List.of(validated));
        resumed.set(resumed.indexOf("--input") + 1, data.toString());
        resumed.set(resumed.indexOf("--l2") + 1, "1e-6");
        Run again = run(resumed);
        assertEquals(0, again.code(), again.err() + again.out());
        assertTrue(again.out().contains("checkpoint-0000000007.ckpt (iteration 7, objective "), again.out());
        assertSameModel(expected, out);
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
