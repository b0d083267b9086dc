package dev.downhill.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

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
}
