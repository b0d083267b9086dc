package dev.downhill.driver.checkpoint;

import static dev.downhill.driver.checkpoint.DownhillRuns.metricsLines;
import static dev.downhill.driver.checkpoint.DownhillRuns.train;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Driver loss: a {@code train} process (its own JVM, Spark local[2] inside) is killed with SIGKILL in the
 * middle of training, then rerun with {@code --resume}; the model file equals, byte for byte, that of a
 * run never interrupted.
 */
class DriverLossTest {
    private static final int ITERATIONS = 80;
    /** Killed once this many iterations are in metrics.jsonl: after three checkpoints, between two. */
    private static final int KILL_AFTER = 17;

    @TempDir
    Path dir;

    @Test
    void aTrainProcessKilledWithSigkillAndResumedWritesTheSameModelBytes() throws Exception {
        killResumeAndCompare(ITERATIONS);
    }

    /**
     * A network the way networks train by default (Adam on mini-batches) with dropout: its moments, step count,
     * batch sequence and masks come back from the checkpoint, so model.json and model.safetensors are the bytes of
     * the uninterrupted run.
     */
    @Test
    void aNetworkKilledWithSigkillAndResumedWritesTheSameModelBytes() throws Exception {
        killResumeAndCompare(40, "--model", "mlp", "--hidden", "8", "--activation", "relu", "--dropout", "0.2",
                "--optimizer", "adam", "--step", "0.01", "--batch-fraction", "0.25", "--block-rows", "50");
    }

    /**
     * --aggregation sharded (issue #14): the executors wrote the vectors of each checkpoint, the driver its manifest;
     * the resumed run reads them back and writes the shard files of the uninterrupted run, byte for byte.
     */
    @Test
    void aShardedRunKilledWithSigkillAndResumedWritesTheSameModelBytes() throws Exception {
        killResumeAndCompare(30, "--aggregation", "sharded", "--shards", "3", "--optimizer", "lbfgs",
                "--lbfgs-memory", "3", "--l2", "1e-3");
    }

    private void killResumeAndCompare(int iterations, String... extra) throws Exception {
        final int ITERATIONS = iterations;
        String input = TestData.binary(1000, 6, 77).writeLibsvm(dir.resolve("train.libsvm"), 0.0).toString();
        Path out = dir.resolve("killed");
        List<String> args = train(input, out.toString(), "--max-iter", String.valueOf(ITERATIONS),
                "--checkpoint-every", "5");
        args.addAll(List.of(extra));

        Path killedLog = dir.resolve("killed.log");
        Process p = DownhillRuns.jvm(killedLog, Map.of(), List.of(), args);
        int seen;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (true) {
                seen = metricsLines(out);
                if (seen >= KILL_AFTER) {
                    break;
                }
                assertTrue(p.isAlive(), "the train process ended before it could be killed:\n"
                        + Files.readString(killedLog));
                assertTrue(System.nanoTime() < deadline, "no progress in 300 s:\n" + Files.readString(killedLog));
                Thread.sleep(5);
            }
            p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs in that JVM
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertEquals(128 + 9, p.exitValue(), "killed by SIGKILL");
        int done = metricsLines(out);
        assertTrue(done >= KILL_AFTER && done < ITERATIONS, "killed mid-training, after " + done + " iterations");
        assertFalse(Files.exists(out.resolve("model.json")), "no model from the killed run");

        Path resumedLog = dir.resolve("resumed.log");
        List<String> resumeArgs = new ArrayList<>(args);
        resumeArgs.add("--resume");
        Process resumed = DownhillRuns.jvm(resumedLog, Map.of(), List.of(), resumeArgs);
        try {
            assertTrue(resumed.waitFor(300, TimeUnit.SECONDS), "the resumed run did not finish in 300 s");
        } finally {
            resumed.destroyForcibly();
        }
        String log = Files.readString(resumedLog);
        assertEquals(0, resumed.exitValue(), log);
        long from = (done / 5) * 5; // the newest checkpoint the killed run completed (or the one before it)
        assertTrue(log.contains(String.format("checkpoint-%010d.ckpt (iteration %d", from, from))
                || log.contains(String.format("checkpoint-%010d.ckpt (iteration %d", from - 5, from - 5)), log);

        Path reference = dir.resolve("uninterrupted");
        List<String> straight = train(input, reference.toString(), "--max-iter", String.valueOf(ITERATIONS));
        straight.addAll(List.of(extra));
        DownhillRuns.Run r = DownhillRuns.inProcess(straight);
        assertEquals(0, r.code(), r.all());
        List<String> files = new ArrayList<>(List.of("model.json"));
        if (Files.exists(reference.resolve("model-shards"))) { // a sharded run's parameters
            try (java.util.stream.Stream<Path> shards = Files.list(reference.resolve("model-shards"))) {
                shards.forEach(f -> files.add("model-shards/" + f.getFileName()));
            }
            assertEquals(4, files.size(), files.toString());
        } else {
            files.add("model.safetensors");
        }
        for (String file : files) {
            assertArrayEquals(Files.readAllBytes(reference.resolve(file)), Files.readAllBytes(out.resolve(file)), file);
        }

        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertEquals(ITERATIONS, lines.size(), "each iteration once, the redone ones not twice");
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i + 1, json.readTree(lines.get(i)).get("iteration").asInt());
        }
    }
}
