package dev.downhill.driver.checkpoint;

import dev.downhill.driver.Downhill;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs of the public command line, in this JVM or in a JVM of their own, as the checkpoint tests use them. */
public final class DownhillRuns {
    private DownhillRuns() {}

    /** Exit code and captured streams of one in-process run. */
    public record Run(int code, String out, String err) {
        public String all() {
            return "stdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    public static Run inProcess(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Downhill.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** train with logistic loss on local[2], 3 partitions, tol 0 (so max-iter decides), quiet progress. */
    static List<String> train(String input, String output, String... extra) {
        List<String> args = trainOn(input, output, extra);
        args.addAll(List.of("--master", "local[2]"));
        return args;
    }

    /** The same without a master (spark-submit's, or one the caller adds). */
    static List<String> trainOn(String input, String output, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--input", input, "--objective", "logistic",
                "--output", output, "--partitions", "3", "--tol", "0", "--rel-tol", "0", "--f-tol", "0", "--progress-every",
                "1000", "--optimizer", "gd"));
        args.addAll(List.of(extra));
        return args;
    }

    /**
     * Starts {@code Downhill.main} in a JVM of its own with this JVM's classpath and JDK 17 flags, on
     * loopback, its output (stdout and stderr) going to {@code log}.
     */
    public static Process jvm(Path log, Map<String, String> env, List<String> jvmOptions, List<String> args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-Djdk.") || a.startsWith("-Dio.netty")
                    || a.startsWith("-XX:+Ignore")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx1g");
        cmd.add("-Dspark.ui.enabled=false");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Downhill.class.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_LOCAL_HOSTNAME", "127.0.0.1");
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Records in a metrics.jsonl (0 when it does not exist yet). */
    static int metricsLines(Path output) throws IOException {
        Path m = output.resolve("metrics.jsonl");
        if (!Files.exists(m)) {
            return 0;
        }
        return (int) Files.readAllLines(m).stream().filter(l -> l.endsWith("}")).count();
    }
}
