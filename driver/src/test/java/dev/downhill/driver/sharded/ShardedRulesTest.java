package dev.downhill.driver.sharded;

import static dev.downhill.driver.sharded.ShardedTrainCommandTest.bestIteration;
import static dev.downhill.driver.sharded.ShardedTrainCommandTest.libsvm;
import static dev.downhill.driver.sharded.ShardedTrainCommandTest.objectives;
import static dev.downhill.driver.sharded.ShardedTrainCommandTest.run;
import static dev.downhill.driver.sharded.ShardedTrainCommandTest.validationLosses;
import static dev.downhill.driver.sharded.ShardedTrainCommandTest.weights;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.checkpoint.DownhillRuns.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * train --aggregation sharded with the rules that have a step schedule (gd, momentum, nesterov, adagrad, rmsprop,
 * adam, adamw): the update runs on the executors' slices with worker-core's per-coordinate code, so against
 * --aggregation tree on the same data the objective agrees at every iteration (1e-10 relative; only the L2
 * value's per-slice sum may round differently), the steps are the same, and the parameters are the same doubles
 * (to 1e-12 when standardized, whose intercept shift is summed per slice); the best-validation iterate is the tree
 * path's; the moments are checkpointed, so a run stopped and resumed writes the same model bytes as an
 * uninterrupted one, also on mini-batches (iteration k's batch, the tree path's blocks); with --l1 the slices'
 * proximal steps zero the same weights and the objectives f + h and stationarities agree, and lbfgs with --l1 runs
 * OWL-QN vector-free (the same iterates to rounding); --l1 with gd, and gd-linesearch, are refused with exit 2
 * naming the setting.
 */
class ShardedRulesTest {
    @TempDir
    static Path dir;
    static Path input;

    @BeforeAll
    static void data() throws IOException {
        input = libsvm(dir.resolve("text.libsvm"), 500, 300, 21);
    }

    static List<String> train(Path output, String aggregation, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--input", input.toString(), "--objective", "logistic",
                "--output", output.toString(), "--master", "local[2]", "--partitions", "3", "--progress-bar", "off",
                "--aggregation", aggregation, "--l2", "1e-3", "--tol", "0", "--rel-tol", "0", "--f-tol", "0"));
        if ("sharded".equals(aggregation)) {
            args.addAll(List.of("--shards", "4"));
        } else {
            args.addAll(List.of("--preconditioner", "diagonal")); // what a sharded run's standardization is
        }
        args.addAll(List.of(extra));
        return args;
    }

    /** The largest relative difference of the objectives, iteration by iteration (same count asserted). */
    static double compareObjectives(Path tree, Path sharded, String what) throws IOException {
        List<Double> a = objectives(tree);
        List<Double> b = objectives(sharded);
        assertEquals(a.size(), b.size(), what);
        double worst = 0;
        for (int k = 0; k < a.size(); k++) {
            double rel = Math.abs(a.get(k) - b.get(k)) / Math.abs(a.get(k));
            worst = Math.max(worst, rel);
            assertTrue(rel <= 1e-10, what + " iteration " + (k + 1) + ": " + b.get(k) + " vs " + a.get(k));
        }
        return worst;
    }

    /** The step size of each iteration in metrics.jsonl. */
    static List<Double> steps(Path output) throws IOException {
        return perIteration(output, "step");
    }

    /** The stationarity (|grad| in metrics.jsonl) of each iteration. */
    static List<Double> stationarities(Path output) throws IOException {
        return perIteration(output, "gradientNorm");
    }

    /** A number metrics.jsonl records for each iteration. */
    static List<Double> perIteration(Path output, String field) throws IOException {
        List<Double> out = new ArrayList<>();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : Files.readAllLines(output.resolve("metrics.jsonl"))) {
            com.fasterxml.jackson.databind.JsonNode n = json.readTree(line);
            if (n.has(field) && n.has("iteration")) {
                out.add(n.get(field).asDouble());
            }
        }
        return out;
    }

    @Test
    void shardedRulesFollowTheTreePathToTheBit() throws IOException {
        String[][] cases = {
            {"gd", "false"}, {"gd", "true"}, {"adam", "false"}, {"adam", "true"}, {"adamw", "true"},
            {"momentum", "false"}, {"nesterov", "true"}, {"adagrad", "false"}, {"rmsprop", "true"},
        };
        for (String[] c : cases) {
            String what = "--optimizer " + c[0] + " --standardize " + c[1];
            String[] common = {"--optimizer", c[0], "--standardize", c[1], "--max-iter", "20"};
            List<String> extra = new ArrayList<>(List.of(common));
            if (c[0].startsWith("adam") || c[0].equals("rmsprop")) { // the others' auto step: 1/L, or 0.01
                extra.addAll(List.of("--step", "0.05"));
            }
            Path tree = dir.resolve("tree-" + c[0] + c[1]);
            Path sharded = dir.resolve("sharded-" + c[0] + c[1]);
            Run t = run(train(tree, "tree", extra.toArray(new String[0])));
            assertEquals(0, t.code(), t.err());
            Run s = run(train(sharded, "sharded", extra.toArray(new String[0])));
            assertEquals(0, s.code(), s.err() + s.out());
            assertTrue(s.out().contains("aggregation: sharded"), s.out());
            assertTrue(s.out().contains("stopped after 20 iterations"), s.out());
            double worst = compareObjectives(tree, sharded, what);
            // gd's auto step 1/L: standardized, L from the moments summed on the executors, the tree path's figure
            assertEquals(steps(tree), steps(sharded), what + " steps");
            assertEquals(20, steps(sharded).size());
            List<Double> objectives = objectives(sharded);
            assertTrue(objectives.get(objectives.size() - 1) < objectives.get(0), what + " did not descend");
            double[] wa = weights(tree);
            double[] wb = weights(sharded);
            assertEquals(301, wa.length);
            double diff = 0;
            for (int i = 0; i < wa.length; i++) {
                diff = Math.max(diff, Math.abs(wa[i] - wb[i]));
            }
            System.out.printf("%s: objective max relative difference %.3g, final %.17g vs %.17g, parameters max"
                    + " difference %.3g%n", what, worst, objectives.get(objectives.size() - 1),
                    objectives(tree).get(objectives.size() - 1), diff);
            if ("false".equals(c[1])) {
                assertArrayEquals(wa, wb, what + ": parameters differ by up to " + diff);
            } else { // the intercept shift sum_j m_j w_j is added per slice, then in slice order: other rounding
                assertTrue(diff <= 1e-12, what + ": parameters differ by up to " + diff);
            }
        }
    }

    @Test
    void shardedAdamValidatesAndKeepsTheTreePathsBestIterate() throws IOException {
        // --standardize false: the same arithmetic as the tree path, so the best iterate's bits
        String[] common = {"--optimizer", "adam", "--step", "0.01", "--l2", "1e-6", "--max-iter", "80",
            "--validation-fraction", "0.3", "--patience", "4", "--standardize", "false"};
        Path tree = dir.resolve("vtree");
        Path sharded = dir.resolve("vsharded");
        Run t = run(train(tree, "tree", common));
        assertEquals(0, t.code(), t.err());
        Run s = run(train(sharded, "sharded", common));
        assertEquals(0, s.code(), s.err() + s.out());
        List<Double> a = validationLosses(tree);
        List<Double> b = validationLosses(sharded);
        assertEquals(a.size(), b.size(), t.out() + "\n" + s.out());
        for (int k = 0; k < a.size(); k++) {
            assertEquals(a.get(k), b.get(k), 1e-10 * Math.abs(a.get(k)), "iteration " + (k + 1));
        }
        int best = bestIteration(t.out());
        assertTrue(best > 0 && best < a.size(), "the tree run did not stop early after its best: " + t.out());
        assertEquals(best, bestIteration(s.out()), s.out());
        assertArrayEquals(weights(tree), weights(sharded), "the best iterate's parameters");
    }

    /** model.json and the shard files, by name. */
    static Map<String, byte[]> model(Path output) throws IOException {
        return ShardedResumeTest.model(output);
    }

    @Test
    void aStoppedAdamRunResumedWritesTheUninterruptedModelBytes() throws IOException {
        // without and with validation (then the best iterate's x is checkpointed too, and is the model)
        String[][] variants = {{}, {"--validation-fraction", "0.3", "--patience", "100"}};
        for (int variant = 0; variant < variants.length; variant++) {
            List<String> common = new ArrayList<>(List.of("--optimizer", "adam", "--step", "0.03",
                    "--checkpoint-every", "4"));
            common.addAll(List.of(variants[variant]));
            List<String> whole = train(dir.resolve("whole" + variant), "sharded", common.toArray(new String[0]));
            whole.addAll(List.of("--max-iter", "12"));
            Run w = run(whole);
            assertEquals(0, w.code(), w.err() + w.out());

            Path out = dir.resolve("stopped" + variant);
            List<String> first = train(out, "sharded", common.toArray(new String[0]));
            first.addAll(List.of("--max-iter", "7"));
            Run f = run(first);
            assertEquals(0, f.code(), f.err() + f.out());
            // x, the gradient and Adam's two moments (and the best iterate), 4 slices each
            try (Stream<Path> files = Files.list(out.resolve("checkpoints/checkpoint-0000000007.slices"))) {
                List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
                assertEquals(variant == 0 ? 16 : 20, names.size(), names.toString());
                assertTrue(names.contains("adam.m-part-00003-of-00004.slice") && names.contains(
                        "adam.v-part-00000-of-00004.slice"), names.toString());
            }
            List<String> resumed = train(out, "sharded", common.toArray(new String[0]));
            resumed.addAll(List.of("--max-iter", "12", "--resume"));
            resumed.set(resumed.indexOf("local[2]"), "local[1]"); // on one core what two wrote
            Run r = run(resumed);
            assertEquals(0, r.code(), r.err() + r.out());
            assertTrue(r.out().contains("checkpoint-0000000007.ckpt (iteration 7, objective "), r.out());
            ShardedResumeTest.assertSameModel(model(dir.resolve("whole" + variant)), out);
            assertEquals(objectives(dir.resolve("whole" + variant)), objectives(out));
            if (variant == 1) {
                assertEquals(validationLosses(dir.resolve("whole" + variant)), validationLosses(out));
                System.out.println("validated adam resumed: the model is iteration " + bestIteration(r.out())
                        + " of 12");
                // the best iterate came through the checkpoint of iteration 7 and stayed the best after it
                assertTrue(bestIteration(r.out()) > 0 && bestIteration(r.out()) < 7, r.out());
            }
        }
    }

    @Test
    void onMiniBatchesShardedRulesFollowTheTreePathAndResumeToTheBit() throws IOException {
        // 4 batches an epoch: each iteration's evaluation folds that iteration's blocks on both paths
        String[][] cases = {{"adam", "false"}, {"momentum", "true"}};
        for (String[] c : cases) {
            String what = "--optimizer " + c[0] + " --standardize " + c[1] + " --batch-fraction 0.25";
            List<String> common = List.of("--optimizer", c[0], "--standardize", c[1], "--batch-fraction", "0.25",
                    "--step", "0.02", "--seed", "9", "--max-iter", "12", "--checkpoint-every", "4");
            Path tree = dir.resolve("btree-" + c[0]);
            Path sharded = dir.resolve("bsharded-" + c[0]);
            Run t = run(train(tree, "tree", common.toArray(new String[0])));
            assertEquals(0, t.code(), t.err());
            Run s = run(train(sharded, "sharded", common.toArray(new String[0])));
            assertEquals(0, s.code(), s.err() + s.out());
            assertTrue(s.out().contains("aggregation: sharded") && s.out().contains("mini-batches of 0.25"),
                    s.out());
            double worst = compareObjectives(tree, sharded, what);
            assertEquals(12, objectives(sharded).size());
            // model.json: f and ||grad f|| at the saved parameters over all rows (a batch's value is not f)
            double[] full = {savedObjective(tree, "objectiveValue"), savedObjective(sharded, "objectiveValue"),
                savedObjective(tree, "gradientNorm"), savedObjective(sharded, "gradientNorm")};
            assertTrue(s.out().contains("saved parameters: objective"), s.out());
            assertEquals(full[0], full[1], 1e-12 * full[0], what + " full objective");
            assertEquals(full[2], full[3], 1e-10 * full[2], what + " full gradient norm");
            assertTrue(full[1] != objectives(sharded).get(11), "the last batch's value was saved as f");
            double[] wa = weights(tree);
            double[] wb = weights(sharded);
            double diff = 0;
            for (int i = 0; i < wa.length; i++) {
                diff = Math.max(diff, Math.abs(wa[i] - wb[i]));
            }
            System.out.printf("%s: objective max relative difference %.3g, parameters max difference %.3g%n", what,
                    worst, diff);
            if ("false".equals(c[1])) {
                assertArrayEquals(wa, wb, what + ": parameters differ by up to " + diff);
            } else {
                assertTrue(diff <= 1e-12, what + ": parameters differ by up to " + diff);
            }
            // stopped after 6 (the checkpoint of 4, mid-epoch), resumed on one core: the uninterrupted bytes
            Path out = dir.resolve("bstopped-" + c[0]);
            List<String> first = train(out, "sharded", common.toArray(new String[0]));
            first.set(first.indexOf("12"), "6");
            Run f = run(first);
            assertEquals(0, f.code(), f.err() + f.out());
            List<String> resumed = train(out, "sharded", common.toArray(new String[0]));
            resumed.add("--resume");
            resumed.set(resumed.indexOf("local[2]"), "local[1]");
            Run r = run(resumed);
            assertEquals(0, r.code(), r.err() + r.out());
            assertTrue(r.out().contains("checkpoint-0000000006.ckpt (iteration 6, objective "), r.out());
            ShardedResumeTest.assertSameModel(model(sharded), out);
            assertEquals(objectives(sharded), objectives(out));
        }
    }

    /** A number model.json records about the run. */
    static double savedObjective(Path output, String field) throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(output.resolve("model.json").toFile())
                .get(field).asDouble();
    }

    /**
     * Trains tree then sharded with {@code common}; asserts the objectives f + h (1e-10 relative) and stationarities
     * ({@code stationarityTolerance} relative) iteration by iteration and the same exact zeros; returns the largest
     * parameter difference.
     */
    private static double assertSameL1Runs(Path tree, Path sharded, String what, double stationarityTolerance,
                                           String... common) throws IOException {
        Run t = run(train(tree, "tree", common));
        assertEquals(0, t.code(), t.err());
        Run s = run(train(sharded, "sharded", common));
        assertEquals(0, s.code(), s.err() + s.out());
        assertTrue(s.out().contains("aggregation: sharded"), s.out());
        double worst = compareObjectives(tree, sharded, what);
        List<Double> ta = stationarities(tree);
        List<Double> sa = stationarities(sharded);
        assertEquals(ta.size(), sa.size());
        for (int k = 0; k < ta.size(); k++) { // the minimum-norm subgradient of f + h
            assertEquals(ta.get(k), sa.get(k), stationarityTolerance * ta.get(k), what + " iteration " + (k + 1));
        }
        double[] wa = weights(tree);
        double[] wb = weights(sharded);
        long zeros = java.util.Arrays.stream(wb).filter(w -> w == 0.0).count();
        double diff = 0;
        for (int i = 0; i < wa.length; i++) {
            diff = Math.max(diff, Math.abs(wa[i] - wb[i]));
            assertEquals(wa[i] == 0.0, wb[i] == 0.0, what + ": weight " + i + " zero on one path only");
        }
        System.out.printf("%s: %d iterations, objective max relative difference %.3g, parameters max difference"
                + " %.3g, %d of %d weights exactly 0%n", what, ta.size(), worst, diff, zeros, wb.length);
        assertTrue(zeros > 0, what + ": no weight was thresholded to 0");
        return diff;
    }

    /**
     * A sharded run with {@code common} stopped after {@code stopAt} iterations and resumed on one core up to
     * {@code maxIter} writes the bytes, objectives and stationarities of {@code uninterrupted}.
     */
    private static void assertResumesToTheSameRun(Path uninterrupted, Path out, int stopAt, int maxIter,
                                                  String... common) throws IOException {
        List<String> first = train(out, "sharded", common);
        first.addAll(List.of("--max-iter", Integer.toString(stopAt)));
        Run f = run(first);
        assertEquals(0, f.code(), f.err() + f.out());
        List<String> resumed = train(out, "sharded", common);
        resumed.addAll(List.of("--max-iter", Integer.toString(maxIter), "--resume"));
        resumed.set(resumed.indexOf("local[2]"), "local[1]");
        Run r = run(resumed);
        assertEquals(0, r.code(), r.err() + r.out());
        ShardedResumeTest.assertSameModel(model(uninterrupted), out);
        assertEquals(objectives(uninterrupted), objectives(out));
        assertEquals(stationarities(uninterrupted), stationarities(out));
    }

    @Test
    void withL1TheSlicesSoftThresholdAsTheTreePath() throws IOException {
        // each slice builds its own weights (lambda, or lambda s_j standardized); h and the subgradient per slice
        String[][] cases = {{"adagrad", "false"}, {"adam", "true"}, {"momentum", "false"}};
        for (String[] c : cases) {
            String what = "--optimizer " + c[0] + " --standardize " + c[1] + " --l1 0.003";
            double diff = assertSameL1Runs(dir.resolve("l1tree-" + c[0]), dir.resolve("l1sharded-" + c[0]), what,
                    1e-10, "--optimizer", c[0], "--standardize", c[1], "--l1", "0.003", "--max-iter", "25",
                    "--step", "0.05");
            if ("false".equals(c[1])) {
                assertArrayEquals(weights(dir.resolve("l1tree-" + c[0])), weights(dir.resolve("l1sharded-" + c[0])),
                        what + ": parameters differ by up to " + diff);
            } else {
                assertTrue(diff <= 1e-12, what + ": parameters differ by up to " + diff);
            }
        }
        // h(x) is in the checkpoint's small state: stopped at 10 and resumed on one core, the uninterrupted run
        assertResumesToTheSameRun(dir.resolve("l1sharded-adagrad"), dir.resolve("l1stopped"), 10, 25,
                "--optimizer", "adagrad", "--standardize", "false", "--l1", "0.003", "--step", "0.05");
    }

    @Test
    void lbfgsWithL1RunsOwlqnOnTheSlicesAsTheTreePath() throws IOException {
        // vector-free OWL-QN: projections, orthant points, h and v . (x(t) - x) per slice, the two-loop on Gram
        // entries with the pseudo-gradient in g's place; the same iterates as the tree path's OWL-QN to rounding
        for (String standardize : new String[] {"false", "true"}) {
            String what = "--optimizer lbfgs --standardize " + standardize + " --l1 0.003";
            double diff = assertSameL1Runs(dir.resolve("owlqn-tree-" + standardize),
                    dir.resolve("owlqn-sharded-" + standardize), what, 1e-8, "--standardize", standardize, "--l1",
                    "0.003", "--max-iter", "30");
            assertTrue(objectives(dir.resolve("owlqn-tree-" + standardize)).size() >= 20, what);
            assertTrue(diff <= 1e-8, what + ": parameters differ by up to " + diff);
        }
        // h(x) and v's Gram row are in the checkpoint's small state, v is recomputed: stopped and resumed on one
        // core, the uninterrupted run's bytes
        assertResumesToTheSameRun(dir.resolve("owlqn-sharded-true"), dir.resolve("owlqn-stopped"), 12, 30,
                "--standardize", "true", "--l1", "0.003");
    }

    @Test
    void l1WithoutAProximalRuleAndLineSearchesAreRefusedNamingTheSetting() throws IOException {
        String[][] cases = {
            {"--l1", "0.01", "--optimizer", "gd"},
            {"--optimizer", "gd-linesearch"},
        };
        for (String[] extra : cases) {
            Run r = run(train(dir.resolve("refused"), "sharded", extra));
            assertEquals(2, r.code(), String.join(" ", extra) + ": " + r.err());
            assertTrue(r.err().contains("--aggregation sharded") && r.err().contains(extra[0]), r.err());
        }
    }
}
