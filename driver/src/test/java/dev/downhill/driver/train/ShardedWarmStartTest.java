package dev.downhill.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.ExitCode;
import dev.downhill.driver.checkpoint.DownhillRuns;
import dev.downhill.driver.checkpoint.DownhillRuns.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --initial-model in a sharded run (issue #14): the model is read onto the executors (a sharded one shard by
 * shard, in its own slices, cut again into the run's), mapped to the standardized coordinates u = A^{-1} theta,
 * and the run continues from the first run's final objective; a model that does not fit is refused.
 */
class ShardedWarmStartTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @AfterEach
    void defaultLimit() {
        ShardedModelFile.assembleLimitBytes = -1;
    }

    static Run run(List<String> args) {
        return DownhillRuns.inProcess(args);
    }

    /** Sparse binary rows in libsvm form, features of very different scales (so standardization matters). */
    static Path libsvm(Path file, int rows, int d, long seed) throws IOException {
        Random r = new Random(seed);
        double[] truth = r.doubles(d, -1, 1).toArray();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            TreeSet<Integer> idx = new TreeSet<>();
            int nnz = 3 + r.nextInt(8);
            while (idx.size() < nnz) {
                idx.add(r.nextInt(d));
            }
            StringBuilder row = new StringBuilder();
            double margin = 0;
            for (int j : idx) {
                double v = (r.nextDouble() + 0.5) * (1 + j % 7);
                margin += truth[j] * v / (1 + j % 7);
                row.append(' ').append(j + 1).append(':').append(v);
            }
            sb.append(margin + r.nextGaussian() > 0 ? 1 : 0).append(row).append('\n');
        }
        Files.writeString(file, sb.toString());
        return file;
    }

    List<String> train(Path input, String output, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--input", input.toString(), "--objective", "logistic",
                "--output", dir.resolve(output).toString(), "--master", "local[2]", "--partitions", "3",
                "--progress-bar", "off", "--l2", "1e-3", "--tol", "0", "--rel-tol", "0", "--f-tol", "0"));
        args.addAll(List.of(extra));
        return args;
    }

    double objective(String output) throws IOException {
        return JSON.readTree(dir.resolve(output).resolve("model.json").toFile()).get("objectiveValue").asDouble();
    }

    static void assertRelative(double expected, double actual, double tolerance, String what) {
        assertTrue(Math.abs(expected - actual) <= tolerance * Math.abs(expected),
                what + ": " + actual + " vs " + expected);
    }

    @Test
    void aWarmStartedShardedRunContinuesFromTheFirstRunsObjective() throws IOException {
        Path input = libsvm(dir.resolve("text.libsvm"), 400, 120, 21);
        Run first = run(train(input, "first", "--aggregation", "sharded", "--shards", "4", "--max-iter", "8"));
        assertEquals(0, first.code(), first.err() + first.out());
        double f8 = objective("first");
        ShardedModelFile.assembleLimitBytes = 0; // the shards are read on the executors, not assembled
        // other slices than the model's (3, not 4): the shards are cut again on the executors
        for (String standardize : new String[] {"true", "false"}) {
            Run zero = run(train(input, "zero" + standardize, "--aggregation", "sharded", "--shards", "3",
                    "--max-iter", "0", "--standardize", standardize, "--initial-model",
                    dir.resolve("first").toString()));
            assertEquals(0, zero.code(), zero.err() + zero.out());
            assertTrue(zero.out().contains("initial model: " + dir.resolve("first")), zero.out());
            assertRelative(f8, objective("zero" + standardize), 1e-12, "objective at iteration 0");
        }
        // continuing: 8 + 6 iterations end lower than 8 did, and the first step starts from f8
        Run more = run(train(input, "more", "--aggregation", "sharded", "--shards", "4", "--max-iter", "6",
                "--initial-model", dir.resolve("first").toString()));
        assertEquals(0, more.code(), more.err() + more.out());
        double f14 = objective("more");
        assertTrue(f14 < f8, f14 + " after the warm start, " + f8 + " before");
        List<Double> objectives = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("more/metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("objective") && n.has("iteration")) {
                objectives.add(n.get("objective").asDouble());
            }
        }
        assertTrue(objectives.get(0) <= f8, objectives + " from " + f8);
        System.out.printf("sharded warm start: f after 8 iterations %.15g, at the warm start %.15g, after 6 more"
                + " %.15g%n", f8, objective("zerotrue"), f14);

        // a tree model (small, on the driver) warm-starts a sharded run too
        ShardedModelFile.assembleLimitBytes = -1;
        Run tree = run(train(input, "tree", "--aggregation", "tree", "--max-iter", "8"));
        assertEquals(0, tree.code(), tree.err() + tree.out());
        Run fromTree = run(train(input, "fromtree", "--aggregation", "sharded", "--shards", "5", "--max-iter", "0",
                "--initial-model", dir.resolve("tree").toString()));
        assertEquals(0, fromTree.code(), fromTree.err() + fromTree.out());
        assertRelative(objective("tree"), objective("fromtree"), 1e-12, "sharded objective at the tree model");

        // a model of another objective is refused by name
        List<String> squares = train(input, "refused", "--aggregation", "sharded", "--max-iter", "2",
                "--initial-model", dir.resolve("first").toString());
        squares.set(squares.indexOf("--objective") + 1, "least-squares");
        Run refused = run(squares);
        assertEquals(ExitCode.BAD_INPUT, refused.code(), refused.err() + refused.out());
        assertTrue(refused.err().contains("--objective logistic"), refused.err());
    }
}
