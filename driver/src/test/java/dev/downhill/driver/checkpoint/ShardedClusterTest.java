package dev.downhill.driver.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.bench.HashedTextData;
import dev.downhill.driver.io.TrainingDataLoader;
import dev.downhill.driver.settings.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14's check on the standalone cluster of {@code scripts/local-cluster}: a 2^K-feature hashed sparse
 * logistic regression trains with
 * {@code scripts/downhill-submit --driver-memory 1g train --aggregation sharded}, and
 * <ul>
 *   <li>reaches the objective of {@code --aggregation tree} (with a driver heap that holds the model), iteration by
 *       iteration, to a relative 1e-10, although one executor is SIGKILLed after the first iteration (its slices
 *       come back from lineage or the last checkpoint);</li>
 *   <li>writes, killed so, the model bytes of the same sharded run left alone.</li>
 * </ul>
 * K is 21 by default, small enough for {@code mvn verify -Pcluster} on two cores (there the tree path would
 * still fit a 1 GiB driver); {@code -Ddownhill.shardedCheck.log2Features=25} runs the issue's
 * 2^25 (the tree run then takes a 16 GiB driver, and minutes). Skipped while train has no {@code --aggregation}
 * setting. Few rows and iterations keep it short.
 */
@Tag("cluster")
class ShardedClusterTest {
    private static final Path SCRIPTS = Path.of("..", "scripts").toAbsolutePath().normalize();
    private static final int LOG2_FEATURES = Integer.getInteger("downhill.shardedCheck.log2Features", 21);
    private static final int ITERATIONS = 4;

    @TempDir
    Path dir;

