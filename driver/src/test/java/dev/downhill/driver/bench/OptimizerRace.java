package dev.downhill.driver.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.RegularizedObjective;
import dev.downhill.driver.io.CsvParser;
import dev.downhill.driver.io.TrainingData;
import dev.downhill.driver.io.TrainingDataLoader;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.spark.SparkDataLoss;
import dev.downhill.driver.train.DivergedException;
import dev.downhill.driver.train.MetricsLog;
import dev.downhill.driver.train.TrainCommand;
import dev.downhill.driver.train.TrainingResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The bench's {@code optimizers} section: how many distributed passes and seconds each Downhill optimizer and
 * Spark ml need to reach the optimum f* of the same problem to 1e-6 and 1e-10 relative, (f_k - f*) / |f*|.
 *
 * <p>Per problem ({@link RaceProblem}): the rows are written as CSV and loaded by Downhill's own loader
 * ({@link TrainingDataLoader}); each Downhill run is {@code train} itself, {@link TrainCommand#train} with
 * default settings except {@code --optimizer} and {@code --max-iter}, and its iterates come from the run's
 * metrics.jsonl (objective, evaluations). Passes = evaluations (the moments and, when whitening, the covariance come
 * with the pass that fills the cache, as in train); seconds = from the call to the end of the Spark job of that pass.
 * Spark ml runs on a DataFrame made from the same cached blocks ({@link SparkMlRace}). Loading is not counted for
 * either.
 *
 * <p>f* is the lower of two independent tight solves: Newton's method with the exact Hessian
 * ({@link NewtonReference}, its own objective code) and Downhill's lbfgs with rel-tol 1e-14, f-tol 1e-15 and up to
 * {@link #TIGHT_MAX_ITER} iterations; both
 * are evaluated with Downhill's objective, and their relative difference is printed. ml's final coefficients are
 * re-evaluated the same way, which checks that the objectives match.
 */
final class OptimizerRace {
    static final double[] TOLERANCES = {1e-6, 1e-9, 1e-10};
    /** The tight lbfgs reference's iteration limit: a cross-check of Newton, which is exact for least squares. */
    static final int TIGHT_MAX_ITER = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SparkSession spark;
    private final JavaSparkContext jsc;
    private final JobLog log;
    private final RaceOptions o;
    private final long seed;
    private final int partitions;
    private final int blockRows;
    private final PrintStream out;
    private final long started = System.nanoTime();
    private boolean mlWarm;

    private OptimizerRace(SparkSession spark, JavaSparkContext jsc, JobLog log, RaceOptions o, long seed,
                          int partitions, int blockRows, PrintStream out) {
        this.spark = spark;
        this.jsc = jsc;
        this.log = log;
        this.o = o;
        this.seed = seed;
        this.partitions = partitions;
        this.blockRows = blockRows;
        this.out = out;
    }

    /** Runs every problem of {@code o}; returns the section's JSON. */
    static Map<String, Object> run(SparkSession spark, JavaSparkContext jsc, JobLog log, RaceOptions o, long seed,
                                   int partitions, int blockRows, PrintStream out) throws IOException {
        return new OptimizerRace(spark, jsc, log, o, seed, partitions, blockRows, out).run();
    }

    private Map<String, Object> run() throws IOException {
        Path root = o.dir != null ? Files.createDirectories(Path.of(o.dir)) : Files.createTempDirectory("downhill-race");
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("rows", o.rows);
        section.put("features", o.features);
        section.put("maxIter", o.maxIter);
        section.put("optimizers", o.optimizers);
        section.put("problemNames", o.problems);
        section.put("partitions", partitions);
        section.put("tolerances", TOLERANCES);
        section.put("loadAverageAtStart", Bench.loadAverage());
        Map<String, Object> problems = new LinkedHashMap<>();
        try {
            for (String name : o.problems) {
                problems.put(name, problem(RaceProblem.named(name, o.features, seed), root.resolve(name)));
            }
        } finally {
            if (o.dir == null) {
                delete(root);
            }
        }
        section.put("problems", problems);
        section.put("loadAverageAtEnd", Bench.loadAverage());
        return section;
    }

    private Map<String, Object> problem(RaceProblem p, Path dir) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        progress(p.name, "writing " + o.rows + " rows of CSV");
        long t0 = System.nanoTime();
        jsc.setJobGroup("race-load", "race: write " + p.name, false);
        String input = dir.resolve("data").toUri().toString();
        p.write(jsc, o.rows, partitions, input);
        double writeSeconds = (System.nanoTime() - t0) / 1e9;
        progress(p.name, "loading with Downhill's loader");
        t0 = System.nanoTime();
        TrainingDataLoader.Options lo = new TrainingDataLoader.Options();
        lo.input = input;
        lo.format = p.format();
        if (p.images != null) {
            lo.numFeatures = p.numFeatures; // a pixel never inked in these rows is still a feature
        }
        lo.csvHeader = CsvParser.Header.FALSE;
        lo.objective = p.objective;
        lo.partitions = partitions;
        lo.blockRows = blockRows;
        lo.featureMoments = true; // as train loads: the standardization moments come with the cache-filling pass
        // ... and the covariance, where train's default whitens (without it every run fell back to the diagonal).
        TrainingDataLoader.Options asTrain = TrainCommand.loaderOptions(Settings.parse(Settings.TRAIN, List.of(
                "--input", input, "--format", p.format(), "--objective", p.objective.cliName(), "--output",
                dir.resolve("unused").toString())));
        lo.covarianceMaxFeatures = asTrain.covarianceMaxFeatures;
        lo.covarianceMaxRowValues = asTrain.covarianceMaxRowValues;
        TrainingData data = TrainingDataLoader.load(jsc, lo);
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        Dataset<Row> df = SparkMlRace.frame(spark, data);
        double frameSeconds = (System.nanoTime() - t0) / 1e9;
        try {
            int d = data.numFeatures;
            int numClasses = data.labels.numClasses();
            LinearModel model = new LinearModel(d, p.objective.numOutputs(numClasses));
            SparkDataLoss dataLoss = new SparkDataLoss(jsc, data.blocks, model, p.objective.loss(numClasses));
            RegularizedObjective objective = new RegularizedObjective(dataLoss, new L2Penalty(p.l2, model));
            ToDoubleFunction<double[]> f = theta -> {
                jsc.setJobGroup("race-recompute", "race: Downhill's objective at given parameters", false);
                return objective.value(theta);
            };

            boolean softmax = p.objective == dev.downhill.core.loss.Objective.SOFTMAX;
            NewtonReference.Solution newton = null;
            double fNewton;
            if (softmax) {
                // Newton's (dK)^2 Hessian is 7,850^2 doubles here: the second reference is lbfgs without
                // re-whitening, a different path to the same optimum.
                progress(p.name, "reference: tight lbfgs --rewhiten-at 0");
                RaceTrace plain = downhill(data, input, p, "lbfgs", TIGHT_MAX_ITER,
                        dir.resolve("runs/reference-lbfgs-plain"), List.of("--rel-tol", "1e-14", "--f-tol", "1e-15",
                                "--rewhiten-at", "0"));
                fNewton = plain.finalObjective();
                json.put("secondReference", Map.of("system", "tight lbfgs --rewhiten-at 0", "iterations",
                        plain.finalIteration(), "stop", plain.stop, "objective", fNewton,
                        "finalGradientNorm", plain.extra.getOrDefault("finalGradientNorm", Double.NaN)));
            } else {
                progress(p.name, "reference: Newton");
                jsc.setJobGroup("race-reference", "race: Newton reference", false);
                newton = NewtonReference.solve(data.blocks, d, p.objective, p.l2);
                fNewton = f.applyAsDouble(newton.theta());
            }
            progress(p.name, "reference: tight lbfgs");
            RaceTrace tight = downhill(data, input, p, "lbfgs", TIGHT_MAX_ITER, dir.resolve("runs/reference-lbfgs"),
                    List.of("--rel-tol", "1e-14", "--f-tol", "1e-15"));
            double fTight = tight.finalObjective();
            double fStar = Math.min(fNewton, fTight);
            double agreement = Math.abs(fNewton - fTight) / Math.abs(fStar);

            Map<String, RaceTrace> traces = new LinkedHashMap<>();
            for (String rule : o.optimizers) {
                progress(p.name, "downhill " + rule);
                traces.put("downhill " + rule, downhill(data, input, p, rule, o.maxIter,
                        dir.resolve("runs/" + rule), List.of()));
                if (rule.equals("lbfgs") && p.objective != dev.downhill.core.loss.Objective.LEAST_SQUARES) {
                    // The default before re-whitening, side by side.
                    progress(p.name, "downhill lbfgs --rewhiten-at 0");
                    RaceTrace t = downhill(data, input, p, rule, o.maxIter, dir.resolve("runs/lbfgs-rewhiten-0"),
                            List.of("--rewhiten-at", "0"));
                    traces.put(t.system, t);
                }
            }
            if (o.warmUp && !mlWarm) {
                progress(p.name, "ml warm-up");
                SparkMlRace.warmUp(jsc, df);
                mlWarm = true;
            }
            double labelStd = Double.NaN;
            if (p.objective == dev.downhill.core.loss.Objective.LOGISTIC) {
                progress(p.name, "ml LogisticRegression");
                RaceTrace t = SparkMlRace.logistic(jsc, log, df, p.l2, o.maxIter, fStar, TOLERANCES, o.verifyClock,
                        f);
                traces.put(t.system, t);
            } else if (softmax) {
                progress(p.name, "ml LogisticRegression multinomial");
                RaceTrace t = SparkMlRace.multinomial(jsc, log, df, p.l2, o.maxIter, fStar, TOLERANCES,
                        o.verifyClock, f);
                traces.put(t.system, t);
            } else {
                labelStd = SparkMlRace.labelStd(df);
                progress(p.name, "ml LinearRegression l-bfgs");
                RaceTrace t = SparkMlRace.linearLbfgs(jsc, log, df, p.l2, labelStd, o.maxIter, fStar, TOLERANCES,
                        o.verifyClock, f);
                traces.put(t.system, t);
                progress(p.name, "ml LinearRegression normal");
                t = SparkMlRace.linearNormal(jsc, log, df, p.l2, labelStd, f);
                traces.put(t.system, t);
            }

            out.printf(Locale.ROOT, "%n== optimizers: %s: %,d rows x %d features, %d partitions, seed %d ==%n", p.name,
                    data.rows(), d, partitions, p.seed);
            out.printf(Locale.ROOT, "%s%n", p.describe());
            out.printf(Locale.ROOT, "data: CSV written in %.1f s, loaded by Downhill's loader in %.1f s; ml's DataFrame"
                    + " from the same cached blocks in %.1f s (none of it counted below)%n", writeSeconds, loadSeconds,
                    frameSeconds);
            if (newton != null) {
                out.printf(Locale.ROOT, "f* = %.15g: Newton (exact Hessian, %d iterations, %d passes, %.1f s) %.15g;"
                                + " tight lbfgs (%d iterations, %s) %.15g; relative difference %.1e%n", fStar,
                        newton.iterations(), newton.passes(), newton.seconds(), fNewton, tight.finalIteration(),
                        tight.stop, fTight, agreement);
                out.printf(Locale.ROOT, "Hessian at the optimum, standardized coordinates: eigenvalues %.2e .. %.2e,"
                                + " condition number %.2e%n", newton.eigenvalues()[0],
                        newton.eigenvalues()[newton.eigenvalues().length - 1], newton.condition());
            } else {
                out.printf(Locale.ROOT, "f* = %.15g: tight lbfgs --rewhiten-at 0 %.15g; tight lbfgs (%d iterations,"
                                + " %s, final ||grad|| %s in its coordinates) %.15g; relative difference %.1e%n",
                        fStar, fNewton, tight.finalIteration(), tight.stop, tight.extra.get("finalGradientNorm"),
                        fTight, agreement);
            }
            printTable(traces, fStar);
            Map<String, Object> checks = checks(p, traces, fStar, labelStd);
            out.printf(Locale.ROOT, "load average now %s%n", Bench.loadAverage());

            json.put("description", p.describe());
            json.put("objective", p.objective.cliName());
            json.put("l2", p.l2);
            json.put("rows", data.rows());
            json.put("features", d);
            json.put("seed", p.seed);
            json.put("writeSeconds", writeSeconds);
            json.put("loadSeconds", loadSeconds);
            json.put("fStar", fStar);
            Map<String, Object> ref = new LinkedHashMap<>();
            if (newton != null) {
                ref.put("newtonObjective", fNewton);
                ref.put("newtonOwnObjective", newton.objective());
                ref.put("newtonIterations", newton.iterations());
                ref.put("newtonPasses", newton.passes());
                ref.put("newtonSeconds", newton.seconds());
            } else {
                ref.put("plainLbfgsObjective", fNewton);
            }
            ref.put("tightLbfgsObjective", fTight);
            ref.put("tightLbfgsIterations", tight.finalIteration());
            ref.put("tightLbfgsStop", tight.stop);
            ref.put("tightLbfgsFinalGradientNorm", tight.extra.get("finalGradientNorm"));
            ref.put("relativeDifference", agreement);
            json.put("reference", ref);
            if (newton != null) {
                json.put("hessianEigenvaluesStandardized", newton.eigenvalues());
                json.put("conditionNumberStandardized", newton.condition());
            }
            if (!Double.isNaN(labelStd)) {
                json.put("labelStd", labelStd);
            }
            Map<String, Object> systems = new LinkedHashMap<>();
            for (RaceTrace t : traces.values()) {
                systems.put(t.system, t.toJson(fStar, TOLERANCES));
            }
            json.put("systems", systems);
            json.put("checks", checks);
            json.put("loadAverageAtEnd", Bench.loadAverage());
            return json;
        } finally {
            df.unpersist(true);
            data.release();
        }
    }

    /**
     * One {@code train} run on the loaded data: default settings but the rule, the iteration limit and
     * {@code extra}; the trace comes from its metrics.jsonl and the Spark jobs it ran.
     */
    private RaceTrace downhill(TrainingData data, String input, RaceProblem p, String rule, int maxIter, Path output,
                               List<String> extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--input", input, "--objective", p.objective.cliName(),
                "--l2", Double.toString(p.l2), "--optimizer", rule, "--max-iter", String.valueOf(maxIter),
                "--output", output.toUri().toString()));
        args.addAll(extra);
        Settings settings = Settings.parse(Settings.TRAIN, args);
        String system = "downhill " + rule + (extra.contains("--rewhiten-at") && !extra.contains("--rel-tol")
                ? " --rewhiten-at " + extra.get(extra.indexOf("--rewhiten-at") + 1) : "");
        RaceTrace t = new RaceTrace(system, "train --optimizer " + rule + " --max-iter " + maxIter
                + (extra.isEmpty() ? "" : " " + String.join(" ", extra)) + (rule.equals("lbfgs") && extra.isEmpty()
                ? " (the default rule)" : "") + ", every other setting at its default");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        log.watch(TrainCommand.JOB_GROUP);
        long start = System.currentTimeMillis();
        try {
            TrainingResult r = new TrainCommand(settings, quiet).train(jsc, data);
            t.stop = r.stopReason.label();
        } catch (DivergedException e) {
            t.stop = "diverged";
            t.extra.put("detail", e.getMessage());
        }
        long end = System.currentTimeMillis();
        List<JobLog.Job> jobs;
        try {
            jsc.sc().listenerBus().waitUntilEmpty();
            jobs = log.jobs(0);
        } catch (TimeoutException | InterruptedException e) {
            throw new IllegalStateException("the Spark listener bus did not drain", e);
        }
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(output.resolve(MetricsLog.NAME))) {
            if (!line.isBlank()) {
                records.add(JSON.readTree(line));
            }
        }
        long lastEvaluations = records.isEmpty() ? 1 : records.get(records.size() - 1).get("evaluations").asLong();
        // One job per evaluation of f (the moments came with loading); a last step that found no decrease adds
        // evaluations (jobs) but no record.
        boolean jobsMatch = jobs.size() >= lastEvaluations;
        t.extra.put("jobs", jobs.size());
        t.extra.put("secondsFrom", jobsMatch ? "end of the Spark job of the pass"
                : "metrics.jsonl elapsedSeconds after the initial pass started (jobs did not match evaluations)");
        for (JsonNode r : records) {
            long passes = r.get("evaluations").asLong();
            double seconds = jobsMatch ? (jobs.get((int) passes - 1).endMillis() - start) / 1e3
                    : (jobs.isEmpty() ? 0.0 : (jobs.get(0).startMillis() - start) / 1e3)
                            + r.get("elapsedSeconds").asDouble();
            t.add(r.get("iteration").asLong(), passes, seconds, r.get("objective").asDouble());
        }
        if (!records.isEmpty()) {
            t.extra.put("finalGradientNorm", records.get(records.size() - 1).get("gradientNorm").asDouble());
        }
        t.totalPasses = jobsMatch ? jobs.size() : lastEvaluations;
        t.totalSeconds = jobsMatch ? (jobs.get(jobs.size() - 1).endMillis() - start) / 1e3 : (end - start) / 1e3;
        t.extra.put("callSeconds", (end - start) / 1e3);
        return t;
    }

    private void printTable(Map<String, RaceTrace> traces, double fStar) {
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-30s", ""));
        StringBuilder cols = new StringBuilder(String.format(Locale.ROOT, "%-30s", "system"));
        for (double tol : TOLERANCES) {
            head.append(String.format(Locale.ROOT, " %-22s", "  ------ to " + RaceTrace.label(tol) + " -----"));
            cols.append(String.format(Locale.ROOT, " %8s %7s %5s ", "passes", "s", "iter"));
        }
        out.println(head + "  ---------------- whole run ----------------");
        out.printf(Locale.ROOT, "%s %6s %6s %8s %10s  %s%n", cols, "iter", "passes", "s", "final gap", "stop");
        for (RaceTrace t : traces.values()) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-30s", t.system));
            for (double tol : TOLERANCES) {
                RaceTrace.Reach r = t.reach(fStar, tol);
                if (r == null) {
                    line.append(String.format(Locale.ROOT, " %8s %7s %5s ", "never", "-", "-"));
                } else {
                    line.append(String.format(Locale.ROOT, " %8s %7.2f %5d ", r.passes() < 0 ? "?" : r.passes(),
                            r.seconds(), r.iteration()));
                }
            }
            line.append(String.format(Locale.ROOT, " %6d %6d %8.2f %10.1e  %s", t.finalIteration(), t.totalPasses,
                    t.totalSeconds, RaceTrace.gap(t.finalObjective(), fStar), t.stop));
            out.println(line);
        }
        out.println("passes: distributed passes over the data (Downhill: evaluations of f; the moments and"
                + " covariance for the change of variables come with the pass that fills the cache, not counted,"
                + " like ml's caching;"
                + " ml: its jobs, statistics pass included); s: seconds from the training call to the end of that"
                + " pass; never: not within the run");
    }

    /**
     * That ml's objective is Downhill's (its reported final f against Downhill's f at its coefficients), and the
     * comparison the issue asks for: Downhill's default rule against ml's L-BFGS, in passes, at each accuracy.
     */
    private Map<String, Object> checks(RaceProblem p, Map<String, RaceTrace> traces, double fStar, double labelStd) {
        Map<String, Object> checks = new LinkedHashMap<>();
        for (RaceTrace t : traces.values()) {
            if (t.system.startsWith("ml ") && t.extra.containsKey("reportedFinalObjective")) {
                double reported = (Double) t.extra.get("reportedFinalObjective");
                double diff = Math.abs(reported - t.recomputedFinal) / Math.abs(fStar);
                out.printf(Locale.ROOT, "objective match: %s reports f = %.15g at its final coefficients, Downhill"
                        + " computes %.15g there: relative difference %.1e%n", t.system, reported, t.recomputedFinal,
                        diff);
                checks.put(t.system + ": reported vs recomputed final f, relative", diff);
            } else if (t.system.startsWith("ml ")) {
                out.printf(Locale.ROOT, "%s: %d pass%s, %.2f s; f at its coefficients (Downhill's objective) is %.1e"
                                + " relative above f*%n", t.system, t.totalPasses, t.totalPasses == 1 ? "" : "es",
                        t.totalSeconds, RaceTrace.gap(t.recomputedFinal, fStar));
            }
        }
        RaceTrace dh = traces.get("downhill lbfgs");
        RaceTrace ml = traces.get(p.objective == dev.downhill.core.loss.Objective.LOGISTIC ? "ml LogisticRegression"
                : p.objective == dev.downhill.core.loss.Objective.SOFTMAX ? "ml LogisticRegression multinomial"
                : "ml LinearRegression l-bfgs");
        if (dh != null && ml != null) {
            for (double tol : TOLERANCES) {
                RaceTrace.Reach a = dh.reach(fStar, tol);
                RaceTrace.Reach b = ml.reach(fStar, tol);
                String verdict = a == null && b == null ? "neither reached it"
                        : a == null ? "Downhill never reached it"
                        : b == null ? "ml never reached it"
                        : a.passes() <= b.passes() ? "Downhill needs no more passes" : "Downhill needs more passes";
                out.printf(Locale.ROOT, "to %s: Downhill default (lbfgs) %s vs %s %s: %s%n", RaceTrace.label(tol),
                        a == null ? "never" : a.passes() + " passes / " + String.format(Locale.ROOT, "%.2f s",
                                a.seconds()),
                        ml.system, b == null ? "never" : b.passes() + " passes / " + String.format(Locale.ROOT,
                                "%.2f s", b.seconds()), verdict);
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("downhillPasses", a == null ? null : a.passes());
                c.put("mlPasses", b == null ? null : b.passes());
                c.put("downhillSeconds", a == null ? null : a.seconds());
                c.put("mlSeconds", b == null ? null : b.seconds());
                c.put("downhillNoMorePasses", a != null && (b == null || a.passes() <= b.passes()));
                c.put("downhillFewerSeconds", a != null && (b == null || a.seconds() < b.seconds()));
                checks.put("lbfgs vs " + ml.system + " to " + RaceTrace.label(tol), c);
            }
        }
        return checks;
    }

    private void progress(String problem, String what) {
        System.err.printf(Locale.ROOT, "bench: %6.1f s  optimizers %s: %s ...%n", (System.nanoTime() - started) / 1e9,
                problem, what);
    }

    private static void delete(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("bench: could not delete " + root + ": " + e.getMessage());
        }
    }
}
