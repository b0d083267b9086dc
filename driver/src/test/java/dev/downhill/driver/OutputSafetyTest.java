package dev.downhill.driver;

import static dev.downhill.driver.TrainCommandLineTest.run;
import static dev.downhill.driver.TrainCommandLineTest.train;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.TrainCommandLineTest.Run;
import dev.downhill.driver.io.OutputLock;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's data-loss probes, through the command line as a user runs it: two runs into one folder, a run
 * into a folder holding a model, evaluate and predict aimed at files they must not touch, a full file system,
 * a hand-edited model, an --output that cannot be written, and what checkpoints a finished run leaves. Each
 * asserts that no file the user had is lost or changed, that the refusal names the path, and that no
 * "internal error" or stack trace is printed.
 */
class OutputSafetyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static SparkSession spark;
    @TempDir
    static Path dir;
    private static Path input;

    @BeforeAll
    static void start() throws IOException {
        spark = TestSpark.start("OutputSafetyTest");
        spark.sparkContext().hadoopConfiguration().set("fs." + FullFileSystem.SCHEME + ".impl",
                FullFileSystem.class.getName());
        spark.sparkContext().hadoopConfiguration().set("fs." + FullFileSystem.SCHEME + ".impl.disable.cache", "true");
        input = TestData.binary(300, 4, 16).writeLibsvm(dir.resolve("data/train.libsvm"), 0.0);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @AfterEach
    void everyWriteSucceedsAgain() {
        FullFileSystem.reset();
    }

    private static String[] trainInto(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of(extra));
        args.addAll(List.of("--max-iter", "30", "--tol", "1e-6"));
        return train(input, "logistic", out, args.toArray(new String[0]));
    }

    private static void assertRefused(Run r, int code, String... parts) {
        assertEquals(code, r.code(), "stdout: " + r.out() + "\nstderr: " + r.err());
        assertTrue(r.err().startsWith("downhill: error: "), r.err());
        for (String part : parts) {
            assertTrue(r.err().contains(part), "message lacks '" + part + "': " + r.err());
        }
        assertFalse(r.err().contains("internal error"), r.err());
        assertFalse(r.err().contains("\tat "), "a stack trace was printed: " + r.err());
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(Files::isRegularFile).map(p -> folder.relativize(p).toString()).sorted()
                    .collect(Collectors.toList());
        }
    }

    // ---- 1. the lock: one run per output folder ----

    private static Path fakeLock(Path out, String host, long pid, long ageMillis) throws IOException {
        Files.createDirectories(out);
        Path lock = out.resolve(OutputLock.NAME);
        Files.writeString(lock, "host=" + host + "\npid=" + pid + "\nstarted=2026-12-07T00:01:02Z\ntoken=other-run\n");
        Files.setLastModifiedTime(lock, FileTime.fromMillis(System.currentTimeMillis() - ageMillis));
        return lock;
    }

    @Test
    void aFolderAnotherRunHoldsIsRefusedNamingThatRun() throws IOException {
        Path out = dir.resolve("locked");
        Path lock = fakeLock(out, "other-host", 4242, 1_000);
        byte[] before = Files.readAllBytes(lock);
        Run r = run(trainInto(out));
        assertRefused(r, ExitCode.BAD_SETTINGS, "--output file:" + out, "in use by another train run",
                "host other-host", "pid 4242",
                "started 2026-12-07T00:01:02Z");
        assertArrayEquals(before, Files.readAllBytes(lock), "the other run's lock is left alone");
        assertEquals(List.of(OutputLock.NAME), names(out), "nothing was written");
    }

    @Test
    void aLockWhoseHeartbeatStoppedIsTakenOverWithAWarningAndReleasedAtTheEnd() throws IOException {
        Path out = dir.resolve("stale");
        fakeLock(out, "gone-host", 99, OutputLock.STALE_MILLIS + 60_000);
        Run r = run(trainInto(out));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("downhill: warning: took over the lock ") && r.out().contains("gone-host")
                && r.out().contains("pid 99"), r.out());
        assertTrue(Files.exists(out.resolve("model.json")));
        assertFalse(Files.exists(out.resolve(OutputLock.NAME)), "released when the run ended");
    }

    @Test
    void aLockOfAProcessThatEndedOnThisHostIsTakenOverAtOnce() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Path out = dir.resolve("killed-here");
        fakeLock(out, java.net.InetAddress.getLocalHost().getHostName(), ended.pid(), 1_000);
        Run r = run(trainInto(out));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("downhill: warning: took over the lock ") && r.out().contains("process "
                + ended.pid() + " is no longer running on this host"), r.out());
        assertFalse(Files.exists(out.resolve(OutputLock.NAME)));
    }

    /**
     * Two real runs: one in a JVM of its own, training for a long time; a second into the same folder is refused
     * naming the first's process; the first, stopped with SIGTERM as Ctrl-C stops it, removes its lock.
     */
    @Test
    void aSecondRunIsRefusedWhileTheFirstTrainsAndTheFirstReleasesTheLockWhenStopped() throws Exception {
        Path out = dir.resolve("concurrent");
        Path log = dir.resolve("concurrent.log");
        Process first = jvm(log, "train", "--input", input.toString(), "--objective", "logistic", "--output",
                out.toString(), "--master", "local[1]", "--optimizer", "gd", "--max-iter", "1000000", "--tol", "0",
                "--rel-tol", "0", "--f-tol", "0", "--progress-every", "1000", "--checkpoint-every", "1000000");
        try {
            Path lock = out.resolve(OutputLock.NAME);
            Path metrics = out.resolve("metrics.jsonl");
            for (int i = 0; i < 1200 && !(Files.exists(metrics) && Files.size(metrics) > 0); i++) {
                assertTrue(first.isAlive(), () -> "the first run ended: " + read(log));
                Thread.sleep(100);
            }
            assertTrue(Files.exists(lock), read(log));
            Run second = run(trainInto(out));
            assertRefused(second, ExitCode.BAD_SETTINGS, "in use by another train run", "pid " + first.pid());
            assertTrue(first.isAlive(), "the first run goes on");
            assertFalse(Files.exists(out.resolve("model.json")), "the second run wrote nothing");
            first.destroy(); // SIGTERM: the shutdown hooks run, as on Ctrl-C
            assertTrue(first.waitFor(60, TimeUnit.SECONDS), read(log));
            assertFalse(Files.exists(lock), "the stopped run removed its lock: " + read(log));
            byte[] m = Files.readAllBytes(metrics);
            for (byte b : m) {
                assertTrue(b != 0, "metrics.jsonl holds a NUL byte");
            }
        } finally {
            first.destroyForcibly();
        }
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static Process jvm(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-Djdk.") || a.startsWith("-Dio.netty")
                    || a.startsWith("-XX:+Ignore")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-Xmx512m", "-Dspark.ui.enabled=false", "-cp", System.getProperty("java.class.path"),
                Downhill.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return pb.start();
    }

    // ---- 2. a folder holding a model: refused unless --overwrite or --resume ----

    @Test
    void aFolderHoldingAModelIsRefusedUnlessOverwriteWhichRemovesOnlyDownhillsFiles() throws IOException {
        Path out = dir.resolve("finished");
        assertEquals(0, run(trainInto(out, "--l2", "0.1")).code());
        Files.writeString(out.resolve("evaluation.json"), "{\"formatVersion\":1}\n");
        Files.writeString(out.resolve("notes.txt"), "my notes\n");
        List<String> before = names(out);
        byte[] model = Files.readAllBytes(out.resolve("model.json"));

        Run again = run(trainInto(out, "--l2", "0.01"));
        assertRefused(again, ExitCode.BAD_SETTINGS, "already holds a trained model", "model.json", "--overwrite",
                "--resume", "another --output");
        assertEquals(before, names(out));
        assertArrayEquals(model, Files.readAllBytes(out.resolve("model.json")));

        Run overwrite = run(trainInto(out, "--l2", "0.01", "--overwrite"));
        assertEquals(0, overwrite.code(), overwrite.err());
        assertTrue(overwrite.out().contains("note: --overwrite: removed the earlier run's model.json"),
                overwrite.out());
        assertFalse(Files.exists(out.resolve("evaluation.json")), "the earlier model's evaluation is gone");
        assertEquals("my notes\n", Files.readString(out.resolve("notes.txt")), "a file Downhill does not name stays");
        assertEquals(0.01, JSON.readTree(out.resolve("model.json").toFile()).get("l2").asDouble());

        Run both = run(trainInto(out, "--resume", "--overwrite"));
        assertRefused(both, ExitCode.BAD_SETTINGS, "--resume", "--overwrite", "not both");
    }

    @Test
    void aResumedRunThatChangesTheModelRemovesTheEvaluationOfTheOldOne() throws IOException {
        Path out = dir.resolve("resumed");
        assertEquals(0, run(train(input, "logistic", out, "--max-iter", "5")).code());
        Files.writeString(out.resolve("evaluation.json"), "{}\n");
        Run resumed = run(train(input, "logistic", out, "--max-iter", "8", "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("note: removed ") && resumed.out().contains("evaluation.json: it evaluated"
                + " the model this run replaced"), resumed.out());
        assertFalse(Files.exists(out.resolve("evaluation.json")));
    }

    // ---- 3. evaluate and predict never replace or delete what they did not write ----

    private static Path model;

    private static synchronized Path model() throws IOException {
        if (model == null) {
            model = dir.resolve("model");
            Run r = run(trainInto(model));
            assertEquals(0, r.code(), r.err());
        }
        return model;
    }

    private static String[] evaluate(Path modelDir, String... extra) {
        List<String> args = new ArrayList<>(List.of("evaluate", "--model", modelDir.toString(), "--input",
                input.toString(), "--master", "local[2]"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    @Test
    void evaluateRefusesToWriteOverTheModelOrIntoTheModelFolder() throws IOException {
        Path m = model();
        byte[] bytes = Files.readAllBytes(m.resolve("model.json"));
        Run over = run(evaluate(m, "--output", m.resolve("model.json").toString()));
        assertRefused(over, ExitCode.BAD_SETTINGS, m.resolve("model.json").toString(), "inside the model folder",
                "evaluation.json");
        assertArrayEquals(bytes, Files.readAllBytes(m.resolve("model.json")), "the model is untouched");
        Run other = run(evaluate(m, "--output", m.resolve("scores.json").toString()));
        assertRefused(other, ExitCode.BAD_SETTINGS, m.resolve("scores.json").toString(), "inside the model folder");
        assertFalse(Files.exists(m.resolve("scores.json")));

        // The documented place works, and a second evaluation replaces the first.
        assertEquals(0, run(evaluate(m)).code());
        assertEquals(0, run(evaluate(m)).code());
        assertTrue(JSON.readTree(m.resolve("evaluation.json").toFile()).has("rows"));
    }

    @Test
    void evaluateNeverDeletesAFolderNorReplacesAFileItDidNotWrite() throws IOException {
        Path m = model();
        Path folder = Files.createDirectories(dir.resolve("results"));
        Files.writeString(folder.resolve("keep.csv"), "a,b\n");
        Run r = run(evaluate(m, "--output", folder.toString()));
        assertRefused(r, ExitCode.BAD_SETTINGS, folder.toString(), "is a folder");
        assertEquals(List.of("keep.csv"), names(folder));

        Path userFile = Files.writeString(dir.resolve("summary.json"), "{\"mine\": true}\n");
        Run f = run(evaluate(m, "--output", userFile.toString()));
        assertRefused(f, ExitCode.BAD_SETTINGS, userFile.toString(), "not an evaluation report");
        assertEquals("{\"mine\": true}\n", Files.readString(userFile));

        Path report = dir.resolve("eval-out.json");
        assertEquals(0, run(evaluate(m, "--output", report.toString())).code());
        assertEquals(0, run(evaluate(m, "--output", report.toString())).code(), "its own report is replaced");
    }

    @Test
    void outputsUnderAFileAreRefusedBeforeSparkReadsAnything() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x\n");
        Path missing = dir.resolve("no-such-input.libsvm"); // exit 3 if anything got as far as reading it
        Run t = run(train(missing, "logistic", file.resolve("out")));
        assertRefused(t, ExitCode.BAD_SETTINGS, file.resolve("out").toString(), file + " is a file, not a folder");
        Run t2 = run(train(missing, "logistic", file));
        assertRefused(t2, ExitCode.BAD_SETTINGS, file + " is a file, not a folder");
        Run e = run("evaluate", "--model", model().toString(), "--input", missing.toString(), "--output",
                file.resolve("eval.json").toString());
        assertRefused(e, ExitCode.BAD_SETTINGS, file + " is a file, not a folder");
        Run p = run("predict", "--model", model().toString(), "--input", missing.toString(), "--output",
                file.resolve("predictions").toString());
        assertRefused(p, ExitCode.BAD_SETTINGS, file + " is a file, not a folder");
        assertEquals("x\n", Files.readString(file));
    }

    @Test
    void anOutputWhereNoFolderCanBeMadeIsRefusedBeforeSparkReadsAnything() {
        // /proc refuses new folders even to root, as a read-only mount does.
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "no /proc");
        Run t = run(train(dir.resolve("no-such-input.libsvm"), "logistic", Path.of("/proc/downhill-out")));
        assertRefused(t, ExitCode.BAD_SETTINGS, "--output file:/proc/downhill-out cannot be written",
                "cannot create the folder");
    }

    @Test
    void anUnwritableOutputIsRefusedBeforeSparkReadsAnything() throws IOException {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "running as root: a folder's mode does not stop root from writing");
        Path ro = Files.createDirectories(dir.resolve("read-only"));
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Run t = run(train(dir.resolve("no-such-input.libsvm"), "logistic", ro.resolve("out")));
            assertRefused(t, ExitCode.BAD_SETTINGS, ro.resolve("out").toString(), "not writable");
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    // ---- 4. a full disk: the model first, a clear error, no temporary files, earlier files whole ----

    private static String full(Path p) {
        return FullFileSystem.SCHEME + ":" + p;
    }

    private static List<String> hidden(Path folder) throws IOException {
        return names(folder).stream().filter(n -> n.startsWith(".") || n.contains("/.") || n.endsWith(".tmp"))
                .collect(Collectors.toList());
    }

    @Test
    void onAFullDiskTheModelIsWrittenBeforeTheFinalCheckpointAndTheFailureNamesFileAndSpace() throws IOException {
        Path out = dir.resolve("full-at-checkpoint");
        FullFileSystem.failWrites("checkpoint-", 100);
        List<String> args = new ArrayList<>(List.of(trainInto(out, "--checkpoint-every", "1000")));
        args.set(args.indexOf(out.toString()), full(out));
        Run r = run(args.toArray(new String[0]));
        assertRefused(r, ExitCode.OUTPUT_FAILED, "cannot write ", "checkpoint-0000000", ".ckpt",
                "No space left on device", "it needed ", "the file system reports " + FullFileSystem.FREE
                        + " bytes (4.0 KiB) free");
        assertTrue(Files.exists(out.resolve("model.json")), "the model comes first: " + names(out));
        assertTrue(JSON.readTree(out.resolve("model.json").toFile()).has("weights"));
        assertTrue(Files.exists(out.resolve("report.html")));
        assertEquals(List.of(), hidden(out), "temporary files left behind");
    }

    @Test
    void aModelThatCannotBeWrittenLeavesTheEarlierModelWhole() throws IOException {
        Path out = dir.resolve("full-at-model");
        assertEquals(0, run(train(input, "logistic", out, "--max-iter", "5")).code());
        byte[] earlier = Files.readAllBytes(out.resolve("model.json"));
        FullFileSystem.failWrites("model\\.json", 10);
        Run r = run(train(input, "logistic", Path.of(full(out)), "--max-iter", "9", "--resume"));
        assertRefused(r, ExitCode.OUTPUT_FAILED, "cannot write ", "model.json", "No space left on device",
                "it needed ");
        assertArrayEquals(earlier, Files.readAllBytes(out.resolve("model.json")));
        assertEquals(List.of(), hidden(out), "temporary files left behind");
    }

    // ---- 5. a hand-edited model loads ----

    @Test
    void aHandEditedModelStillLoads() throws IOException {
        Path m = dir.resolve("edited");
        assertEquals(0, run(trainInto(m)).code());
        assertFalse(Files.exists(m.resolve(".model.json.crc")), "no checksum side file");
        assertEquals(List.of(), hidden(m).stream().filter(n -> n.endsWith(".crc")).toList());
        String json = Files.readString(m.resolve("model.json"));
        // As an older Downhill wrote it: through Hadoop's checksummed local file system, with a .crc beside it.
        FileSystem local = FileSystem.getLocal(new Configuration());
        try (var o = local.create(new org.apache.hadoop.fs.Path(m.resolve("model.json").toString()), true)) {
            o.write(json.getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(Files.exists(m.resolve(".model.json.crc")));
        String edited = json.replaceFirst("\"intercepts\" : (-?[0-9.eE-]+)", "\"intercepts\" : 0.25");
        assertFalse(edited.equals(json));
        Files.writeString(m.resolve("model.json"), edited);
        Run r = run(evaluate(m));
        assertEquals(0, r.code(), r.err());
        assertFalse(r.err().contains("Checksum"), r.err());
    }

    // ---- 7. checkpoints: a finished run keeps what --resume needs ----

    @Test
    void aFinishedRunKeepsOnlyTheFinalCheckpointAndSaysHowLargeTheyAre() throws IOException {
        Path out = dir.resolve("checkpoints");
        Run r = run(train(input, "logistic", out, "--max-iter", "25", "--checkpoint-every", "5", "--tol", "0",
                "--rel-tol", "0", "--f-tol", "0", "--optimizer", "gd"));
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("checkpoints/checkpoint-0000000025.ckpt"), names(out).stream()
                .filter(n -> n.startsWith("checkpoints/")).toList());
        long size = Files.size(out.resolve("checkpoints/checkpoint-0000000025.ckpt"));
        assertTrue(r.out().contains("checkpoint written: ") && r.out().contains("checkpoint-0000000005.ckpt ("),
                r.out());
        assertTrue(r.out().contains("checkpoint kept for --resume: ") && r.out().contains(
                "checkpoint-0000000025.ckpt (" + size + " bytes"), r.out());
        assertTrue(r.out().contains("the older ones were removed ("), r.out());
        // What is kept is enough: a longer run resumes from it.
        Run more = run(train(input, "logistic", out, "--max-iter", "30", "--checkpoint-every", "5", "--tol", "0",
                "--rel-tol", "0", "--f-tol", "0", "--optimizer", "gd", "--resume"));
        assertEquals(0, more.code(), more.err());
        assertTrue(more.out().contains("checkpoint-0000000025.ckpt (iteration 25"), more.out());
    }
}
