package dev.downhill.driver.sharded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.checkpoint.DownhillRuns;
import dev.downhill.driver.io.TrainingDataLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --aggregation auto (the default) on a driver too small for the tree path: train chooses the sharded path by
 * itself, with validation and with --initial-model, and gives what --aggregation sharded gives. The auto runs go in
 * a JVM of their own with a 1 GiB heap, where 3,000,000 features x 192 bytes exceed half the heap.
 */
class AutoAggregationTest {
    private static final int FEATURES = 3_000_000;

    @TempDir
    Path dir;

    private String runWith1g(String name, List<String> args) throws Exception {
        Path log = dir.resolve(name + ".log");
        Process p = DownhillRuns.jvm(log, Map.of(), List.of(), args);
        try {
            assertTrue(p.waitFor(600, TimeUnit.SECONDS), "did not finish in 600 s:\n" + Files.readString(log));
        } finally {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private List<String> train(Path input, String output, String... extra) {
        List<String> args = ShardedTrainCommandTest.train(input, dir.resolve(output), "--num-features",
                String.valueOf(FEATURES), "--l2", "1e-3", "--lbfgs-memory", "3", "--tol", "0", "--rel-tol", "0",
                "--f-tol", "0");
        args.addAll(List.of(extra));
        return args;
    }

    private static List<String> shardFiles(Path output) throws Exception {
        try (Stream<Path> files = Files.list(output.resolve("model-shards"))) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void autoChoosesShardedOnASmallDriverWithValidationAndWarmStart() throws Exception {
        assertFalse(((long) FEATURES + 1) * TrainingDataLoader.DRIVER_BYTES_PER_PARAMETER <= (1L << 30) / 2,
                "the model must not fit half of a 1 GiB heap, or auto would keep the tree path");
        Path input = ShardedTrainCommandTest.libsvm(dir.resolve("text.libsvm"), 600, FEATURES, 31);
        String[] validated = {"--validation-fraction", "0.25", "--max-iter", "8"};

        String auto = runWith1g("auto", train(input, "auto", validated));
        assertTrue(auto.contains("aggregation: sharded"), auto);
        List<Double> losses = ShardedTrainCommandTest.validationLosses(dir.resolve("auto"));
        assertEquals(8, losses.size(), losses.toString());

        // the same run with the path named: the same iterates, validation and model files
        DownhillRuns.Run named = DownhillRuns.inProcess(train(input, "named", concat(validated,
                "--aggregation", "sharded")));
        assertEquals(0, named.code(), named.all());
        assertEquals(ShardedTrainCommandTest.objectives(dir.resolve("named")),
                ShardedTrainCommandTest.objectives(dir.resolve("auto")));
        assertEquals(ShardedTrainCommandTest.validationLosses(dir.resolve("named")), losses);
        List<String> shards = shardFiles(dir.resolve("auto"));
        assertEquals(shardFiles(dir.resolve("named")), shards);
        for (String shard : shards) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("named/model-shards").resolve(shard)),
                    Files.readAllBytes(dir.resolve("auto/model-shards").resolve(shard)), shard);
        }

        // a warm start from the sharded model on the same small driver: auto again, from the model's objective
        String warm = runWith1g("warm", train(input, "warm", "--validation-fraction", "0.25", "--max-iter", "0",
                "--initial-model", dir.resolve("auto").toString()));
        assertTrue(warm.contains("aggregation: sharded"), warm);
        assertTrue(warm.contains("initial model: " + dir.resolve("auto")), warm);
        ObjectMapper json = new ObjectMapper();
        double first = json.readTree(dir.resolve("auto/model.json").toFile()).get("objectiveValue").asDouble();
        double again = json.readTree(dir.resolve("warm/model.json").toFile()).get("objectiveValue").asDouble();
        assertEquals(first, again, 1e-12 * Math.abs(first), "objective at the warm start");
    }

    private static String[] concat(String[] a, String... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
