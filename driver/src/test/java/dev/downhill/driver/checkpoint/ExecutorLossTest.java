package dev.downhill.driver.checkpoint;

import static dev.downhill.driver.checkpoint.DownhillRuns.metricsLines;
import static dev.downhill.driver.checkpoint.DownhillRuns.train;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executor loss: {@code train} on {@code local-cluster[2,1,1024]} (its own JVM; Spark's master and two
 * workers inside it, each executor a JVM of its own) while one executor JVM is killed with SIGKILL mid-
 * training. Its tasks run again elsewhere, its cached blocks are rebuilt from the files, and the model
 * file equals, byte for byte, that of an undisturbed local[2] run with the same partitions.
 */
@Tag("cluster")
class ExecutorLossTest {
    private static final int ITERATIONS = 60;
    private static final int KILL_AFTER = 8;

    @TempDir
    Path dir;

    private static Optional<ProcessHandle> anExecutorOf(Process driver) {
        return driver.toHandle().descendants().filter(h -> commandLine(h).contains("CoarseGrainedExecutorBackend"))
                .findFirst();
    }

    /** The full command line (ProcessHandle.Info cuts long ones short, and the classpath is long). */
    static String commandLine(ProcessHandle h) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(h.pid()), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return ""; // it ended meanwhile
        }
    }

    @Test
    void anExecutorKilledMidTrainingChangesNoBitOfTheModel() throws Exception {
        killAnExecutorAndCompare(ITERATIONS);
    }

    /** A network (Adam mini-batches with dropout): the retried tasks draw the same masks, so the same bytes. */
    @Test
    void anExecutorKilledWhileANetworkTrainsChangesNoBitOfItsFiles() throws Exception {
        killAnExecutorAndCompare(40, "--model", "mlp", "--hidden", "8", "--activation", "relu", "--dropout", "0.2",
                "--optimizer", "adam", "--step", "0.01", "--batch-fraction", "0.25", "--block-rows", "50");
    }

    /**
     * --aggregation sharded: the killed executor's parameter slices, L-BFGS vectors and shuffle outputs come back
     * from lineage (cut by RDD checkpoints in the output folder), so the model has the same bytes as local[2]'s.
     */
    @Test
    void anExecutorKilledWhileShardedTrainingRunsChangesNoBitOfTheModel() throws Exception {
        killAnExecutorAndCompare(40, "--optimizer", "lbfgs", "--aggregation", "sharded", "--shards", "3");
    }

    private void killAnExecutorAndCompare(int iterations, String... extra) throws Exception {
        final int ITERATIONS = iterations;
        String input = TestData.binary(1000, 6, 78).writeLibsvm(dir.resolve("train.libsvm"), 0.0).toString();
        Path out = dir.resolve("executor-killed");
        // Executors take their classes from SPARK_HOME/jars (empty here) plus this JVM's classpath.
        Path sparkHome = Files.createDirectories(dir.resolve("spark-home/jars")).getParent();
        List<String> args = DownhillRuns.trainOn(input, out.toString(), "--max-iter", String.valueOf(ITERATIONS),
                "--master", "local-cluster[2,1,1024]");
        args.addAll(List.of(extra));
        Path log = dir.resolve("driver.log");
        Process driver = DownhillRuns.jvm(log,
                Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_SCALA_VERSION", "2.13"),
                List.of("-Dspark.executor.extraClassPath=" + System.getProperty("java.class.path"),
                        "-Dspark.executorEnv.SPARK_SCALA_VERSION=2.13",
                        "-Dspark.executorEnv.SPARK_LOCAL_IP=127.0.0.1",
                        "-Dspark.worker.dir=" + dir.resolve("work")),
                args);
        ProcessHandle killed;
        int linesAtKill;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (true) {
                Optional<ProcessHandle> executor = anExecutorOf(driver);
                linesAtKill = metricsLines(out);
                if (executor.isPresent() && linesAtKill >= KILL_AFTER) {
                    killed = executor.get();
                    break;
                }
                assertTrue(driver.isAlive(), "training ended before an executor could be killed:\n" + Files.readString(log));
                assertTrue(System.nanoTime() < deadline, "no progress in 300 s:\n" + Files.readString(log));
                Thread.sleep(5);
            }
            assertTrue(killed.destroyForcibly(), "SIGKILL sent to executor " + killed.pid());
            assertTrue(driver.waitFor(300, TimeUnit.SECONDS), "training did not finish in 300 s after the kill");
        } finally {
            driver.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            driver.destroyForcibly();
        }
        String text = Files.readString(log);
        assertEquals(0, driver.exitValue(), text);
        assertFalse(killed.isAlive());
        assertTrue(linesAtKill < ITERATIONS, "killed after " + linesAtKill + " of " + ITERATIONS + " iterations");
        assertTrue(text.contains("Lost executor"), "Spark noticed the loss:\n" + text);

        Path reference = dir.resolve("undisturbed");
        List<String> undisturbed = train(input, reference.toString(), "--max-iter", String.valueOf(ITERATIONS));
        undisturbed.addAll(List.of(extra));
        DownhillRuns.Run r = DownhillRuns.inProcess(undisturbed);
        assertEquals(0, r.code(), r.all());
        for (String file : List.of("model.json", "model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(reference.resolve(file)), Files.readAllBytes(out.resolve(file)),
                    file + "\n" + text);
        }
    }
}
