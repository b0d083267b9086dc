package dev.downhill.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launch scripts' argument handling, run as a user runs them but with DOWNHILL_PRINT_COMMAND=1, so they
 * print the command they would run (one argument a line) instead of building or starting anything.
 */
class ScriptsTest {
    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    private static final String CONFIG = HOME.resolve("conf/downhill.properties").toString();

    record Result(int code, List<String> words, String err) {}

    private static Result script(String name, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", HOME.resolve("scripts").resolve(name).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("DOWNHILL_PRINT_COMMAND", "1");
        pb.environment().put("DOWNHILL_NO_BUILD", "1");
        pb.environment().remove("DOWNHILL_DRIVER_MEMORY");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), name + " did not finish");
        return new Result(p.exitValue(), out.lines().toList(), err);
    }

    /** The words after the main class (and, for spark-submit, the jar): what Downhill.main gets. */
    private static List<String> downhillArgs(Result r) {
        int at = r.words().indexOf(Downhill.class.getName());
        assertTrue(at >= 0, r.toString());
        int first = at + 1 < r.words().size() && r.words().get(at + 1).equals("$JAR") ? at + 2 : at + 1;
        return r.words().subList(first, r.words().size());
    }

    /** Was: scripts/downhill passed --driver-memory on, and Downhill refused it as an unknown setting. */
    @Test
    void downhillTurnsDriverMemoryIntoTheJvmHeap() throws Exception {
        Result r = script("downhill", Map.of(), "train", "--input", "in.libsvm", "--driver-memory", "8g",
                "--objective", "logistic", "--output", "out");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.words().contains("-Xmx8g"), r.toString());
        assertTrue(r.words().indexOf("-Xmx8g") < r.words().indexOf(Downhill.class.getName()), r.toString());
        assertEquals(List.of("train", "--input", "in.libsvm", "--objective", "logistic", "--output", "out",
                "--config", CONFIG), downhillArgs(r));

        Result eq = script("downhill", Map.of(), "--driver-memory=2GB", "evaluate", "--help");
        assertTrue(eq.words().contains("-Xmx2g"), eq.toString());
        assertEquals(List.of("evaluate", "--help"), downhillArgs(eq));

        Result env = script("downhill", Map.of("DOWNHILL_DRIVER_MEMORY", "512m"), "config");
        assertTrue(env.words().contains("-Xmx512m"), env.toString());
        Result none = script("downhill", Map.of(), "config");
        assertFalse(none.words().stream().anyMatch(w -> w.startsWith("-Xmx")), none.toString());
    }

    @Test
    void downhillRefusesADriverMemoryThatIsNotASize() throws Exception {
        Result noUnit = script("downhill", Map.of(), "train", "--driver-memory", "8");
        assertEquals(2, noUnit.code(), noUnit.toString());
        assertTrue(noUnit.err().contains("--driver-memory '8' is not a size"), noUnit.err());
        Result missing = script("downhill", Map.of(), "train", "--driver-memory");
        assertEquals(2, missing.code(), missing.toString());
        assertTrue(missing.err().contains("--driver-memory needs a size"), missing.err());
    }

    /** Was: downhill-submit passed no --config, so conf/downhill.properties was ignored on a cluster. */
    @Test
    void downhillSubmitReadsTheProjectSettingsFile() throws Exception {
        Result r = script("downhill-submit", Map.of(), "--master", "spark://127.0.0.1:7077", "--driver-memory", "4g",
                "train", "--input", "in.libsvm");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("train", "--input", "in.libsvm", "--config", CONFIG), downhillArgs(r));
        assertTrue(r.words().containsAll(List.of("--driver-memory", "4g")), r.toString());

        Result own = script("downhill-submit", Map.of(), "--master", "yarn", "predict", "--config", "my.properties");
        assertEquals(List.of("predict", "--config", "my.properties"), downhillArgs(own));
        Result help = script("downhill-submit", Map.of(), "--master", "yarn", "train", "--help");
        assertEquals(List.of("train", "--help"), downhillArgs(help));
        // In cluster mode the driver cannot read this machine's file: said, not passed.
        Result cluster = script("downhill-submit", Map.of(), "--master", "yarn", "--deploy-mode", "cluster", "train",
                "--input", "in");
        assertEquals(List.of("train", "--input", "in"), downhillArgs(cluster));
        assertTrue(cluster.err().contains("not reading conf/downhill.properties"), cluster.err());
    }

    /** This PATH without any directory holding a spark-submit, so downhill-submit falls back on SparkSubmit. */
    private static Map<String, String> withoutSparkSubmit() {
        String path = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty() && !Files.isExecutable(Path.of(dir, "spark-submit")))
                .collect(Collectors.joining(File.pathSeparator));
        return Map.of("PATH", path, "SPARK_HOME", "");
    }

    /** Prints the heap of the JVM it runs in: the driver's, when SparkSubmit runs it in client mode. */
    public static final class HeapProbe {
        public static void main(String[] args) {
            System.out.println("max heap " + Runtime.getRuntime().maxMemory());
        }
    }

    /**
     * Was: without spark-submit, SparkSubmit ran inside the JVM the script had already started, so --driver-memory
     * was silently ignored. Now that JVM gets -Xmx; checked on the running driver: the printed command, run with
     * this build's classpath and a probe main class in place of Downhill, reports the requested max heap.
     */
    @Test
    void downhillSubmitWithoutSparkSubmitStartsTheDriverJvmWithTheHeap() throws Exception {
        Result r = script("downhill-submit", withoutSparkSubmit(), "--master", "local[1]", "--driver-memory", "345m",
                "config");
        assertEquals(0, r.code(), r.toString());
        List<String> words = new ArrayList<>(r.words());
        int main = words.indexOf("org.apache.spark.deploy.SparkSubmit");
        assertTrue(main > 0 && words.indexOf("-Xmx345m") > 0 && words.indexOf("-Xmx345m") < main, r.toString());
        assertTrue(words.containsAll(List.of("--driver-memory", "345m")), r.toString());

        words.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        words.set(words.indexOf("$CLASSPATH"), System.getProperty("java.class.path"));
        words.set(words.indexOf(Downhill.class.getName()), HeapProbe.class.getName());
        words.set(words.indexOf("$JAR"), "spark-internal");
        ProcessBuilder pb = new ProcessBuilder(words).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "SparkSubmit did not finish");
        assertEquals(0, p.exitValue(), out);
        long heap = out.lines().filter(l -> l.startsWith("max heap ")).mapToLong(l -> Long.parseLong(l.substring(9)))
                .findFirst().orElseThrow(() -> new AssertionError(out));
        // maxMemory is -Xmx rounded to the collector's region size, less at most a survivor space; the JVM's
        // default would be a quarter of the RAM.
        assertTrue(heap <= 353L << 20 && heap > 300L << 20, "driver max heap " + heap + " bytes");

        // In cluster mode the cluster starts the driver with the size; the submitting JVM keeps its default.
        Result cluster = script("downhill-submit", withoutSparkSubmit(), "--master", "spark://10.0.0.1:7077",
                "--deploy-mode", "cluster", "--driver-memory", "2g", "config");
        assertFalse(cluster.words().stream().anyMatch(w -> w.startsWith("-Xmx")), cluster.toString());
        assertTrue(cluster.words().containsAll(List.of("--driver-memory", "2g")), cluster.toString());

        Result bad = script("downhill-submit", withoutSparkSubmit(), "--master", "local[1]", "--driver-memory", "8",
                "config");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--driver-memory '8' is not a size"), bad.err());
    }

    /** With a spark-submit on the PATH, --driver-memory goes to it (it starts the driver JVM with that heap). */
    @Test
    void downhillSubmitPassesDriverMemoryToARealSparkSubmit(@TempDir Path bin) throws Exception {
        Path fake = bin.resolve("spark-submit");
        Files.writeString(fake, "#!/bin/sh\nexit 1\n");
        assertTrue(fake.toFile().setExecutable(true));
        Result r = script("downhill-submit", Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH"),
                "SPARK_HOME", ""), "--master", "local[1]", "--driver-memory", "6g", "config");
        assertEquals(0, r.code(), r.toString());
        assertEquals("spark-submit", r.words().get(0), r.toString());
        assertTrue(r.words().containsAll(List.of("--driver-memory", "6g")), r.toString());
        assertFalse(r.words().stream().anyMatch(w -> w.startsWith("-Xmx")), r.toString());
    }
}
