package dev.downhill.driver.bench;

import dev.downhill.driver.io.TrainingData;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The race's Spark ml side, on exactly the doubles Downhill trains on (the DataFrame is made from Downhill's
 * cached blocks) and with the objective matched to Downhill's:
 *
 * <ul>
 *   <li>LogisticRegression (binomial, L-BFGS): f = mean log-loss + (regParam/2)||w||^2 with elasticNetParam 0 and
 *       standardization=false (with true, the penalty would fall on the standardized coefficients, another
 *       objective; ml still optimizes in standardized coordinates either way). regParam = lambda and the objective
 *       history is the user's objective as it is.</li>
 *   <li>LinearRegression, solver l-bfgs: ml divides the label by its standard deviation sigma_y (sample, N - 1)
 *       and its history is f_ml = [ (1/2N) sum (w.x + b - y)^2 + (regParam/sigma_y)/2 ||w||^2 ] / sigma_y^2 with
 *       the intercept at its best value for w, so regParam = lambda sigma_y and f = sigma_y^2 f_ml.</li>
 *   <li>LinearRegression, solver normal (what ml's default solver picks for d <= 4096): one pass for the Gram
 *       matrix, solved on the driver; it has no iterations, so only its final f counts.</li>
 * </ul>
 *
 * <p>Passes are Spark jobs (counted by {@link JobLog} once the listener bus has drained): a statistics pass,
 * the first evaluation (which also packs ml's own blocks), then one per line-search evaluation. Which jobs
 * belong to iterate k comes from {@link BreezeIterationClock} (the jobs ended when breeze logged the end of
 * iteration k); without it, 2 + k when the fit made exactly 2 + K jobs, else a second fit with maxIter = k (ml is
 * deterministic, so its jobs are the first fit's prefix). LinearRegression's training summary adds a job after
 * the last iteration: it counts in the run's total, not in the passes to an iterate. The normal solver's passes
 * are all the jobs of its fit. Seconds: from the start of fit to the end of that pass.
 */
final class SparkMlRace {
    private SparkMlRace() {}

    /**
     * Classes ml's LinearRegression and multinomial LogisticRegression ship that Spark does not register itself
     * (binomial LogisticRegression's are Bench's).
     */
    static final String[] KRYO_CLASSES = {
        "org.apache.spark.ml.optim.aggregator.LeastSquaresBlockAggregator",
        "org.apache.spark.ml.optim.aggregator.MultinomialLogisticBlockAggregator",
        "org.apache.spark.ml.optim.WeightedLeastSquares$Aggregator",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeL1$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeM2$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeMax$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeMin$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$ComputeNNZ$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$NormL1$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$NormL2$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Max$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Min$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$NumNonZeros$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Sum$",
        "org.apache.spark.ml.stat.SummaryBuilderImpl$Variance$",
    };

    /** A cached DataFrame (label, dense features) with the rows of Downhill's blocks, the same doubles. */
    static Dataset<Row> frame(SparkSession spark, TrainingData data) {
        int d = data.numFeatures;
        JavaRDD<Row> rows = data.blocks.flatMap(block -> {
            List<Row> out = new ArrayList<>(block.numRows());
            for (int r = 0; r < block.numRows(); r++) {
                double[] x = new double[d];
                block.axpy(r, 1.0, x, 0);
                out.add(RowFactory.create(block.label(r), Vectors.dense(x)));
            }
            return out.iterator();
        });
        StructType schema = new StructType()
                .add("label", DataTypes.DoubleType, false)
                .add("features", SQLDataTypes.VectorType(), false);
        Dataset<Row> df = spark.createDataFrame(rows, schema).persist(StorageLevel.MEMORY_ONLY());
        df.count();
        return df;
    }

    /** The label's sample standard deviation, as ml's summarizer computes it (N - 1). */
    static double labelStd(Dataset<Row> df) {
        return df.agg(functions.stddev_samp("label")).first().getDouble(0);
    }

    /** A fresh JVM pays for compiling ml's code paths in the first fits: fit small copies first, untimed. */
    static void warmUp(JavaSparkContext jsc, Dataset<Row> df) {
        jsc.setJobGroup("bench-race-ml-warmup", "race: ml warm-up", false);
        Dataset<Row> small = df.limit(5000).persist(StorageLevel.MEMORY_ONLY());
        try {
            small.count();
            Dataset<Row> binary = small.withColumn("label",
                    functions.when(functions.col("label").gt(functions.lit(0.5)), 1.0).otherwise(0.0));
            new LogisticRegression().setMaxIter(5).setTol(0.0).setRegParam(1e-3).fit(binary);
            new LinearRegression().setSolver("l-bfgs").setMaxIter(5).setTol(0.0).fit(small);
            new LinearRegression().setSolver("normal").fit(small);
        } finally {
            small.unpersist(true);
        }
    }

    /** A fit, the jobs it ran, and when each L-BFGS iteration ended (empty when unknown). */
    private record Fit<M>(M model, long startMillis, long endMillis, List<JobLog.Job> jobs, List<Long> iterationEnds) {}

    private static <M> Fit<M> fit(JavaSparkContext jsc, JobLog log, String group, Supplier<M> fit) {
        jsc.setJobGroup(group, "race: " + group, false);
        log.watch(group);
        BreezeIterationClock clock = BreezeIterationClock.install();
        long start = System.currentTimeMillis();
        M model;
        try {
            model = fit.get();
        } finally {
            if (clock != null) {
                clock.close();
            }
        }
        long end = System.currentTimeMillis();
        try {
            jsc.sc().listenerBus().waitUntilEmpty();
            return new Fit<>(model, start, end, log.jobs(0), clock == null ? List.of() : clock.iterationEnds());
        } catch (TimeoutException | InterruptedException e) {
            throw new IllegalStateException("the Spark listener bus did not drain", e);
        }
    }

    static RaceTrace logistic(JavaSparkContext jsc, JobLog log, Dataset<Row> df, double l2, int maxIter,
                              double fStar, double[] tolerances, boolean verifyClock,
                              ToDoubleFunction<double[]> downhillObjective) {
        IntFunction<LogisticRegression> make = iterations -> new LogisticRegression().setFamily("binomial")
                .setRegParam(l2).setElasticNetParam(0.0).setStandardization(false).setFitIntercept(true)
                .setTol(0.0).setMaxIter(iterations);
        String settings = String.format(Locale.ROOT, "LogisticRegression: L-BFGS, regParam %s, elasticNetParam 0,"
                + " standardization false, tol 0, maxIter %d", l2, maxIter);
        Fit<LogisticRegressionModel> f = fit(jsc, log, "race-ml-logistic", () -> make.apply(maxIter).fit(df));
        double[] history = f.model().summary().objectiveHistory();
        double[] theta = parameters(f.model().coefficients().toArray(), f.model().intercept());
        RaceTrace t = trace("ml LogisticRegression", settings, f, history, 1.0, fStar, tolerances, verifyClock,
                k -> fit(jsc, log, "race-ml-logistic-refit", () -> make.apply(k).fit(df)).jobs().size());
        t.stop = history.length - 1 >= maxIter ? "max-iterations" : "converged (line search or tol 0)";
        t.recomputedFinal = downhillObjective.applyAsDouble(theta);
        return t;
    }

    /**
     * LogisticRegression with family multinomial: f = mean softmax cross-entropy + (regParam/2)||W||_F^2 over all K
     * coefficient vectors (intercepts unpenalized), standardization false: Downhill's softmax objective. The
     * parameters map to Downhill's layout as theta[k d + j] = W[k][j], theta[K d + k] = b_k.
     */
    static RaceTrace multinomial(JavaSparkContext jsc, JobLog log, Dataset<Row> df, double l2, int maxIter,
                                 double fStar, double[] tolerances, boolean verifyClock,
                                 ToDoubleFunction<double[]> downhillObjective) {
        IntFunction<LogisticRegression> make = iterations -> new LogisticRegression().setFamily("multinomial")
                .setRegParam(l2).setElasticNetParam(0.0).setStandardization(false).setFitIntercept(true)
                .setTol(0.0).setMaxIter(iterations);
        String settings = String.format(Locale.ROOT, "LogisticRegression: family multinomial, L-BFGS, regParam %s,"
                + " elasticNetParam 0, standardization false, tol 0, maxIter %d", l2, maxIter);
        Fit<LogisticRegressionModel> f = fit(jsc, log, "race-ml-multinomial", () -> make.apply(maxIter).fit(df));
        double[] history = f.model().summary().objectiveHistory();
        org.apache.spark.ml.linalg.Matrix w = f.model().coefficientMatrix();
        double[] b = f.model().interceptVector().toArray();
        int k = w.numRows();
        int d = w.numCols();
        double[] theta = new double[(d + 1) * k];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                theta[c * d + j] = w.apply(c, j);
            }
            theta[k * d + c] = b[c];
        }
        RaceTrace t = trace("ml LogisticRegression multinomial", settings, f, history, 1.0, fStar, tolerances,
                verifyClock, m -> fit(jsc, log, "race-ml-multinomial-refit", () -> make.apply(m).fit(df)).jobs().size());
        t.stop = history.length - 1 >= maxIter ? "max-iterations" : "converged (line search or tol 0)";
        t.recomputedFinal = downhillObjective.applyAsDouble(theta);
        return t;
    }

    static RaceTrace linearLbfgs(JavaSparkContext jsc, JobLog log, Dataset<Row> df, double l2, double labelStd,
                                 int maxIter, double fStar, double[] tolerances, boolean verifyClock,
                                 ToDoubleFunction<double[]> downhillObjective) {
        IntFunction<LinearRegression> make = iterations -> new LinearRegression().setSolver("l-bfgs")
                .setRegParam(l2 * labelStd).setElasticNetParam(0.0).setStandardization(false).setFitIntercept(true)
                .setTol(0.0).setMaxIter(iterations);
        String settings = String.format(Locale.ROOT, "LinearRegression: solver l-bfgs, regParam lambda*sigma_y = %s,"
                + " elasticNetParam 0, standardization false, tol 0, maxIter %d; f = sigma_y^2 * history,"
                + " sigma_y = %.12g", l2 * labelStd, maxIter, labelStd);
        Fit<LinearRegressionModel> f = fit(jsc, log, "race-ml-linear", () -> make.apply(maxIter).fit(df));
        double[] history = f.model().summary().objectiveHistory();
        double[] theta = parameters(f.model().coefficients().toArray(), f.model().intercept());
        RaceTrace t = trace("ml LinearRegression l-bfgs", settings, f, history, labelStd * labelStd, fStar,
                tolerances, verifyClock, k -> fit(jsc, log, "race-ml-linear-refit", () -> make.apply(k).fit(df)).jobs().size());
        t.stop = history.length - 1 >= maxIter ? "max-iterations" : "converged (line search or tol 0)";
        t.recomputedFinal = downhillObjective.applyAsDouble(theta);
        return t;
    }

    /** The normal equations: its single iterate is its final model; f is recomputed by Downhill. */
    static RaceTrace linearNormal(JavaSparkContext jsc, JobLog log, Dataset<Row> df, double l2, double labelStd,
                                  ToDoubleFunction<double[]> downhillObjective) {
        String settings = String.format(Locale.ROOT, "LinearRegression: solver normal (ml's auto for d <= 4096),"
                + " regParam %s, standardization false; f recomputed by Downhill at its coefficients", l2 * labelStd);
        Fit<LinearRegressionModel> f = fit(jsc, log, "race-ml-normal", () -> new LinearRegression()
                .setSolver("normal").setRegParam(l2 * labelStd).setElasticNetParam(0.0).setStandardization(false)
                .setFitIntercept(true).fit(df));
        double[] theta = parameters(f.model().coefficients().toArray(), f.model().intercept());
        RaceTrace t = new RaceTrace("ml LinearRegression normal", settings);
        t.recomputedFinal = downhillObjective.applyAsDouble(theta);
        int passes = f.jobs().size();
        double seconds = passes == 0 ? (f.endMillis() - f.startMillis()) / 1e3
                : (f.jobs().get(passes - 1).endMillis() - f.startMillis()) / 1e3;
        t.add(1, passes, seconds, t.recomputedFinal);
        t.totalPasses = passes;
        t.totalSeconds = (f.endMillis() - f.startMillis()) / 1e3;
        t.stop = "solved";
        return t;
    }

    private static double[] parameters(double[] w, double b) {
        double[] theta = java.util.Arrays.copyOf(w, w.length + 1);
        theta[w.length] = b;
        return theta;
    }

    /**
     * Passes of iterates 1..K from the instants iterations ended: the jobs ended by then. Null when the clock
     * did not see K iterations or the counts make no sense (then the caller falls back).
     */
    private static long[] passesFromClock(List<JobLog.Job> jobs, List<Long> ends, int iterations) {
        if (ends.size() != iterations || iterations == 0) {
            return null;
        }
        long[] passes = new long[iterations + 1];
        for (int k = 1; k <= iterations; k++) {
            long at = ends.get(k - 1);
            passes[k] = jobs.stream().filter(j -> j.endMillis() <= at).count();
            if (passes[k] < 2 || passes[k] <= passes[k - 1]) {
                return null; // a statistics pass and at least one evaluation per iterate, always more
            }
        }
        return passes;
    }

    /** Passes of a fit with maxIter = k (a second, deterministic fit). */
    private interface Refit {
        int passes(int maxIter);
    }

    private static RaceTrace trace(String system, String settings, Fit<?> f, double[] history, double scale,
                                   double fStar, double[] tolerances, boolean verifyClock, Refit refit) {
        RaceTrace t = new RaceTrace(system, settings);
        int iterations = history.length - 1;
        List<JobLog.Job> jobs = f.jobs();
        t.extra.put("jobs", jobs.size());
        t.extra.put("reportedFinalObjective", scale * history[iterations]);
        long[] passes = passesFromClock(jobs, f.iterationEnds(), iterations);
        if (passes != null) {
            t.extra.put("passesFrom", "breeze's log line at the end of each iteration against the jobs' end times");
            // LinearRegression's training summary runs a job after the last iteration: part of fit, not of
            // reaching an iterate.
            long after = jobs.size() - passes[iterations];
            t.extra.put("jobsAfterLastIteration", after);
            if (verifyClock) {
                int k = Math.max(1, iterations / 2);
                t.extra.put("clockCheck", java.util.Map.of("iteration", k, "clockPasses", passes[k],
                        "refitPassesLessJobsAfterLastIteration", refit.passes(k) - after));
            }
        } else if (jobs.size() == iterations + 2) {
            passes = new long[iterations + 1];
            for (int k = 1; k <= iterations; k++) {
                passes[k] = k + 2;
            }
            t.extra.put("passesFrom", "2 + K jobs for K iterations: one pass per iteration");
        } else {
            // Only the iterates the table shows get their passes, from refits; the others stay unknown (-1).
            passes = new long[iterations + 1];
            java.util.Arrays.fill(passes, -1);
            for (double tol : tolerances) {
                for (int k = 1; k <= iterations; k++) {
                    if (RaceTrace.gap(scale * history[k], fStar) <= tol) {
                        passes[k] = k == iterations ? jobs.size() : refit.passes(k);
                        break;
                    }
                }
            }
            passes[iterations] = jobs.size();
            t.extra.put("passesFrom", "refits with maxIter = k for the iterates shown (their jobs after the last"
                    + " iteration included)");
        }
        for (int k = 1; k <= iterations; k++) {
            double seconds = passes[k] < 1 ? Double.NaN
                    : (jobs.get((int) Math.min(passes[k], jobs.size()) - 1).endMillis() - f.startMillis()) / 1e3;
            t.add(k, passes[k], seconds, scale * history[k]);
        }
        t.totalPasses = jobs.size();
        t.totalSeconds = (f.endMillis() - f.startMillis()) / 1e3;
        t.extra.put("jobStartSeconds", jobs.stream().mapToDouble(j -> (j.startMillis() - f.startMillis()) / 1e3)
                .toArray());
        t.extra.put("jobEndSeconds", jobs.stream().mapToDouble(j -> (j.endMillis() - f.startMillis()) / 1e3)
                .toArray());
        return t;
    }
}