    private static boolean shardedAvailable() {
        try {
            Settings.parse(Settings.TRAIN, List.of("--input", "x", "--aggregation", "sharded"));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private Process start(String name, List<String> args, Path log) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(SCRIPTS.resolve(name).toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DOWNHILL_NO_BUILD", "1"); // the jar is this build's; never run Maven from a test
        pb.environment().remove("SPARK_HOME");
        return pb.start();
    }

    private String finish(Process p, Path log, int timeoutSeconds) throws Exception {
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish in " + timeoutSeconds + " s:\n" + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private List<String> train(String url, String heap, String input, Path out, String aggregation) {
        return List.of("--master", url, "--driver-memory", heap, "--conf", "spark.executor.memory=1500m",
                "--conf", "spark.driver.maxResultSize=0", "train", "--input", input, "--format", "libsvm",
                "--num-features", String.valueOf(1 << LOG2_FEATURES), "--objective", "logistic", "--optimizer",
                "lbfgs", "--lbfgs-memory", "3", "--l2", "1e-4", "--max-iter", String.valueOf(ITERATIONS), "--tol",
                "0", "--rel-tol", "0", "--f-tol", "0", "--partitions", "4", "--aggregation", aggregation,
                "--output", out.toString());
    }

    private static double[] objectives(Path out) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        double[] f = new double[lines.size()];
        for (int i = 0; i < f.length; i++) {
            JsonNode r = json.readTree(lines.get(i));
            assertEquals(i + 1, r.path("iteration").asLong(), lines.get(i));
            f[i] = r.path("objective").asDouble();
        }
        return f;
    }

    /** The executors (children of the workers) of the cluster whose state folder is {@code state}. */
    private static List<ProcessHandle> executors(Path state) throws IOException {
        List<ProcessHandle> found = new ArrayList<>();
        try (Stream<Path> s = Files.list(state)) {
            for (Path p : s.filter(f -> f.getFileName().toString().startsWith("worker")
                    && f.getFileName().toString().endsWith(".pid")).toList()) {
                long pid = Long.parseLong(Files.readString(p).trim());
                ProcessHandle.of(pid).ifPresent(w -> w.children().forEach(found::add));
            }
        }
        return found;
    }

    @Test
    void shardedWithA1gDriverFollowsTheTreePathAndSurvivesAnExecutorKill() throws Exception {
        Assumptions.assumeTrue(shardedAvailable(), "train has no --aggregation sharded yet");
        String input = new HashedTextData(14, LOG2_FEATURES, 20, 60).write(dir.resolve("data"), 3000, 4).toString();
        Path state = dir.resolve("cluster");
        Path clusterLog = dir.resolve("cluster.log");
        String started = finish(start("local-cluster", List.of("start", "--state", state.toString(), "--port", "0",
                "--webui-port", "0", "--worker-memory", "2g"), clusterLog), clusterLog, 300);
        try {
            String url = started.lines().filter(l -> l.startsWith("spark://")).findFirst()
                    .orElseThrow(() -> new AssertionError("no master URL:\n" + started));
            // The tree path's driver holds every vector of the model: twice train's own estimate, since the steps
            // after the iterations (the final checkpoint) need more (the scale bench saw 2^24 fail in 4g there).
            long treeBytes = ((1L << LOG2_FEATURES) + 1) * TrainingDataLoader.DRIVER_BYTES_PER_PARAMETER;
            String treeHeap = Math.max(2, (2 * treeBytes + (1L << 30) - 1) >> 30) + "g"; // 1g ran out at 2^21
            Path tree = dir.resolve("tree");
            Path treeLog = dir.resolve("tree.log");
            finish(start("downhill-submit", train(url, treeHeap, input, tree, "tree"), treeLog), treeLog, 600);

            Path killed = dir.resolve("sharded-killed");
            Path killedLog = dir.resolve("sharded-killed.log");
            Process run = start("downhill-submit", train(url, "1g", input, killed, "sharded"), killedLog);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
            Path metrics = killed.resolve("metrics.jsonl");
            while (run.isAlive() && System.nanoTime() < deadline
                    && !(Files.exists(metrics) && !Files.readString(metrics).isBlank())) {
                Thread.sleep(100);
            }
            List<ProcessHandle> executors = executors(state);
            assertTrue(run.isAlive() && !executors.isEmpty(), "an executor to kill during the run:\n"
                    + Files.readString(killedLog));
            // SIGKILL, as a machine failure would: no shutdown hook runs.
            new ProcessBuilder("kill", "-KILL", String.valueOf(executors.get(0).pid())).start().waitFor();
            finish(run, killedLog, 600);

            double[] expected = objectives(tree);
            double[] got = objectives(killed);
            assertEquals(ITERATIONS, expected.length);
            assertEquals(expected.length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected[i], got[i], 1e-10 * Math.abs(expected[i]), "objective of iteration " + (i + 1));
            }

            Path alone = dir.resolve("sharded");
            Path aloneLog = dir.resolve("sharded.log");
            finish(start("downhill-submit", train(url, "1g", input, alone, "sharded"), aloneLog), aloneLog, 600);
            assertArrayEquals(Files.readAllBytes(alone.resolve("model.json")),
                    Files.readAllBytes(killed.resolve("model.json")), "model bytes with and without the kill");
            // the weights are in the shard files the executors wrote (issue #14); the driver wrote no model.safetensors
            assertFalse(Files.exists(killed.resolve("model.safetensors")), "model.safetensors on the sharded path");
            List<String> shards;
            try (java.util.stream.Stream<Path> files = Files.list(alone.resolve("model-shards"))) {
                shards = files.map(f -> f.getFileName().toString()).sorted().toList();
            }
            assertFalse(shards.isEmpty(), "no model shards");
            for (String shard : shards) {
                assertArrayEquals(Files.readAllBytes(alone.resolve("model-shards").resolve(shard)),
                        Files.readAllBytes(killed.resolve("model-shards").resolve(shard)), shard);
            }
        } finally {
            Path stopLog = dir.resolve("stop.log");
            finish(start("local-cluster", List.of("stop", "--state", state.toString()), stopLog), stopLog, 120);
        }
    }
}
