package dev.downhill.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.checkpoint.LastCheckpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What goes wrong around the data ends in one clean line and a documented exit code, never an internal
 * error or a stack trace (issue 16): mini-batches on small data, a master that is not there, binary files.
 */
class CleanErrorsTest {
    static final Path SAMPLE = Path.of("sample", "binary.libsvm").toAbsolutePath();

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        String describe() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Downhill.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private List<String> train(Path input, Path output, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--input", input.toString(), "--objective", "logistic",
                "--output", output.toString(), "--master", "local[2]"));
        args.addAll(List.of(extra));
        return args;
    }

    static void assertClean(Run r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception") || r.err().contains("internal error"),
                r::describe);
    }

    /** Was: exit 1 with a SettingsException trace, since the sample packs into 2 blocks and 10 batches were asked. */
    @Test
    void aSmallBatchFractionTrainsOnTheBundledSample() throws Exception {
        Path out = dir.resolve("mini");
        Run r = run(train(SAMPLE, out, "--batch-fraction", "0.1", "--max-iter", "30").toArray(new String[0]));
        assertEquals(ExitCode.OK, r.code(), r::describe);
        assertClean(r);
        assertTrue(Files.exists(out.resolve("model.json")), r::describe);
        // 2000 rows, 10 batches an epoch: blocks of 100 rows, about 20 of them (one more per partition end).
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(", (\\d+) blocks").matcher(r.out());
        assertTrue(m.find(), r::describe);
        int blocks = Integer.parseInt(m.group(1));
        assertTrue(blocks >= 20 && blocks <= 22, r::describe);
    }

    /** An explicit --block-rows is kept: too large for the batches, it is exit 2 naming both settings. */
    @Test
    void anExplicitBlockRowsTooLargeForTheBatchesIsABadSetting() throws Exception {
        Run r = run(train(SAMPLE, dir.resolve("explicit"), "--batch-fraction", "0.1", "--block-rows", "4096")
                .toArray(new String[0]));
        assertEquals(ExitCode.BAD_SETTINGS, r.code(), r::describe);
        assertTrue(r.err().contains("of at most --block-rows 4096 rows") && r.err().contains("leave --block-rows auto"),
                r::describe);
        assertEquals(1, r.err().lines().count(), r::describe);
        assertClean(r);
    }

    /** Fewer rows than batches cannot work: exit 2 naming the setting and the fraction that would. */
    @Test
    void moreBatchesThanRowsIsABadSetting() throws Exception {
        Path input = Files.writeString(dir.resolve("five.libsvm"), "1 1:1\n0 1:-1\n1 1:2\n0 1:-2\n1 1:0.5\n");
        Run r = run(train(input, dir.resolve("five-out"), "--batch-fraction", "0.1").toArray(new String[0]));
        assertEquals(ExitCode.BAD_SETTINGS, r.code(), r::describe);
        assertTrue(r.err().startsWith("downhill: error: --batch-fraction 0.1 asks for 10 mini-batches")
                && r.err().contains("5 rows") && r.err().contains("at least 1/5"), r::describe);
        assertClean(r);
    }

    /** Was: Spark retried its registration for about a minute and logged 201 lines. */
    @Test
    void anUnreachableMasterIsOneLineNamingTheUrl() throws Exception {
        Path out = dir.resolve("nowhere");
        Run r = run(train(SAMPLE, out, "--master", "spark://127.0.0.1:1").toArray(new String[0]));
        assertEquals(ExitCode.BAD_SETTINGS, r.code(), r::describe);
        assertTrue(r.err().startsWith("downhill: error: cannot reach the Spark master spark://127.0.0.1:1 ("),
                r::describe);
        assertEquals(1, r.err().lines().count(), r::describe);
        assertClean(r);
        assertFalse(Files.exists(out.resolve("model.json")));
    }

    @Test
    void theResumeCommandIsTheOneThatRanWithResume() {
        String[] args = {"train", "--input", "/data/a b.libsvm", "--objective", "logistic", "--output", "out",
                "--master", "local[2]", "--config", "/home/conf/downhill.properties"};
        LastCheckpoint.Point last = new LastCheckpoint.Point(new org.apache.hadoop.fs.Path("file:/x/out/checkpoints/c"),
                7);
        assertEquals("downhill: interrupted; the last checkpoint is file:/x/out/checkpoints/c (iteration 7). Resume"
                + " with: scripts/downhill train --input '/data/a b.libsvm' --objective logistic --output out"
                + " --master 'local[2]' --resume",
                Interrupt.message(args, "scripts/downhill", "/home/conf/downhill.properties", last));
        // Another --config is the user's and stays; a run that already resumed is not given a second --resume.
        String[] resumed = {"train", "--output", "o", "--config", "my.properties", "--resume"};
        assertEquals("scripts/downhill train --output o --config my.properties --resume",
                Interrupt.command(resumed, "scripts/downhill", "/home/conf/downhill.properties", true));
        assertEquals("java [the same JVM options] dev.downhill.driver.Downhill train --output o --config"
                + " my.properties --resume", Interrupt.command(resumed, null, null, true));
        assertTrue(Interrupt.message(args, null, null, null).startsWith("downhill: interrupted before this run"
                + " wrote a checkpoint"));
        assertEquals("'it'\\''s'", Interrupt.quote("it's"));
    }

    /**
     * Was: Ctrl-C left Spark's shutdown to fail the running job, an internal error with its trace. Now exit 130
     * and one line on stderr: the checkpoint, and the command that resumes from it.
     */
    @Test
    void ctrlCDuringTrainingSaysWhereTheCheckpointIsAndHowToResume() throws Exception {
        Path input = TestData.binary(20000, 20, 16).writeLibsvm(dir.resolve("big.libsvm"), 0.0);
        Path out = dir.resolve("interrupted");
        Path stdout = dir.resolve("stdout.log");
        Path stderr = dir.resolve("stderr.log");
        Process p = jvm(stdout, stderr, train(input, out, "--optimizer", "gd", "--max-iter", "1000000", "--tol", "0",
                "--rel-tol", "0", "--f-tol", "0", "--checkpoint-every", "1", "--progress-every", "1"));
        try {
            Path checkpoints = out.resolve("checkpoints");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!hasCheckpoint(checkpoints) || !Files.readString(stdout).matches("(?s).*iteration +3/.*")) {
                assertTrue(p.isAlive(), () -> "the run ended before it was interrupted:\n" + read(stdout)
                        + read(stderr));
                assertTrue(System.nanoTime() < deadline, () -> "no checkpoint in 120 s:\n" + read(stdout));
                Thread.sleep(100);
            }
            Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).inheritIO().start();
            assertEquals(0, kill.waitFor());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run did not end within 60 s of SIGINT");
        } finally {
            p.destroyForcibly();
        }
        String err = read(stderr);
        assertEquals(ExitCode.INTERRUPTED, p.exitValue(), err);
        // The JVM itself says it loaded the vector incubator module (a JDK 17 flag of every run); nothing else.
        assertEquals(1, err.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: Using incubator modules"))
                .count(), err);
        assertFalse(err.contains("Exception") || err.contains("\tat ") || err.contains("internal error"), err);
        String line = err.lines().filter(l -> l.startsWith("downhill:")).findFirst().orElse("");
        assertTrue(line.startsWith("downhill: interrupted; the last checkpoint is "), line);
        String checkpoint = line.substring("downhill: interrupted; the last checkpoint is ".length(),
                line.indexOf(" (iteration "));
        assertTrue(Files.isRegularFile(Path.of(new java.net.URI(checkpoint))), line);
        assertTrue(line.endsWith(" --progress-every 1 --resume"), line);
        assertTrue(line.contains("Resume with: java [the same JVM options] dev.downhill.driver.Downhill train"
                + " --input " + input), line);
    }

    private static boolean hasCheckpoint(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (Stream<Path> s = Files.list(folder)) {
            return s.anyMatch(f -> !f.getFileName().toString().startsWith("."));
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Downhill.main in a JVM of its own (this JVM's classpath and JDK 17 flags, the scripts' logging). */
    static Process jvm(Path stdout, Path stderr, List<String> args) throws IOException {
        return jvm(stdout, stderr, java.util.Map.of(), List.of(), args);
    }

    static Process jvm(Path stdout, Path stderr, java.util.Map<String, String> env, List<String> jvmOptions,
                       List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-Djdk.") || a.startsWith("-Dio.netty")
                    || a.startsWith("-XX:+Ignore")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-Xmx1g", "-Dspark.ui.enabled=false", "-Dlog4j2.configurationFile="
                + Path.of("..", "conf", "log4j2.properties").toAbsolutePath().normalize()));
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Downhill.class.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_LOCAL_HOSTNAME", "127.0.0.1");
        pb.environment().remove("DOWNHILL_LAUNCHER");
        pb.environment().remove("DOWNHILL_DEFAULT_CONFIG");
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Every character a terminal would act on is absent from what the user sees. */
    static void assertNoControlCharacters(Run r) {
        String all = r.out() + r.err();
        for (int i = 0; i < all.length(); i++) {
            char c = all.charAt(i);
            boolean ok = c >= 0x20 && c != 0x7f && !(c >= 0x80 && c <= 0x9f) || c == '\n' || c == '\t';
            assertTrue(ok, "a control character 0x" + Integer.toHexString(c) + " was printed:\n" + r.describe());
        }
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private Run trainOnBytes(String name, byte[] content, String... extra) throws IOException {
        Path input = Files.write(dir.resolve(name), content);
        return run(train(input, dir.resolve(name + "-out"), extra).toArray(new String[0]));
    }

    private static void assertBadFile(Run r, String... mustContain) {
        assertEquals(ExitCode.BAD_INPUT, r.code(), r::describe);
        assertEquals(1, r.err().lines().count(), r::describe);
        for (String s : mustContain) {
            assertTrue(r.err().contains(s), () -> "the message lacks '" + s + "':\n" + r.describe());
        }
        assertClean(r);
        assertNoControlCharacters(r);
    }

    /** Was: the compressed bytes parsed as LIBSVM, quoted raw into the terminal. */
    @Test
    void gzipWithoutGzInItsNameIsNamedWithTheFix() throws Exception {
        String text = Files.readString(SAMPLE);
        Run r = trainOnBytes("sample.libsvm", gzip(text));
        assertBadFile(r, "sample.libsvm is gzip-compressed, but its name does not end in .gz",
                "rename it to end in .gz");
        // Named .gz it trains.
        Run ok = trainOnBytes("sample.libsvm.gz", gzip(text), "--max-iter", "3");
        assertEquals(ExitCode.OK, ok.code(), ok::describe);
    }

    @Test
    void parquetReadAsLibsvmSaysToUseFormatParquet() throws Exception {
        byte[] parquetLike = ("PAR1\u0015\u0000\u0015\u001b[31m\u0000\u0000PAR1").getBytes(StandardCharsets.ISO_8859_1);
        Run r = trainOnBytes("part-0.snappy.parquet.bak", parquetLike, "--format", "libsvm");
        assertBadFile(r, "part-0.snappy.parquet.bak is a Parquet file", "--format libsvm",
                "read it with --format parquet");
    }

    /** Was: a 50-line trace from Spark's Parquet reader. */
    @Test
    void textReadAsParquetSaysWhatItLooksLike() throws Exception {
        Run r = trainOnBytes("data.txt", Files.readAllBytes(SAMPLE), "--format", "parquet");
        assertBadFile(r, "data.txt is not a Parquet file", "it looks like text (LIBSVM lines, --format libsvm)");
    }

    @Test
    void binaryBytesAreNamedAndNeverEchoed() throws Exception {
        byte[] binary = new byte[3000];
        new java.util.Random(16).nextBytes(binary);
        binary[0] = 0x1b; // ESC [ 2 J: a terminal would clear the screen
        binary[1] = '[';
        binary[2] = '2';
        binary[3] = 'J';
        Run r = trainOnBytes("data.csv", binary);
        assertBadFile(r, "data.csv is binary, not text", "read as csv (from the file names; --format auto)");
    }

    /** A text file with one bad line holding escape codes: the complaint quotes it with the codes escaped. */
    @Test
    void controlCharactersInABadRecordAreEscaped() throws Exception {
        String text = Files.readString(SAMPLE).lines().limit(200).collect(java.util.stream.Collectors.joining("\n"))
                + "\n1 1:\u001b[31mred\u0007\n";
        Run r = trainOnBytes("escapes.libsvm", text.getBytes(StandardCharsets.UTF_8));
        assertBadFile(r, "escapes.libsvm line 201", "\\x1b[31mred\\x07");
    }

    @Test
    void printableEscapesWhatATerminalWouldActOn() {
        assertEquals("a\\x1b[2Jb\\x00c\\x7f\\x9b\\u202ed\te\nf",
                dev.downhill.driver.io.BadInputException.printable("a\u001b[2Jb\u0000c\u007f\u009b\u202ed\te\nf"));
        assertEquals("plain", dev.downhill.driver.io.BadInputException.printable("plain"));
    }

    /**
     * Was: the message suggested --driver-memory, which scripts/downhill refused as an unknown setting. Now it
     * names what the launcher that ran takes (scripts/downhill: its own --driver-memory, turned into -Xmx). With
     * --aggregation auto such a model is sharded instead (the next test); tree still refuses it.
     */
    @Test
    void theOutOfMemoryAdviceNamesTheLaunchersOption() throws Exception {
        Path input = Files.writeString(dir.resolve("wide.libsvm"), "1 1:1 5000000:1\n0 2:1\n");
        Path stdout = dir.resolve("wide-out.log");
        Path stderr = dir.resolve("wide-err.log");
        Process p = jvm(stdout, stderr, java.util.Map.of("DOWNHILL_LAUNCHER", "scripts/downhill"), List.of("-Xmx600m"),
                train(input, dir.resolve("wide"), "--master", "local[1]", "--aggregation", "tree"));
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "did not finish in 120 s");
        String err = read(stderr);
        assertEquals(ExitCode.BAD_INPUT, p.exitValue(), err + read(stdout));
        assertTrue(err.contains("5000000 features x 1 output(s) make 5000001 parameters, more than this driver can"
                + " hold") && err.contains("run scripts/downhill again with --driver-memory 2g"), err);
        assertFalse(err.contains("Exception"), err);
    }

    /**
     * --aggregation auto on a model the tree path would not hold comfortably (2M parameters, 384 MB of its driver
     * copies, on a 600 MB heap): train shards it instead of refusing, and writes the model.
     */
    @Test
    void autoAggregationShardsAModelTheDriverWouldNotHoldComfortably() throws Exception {
        Path input = Files.writeString(dir.resolve("wider.libsvm"), "1 1:1 2000000:1\n0 2:1\n1 3:1 7:2\n");
        Path stdout = dir.resolve("wider-out.log");
        Path stderr = dir.resolve("wider-err.log");
        Process p = jvm(stdout, stderr, java.util.Map.of("DOWNHILL_LAUNCHER", "scripts/downhill"), List.of("-Xmx600m"),
                train(input, dir.resolve("wider"), "--master", "local[1]", "--max-iter", "3", "--lbfgs-memory", "2"));
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "did not finish in 300 s");
        String out = read(stdout);
        assertEquals(0, p.exitValue(), read(stderr) + out);
        assertTrue(out.contains("aggregation: sharded (2000001 parameters in 2 slices"), out);
        assertTrue(Files.exists(dir.resolve("wider").resolve("model.json")), out);
    }
}
