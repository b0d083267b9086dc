package dev.downhill.driver.checkpoint;

import static dev.downhill.driver.checkpoint.DownhillRuns.train;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster from {@code scripts/local-cluster} (a master and two workers, JVMs of their
 * own on 127.0.0.1, free ports), trained on with {@code scripts/downhill-submit}: the model file equals,
 * byte for byte, that of local mode (also with --aggregation sharded, a 1 GiB driver and an executor SIGKILLed
 * mid-run); {@code stop} ends exactly the processes {@code start} started. Runs
 * after packaging (-Pcluster), since downhill-submit ships the application jar.
 */
@Tag("cluster")
class StandaloneClusterTest {
    private static final Path SCRIPTS = Path.of("..", "scripts").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    record Result(int code, String output) {}

    private Result script(String name, List<String> args, int timeoutSeconds) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(SCRIPTS.resolve(name).toString());
        cmd.addAll(args);
        Path log = Files.createTempFile(dir, name, ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DOWNHILL_NO_BUILD", "1"); // the jar is this build's; never run Maven from a test
        pb.environment().remove("SPARK_HOME"); // SparkSubmit from the Maven classpath, not a distribution
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(name + " " + args + " did not finish in " + timeoutSeconds + " s:\n"
                    + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    private static List<Long> recordedPids(Path state) throws IOException {
        try (Stream<Path> s = Files.list(state)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".pid")).map(p -> {
                try {
                    return Long.parseLong(Files.readString(p).trim());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
    }

    @Test
    void trainingOnTheStandaloneClusterWritesTheLocalModeModelBytes() throws Exception {
        String input = TestData.binary(1000, 6, 79).writeLibsvm(dir.resolve("train.libsvm"), 0.0).toString();
        Path state = dir.resolve("cluster");
        Result started = script("local-cluster", List.of("start", "--state", state.toString(), "--port", "0",
                "--webui-port", "0"), 300);
        List<Long> pids = List.of();
        try {
            assertEquals(0, started.code(), started.output());
            String url = started.output().lines().filter(l -> l.startsWith("spark://")).findFirst()
                    .orElseThrow(() -> new AssertionError("no master URL printed:\n" + started.output()));
            assertTrue(url.startsWith("spark://127.0.0.1:"), url);
            pids = recordedPids(state);
            assertEquals(3, pids.size(), "a master and two workers");
            for (long pid : pids) {
                assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid);
            }

            Path out = dir.resolve("on-cluster");
            List<String> submit = new ArrayList<>(List.of("--master", url, "--conf", "spark.executor.memory=512m"));
            submit.addAll(DownhillRuns.trainOn(input, out.toString(), "--max-iter", "30"));
            Result trained = script("downhill-submit", submit, 600);
            assertEquals(0, trained.code(), trained.output());
            assertTrue(trained.output().contains("model written to "), trained.output());

            Path local = dir.resolve("local");
            DownhillRuns.Run r = DownhillRuns.inProcess(train(input, local.toString(), "--max-iter", "30"));
            assertEquals(0, r.code(), r.all());
            assertArrayEquals(Files.readAllBytes(local.resolve("model.json")), Files.readAllBytes(out.resolve("model.json")));

            // --aggregation sharded with a 1 GiB driver, one executor SIGKILLed mid-run: local mode's bytes still
            Path sharded = dir.resolve("sharded-on-cluster");
            String[] shardedArgs = {"--max-iter", "30", "--optimizer", "lbfgs", "--aggregation", "sharded", "--shards",
                "3"};
            List<String> submitSharded = new ArrayList<>(List.of("--master", url, "--driver-memory", "1g", "--conf",
                    "spark.executor.memory=512m"));
            submitSharded.addAll(DownhillRuns.trainOn(input, sharded.toString(), shardedArgs));
            List<Long> daemons = pids;
            java.util.concurrent.atomic.AtomicLong killed = new java.util.concurrent.atomic.AtomicLong(-1);
            Thread killer = new Thread(() -> killAnExecutorAfter(sharded, daemons, 3, killed));
            killer.setDaemon(true);
            killer.start();
            Result shardedRun = script("downhill-submit", submitSharded, 900);
            killer.join(5000);
            assertEquals(0, shardedRun.code(), shardedRun.output());
            assertTrue(shardedRun.output().contains("aggregation: sharded"), shardedRun.output());
            assertTrue(killed.get() > 0, "no executor was killed mid-run:\n" + shardedRun.output());
            Path localSharded = dir.resolve("local-sharded");
            DownhillRuns.Run rs = DownhillRuns.inProcess(train(input, localSharded.toString(), shardedArgs));
            assertEquals(0, rs.code(), rs.all());
            for (String file : List.of("model.json", "model.safetensors")) {
                assertArrayEquals(Files.readAllBytes(localSharded.resolve(file)),
                        Files.readAllBytes(sharded.resolve(file)), file);
            }
        } finally {
            Result stopped = script("local-cluster", List.of("stop", "--state", state.toString()), 120);
            assertEquals(0, stopped.code(), stopped.output());
        }
        for (long pid : pids) {
            // stop returns once the JVM is gone from /proc's view of running code; its exit may take a moment more
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            if (h.isPresent()) {
                h.get().onExit().get(30, TimeUnit.SECONDS);
            }
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " stopped");
        }
        Result status = script("local-cluster", List.of("status", "--state", state.toString()), 60);
        assertEquals(1, status.code(), status.output());
    }

    /** Once the run has {@code lines} metrics records, SIGKILLs one executor JVM under the workers; records its pid. */
    private static void killAnExecutorAfter(Path output, List<Long> daemons, int lines,
                                            java.util.concurrent.atomic.AtomicLong killed) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
        try {
            while (System.nanoTime() < deadline) {
                if (DownhillRuns.metricsLines(output) >= lines) {
                    for (long pid : daemons) {
                        Optional<ProcessHandle> executor = ProcessHandle.of(pid).stream()
                                .flatMap(ProcessHandle::descendants)
                                .filter(h -> ExecutorLossTest.commandLine(h).contains("CoarseGrainedExecutorBackend"))
                                .findFirst();
                        if (executor.isPresent() && executor.get().destroyForcibly()) {
                            killed.set(executor.get().pid());
                            return;
                        }
                    }
                }
                Thread.sleep(20);
            }
        } catch (IOException | InterruptedException e) {
            // no kill: the test's assertion says so
        }
    }
}
