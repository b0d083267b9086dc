package dev.downhill.driver.train;

import dev.downhill.core.loss.Loss;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.RegularizedObjective;
import dev.downhill.core.optim.GradientDescent;
import dev.downhill.core.optim.Minimizer;
import dev.downhill.core.optim.OptimizerState;
import dev.downhill.core.optim.StopReason;
import dev.downhill.driver.checkpoint.CheckpointingRun;
import dev.downhill.driver.io.BadInputException;
import dev.downhill.driver.io.LabelEncoding;
import dev.downhill.driver.io.TrainingData;
import dev.downhill.driver.io.TrainingDataLoader;
import dev.downhill.driver.settings.InputSettings;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import dev.downhill.driver.spark.SparkDataLoss;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code train}: load and cache the data, then gradient descent on the distributed objective from zero
 * parameters, one progress line per iteration, and the model written to OUTPUT/model.json.
 */
public final class TrainCommand {
    public static final String JOB_GROUP = "downhill-train";
    /** Where a diverged run leaves the best parameters it saw. */
    public static final String LAST_GOOD = "last-good-model.json";

    private final Settings settings;
    private final PrintStream out;

    public TrainCommand(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Checks what train needs that parsing alone cannot, before Spark starts. */
    public static void validate(Settings s) {
        InputSettings.validate(s);
        s.require("objective");
        s.require("output");
        InputSettings.requireLabels(s, "train");
        Objective objective = Objective.fromName(s.get("objective"));
        if (!"01".equals(s.get("binary-labels")) && objective.labelKind() != Objective.LabelKind.BINARY) {
            throw new SettingsException("--binary-labels applies to --objective logistic and hinge only.");
        }
        if (!s.isAuto("num-classes") && objective != Objective.SOFTMAX) {
            throw new SettingsException("--num-classes applies to --objective softmax only.");
        }
    }

    public TrainingResult run(JavaSparkContext jsc) throws IOException {
        Objective objective = Objective.fromName(settings.require("objective"));
        jsc.setJobGroup(JOB_GROUP, "Downhill train: loading " + settings.get("input"), false);
        TrainingData data = TrainingDataLoader.load(jsc, loaderOptions(objective));
        try {
            return train(jsc, data);
        } finally {
            data.release();
        }
    }

    /** Trains on data already loaded and cached (from files, or from a DataFrame); the caller releases it. */
    public TrainingResult train(JavaSparkContext jsc, TrainingData data) throws IOException {
        Objective objective = Objective.fromName(settings.require("objective"));
        double l2 = settings.getDouble("l2");
        long maxIter = settings.getInt("max-iter");
        double tol = settings.getDouble("tol");
        {
            LabelEncoding labels = data.labels;
            int numClasses = labels.numClasses();
            int k = objective.numOutputs(numClasses);
            LinearModel model = new LinearModel(data.numFeatures, k);
            Loss loss = objective.loss(numClasses);
            double lipschitz = data.smoothness.lipschitz(objective, l2);
            if (!(lipschitz > 0) || Double.isInfinite(lipschitz)) {
                throw new BadInputException(String.format(Locale.ROOT, "the feature values are too large to train on"
                        + " in double precision: the mean of ||x||^2 + 1 over the rows is %s (the largest row has"
                        + " %s). Rescale the features (for example to unit variance).",
                        data.smoothness.meanAugmentedSquaredNormOrNaN(), data.smoothness.maxAugmentedSquaredNorm()));
            }
            double step = settings.isAuto("step") ? 1.0 / lipschitz : settings.getDouble("step");

            printSummary(data, objective, l2, step, lipschitz, maxIter);
            if (data.badRecords.total() > 0) {
                out.print(data.badRecords.describe());
            }
            SparkDataLoss dataLoss = new SparkDataLoss(jsc, data.blocks, model, loss);
            RegularizedObjective f = new RegularizedObjective(dataLoss, new L2Penalty(l2, model));
            Minimizer minimizer = new Minimizer(new GradientDescent(step), maxIter, tol,
                    settings.getInt("divergence-rises"));
            jsc.setJobGroup(JOB_GROUP, "Downhill train: initial point", false);
            TrainingReport report = report(data, objective, step, lipschitz);
            long startNanos = System.nanoTime();
            Minimizer.Result result;
            // Checkpoints (#5): restored on --resume; written every --checkpoint-every iterations and at the end.
            CheckpointingRun checkpoints = CheckpointingRun.open(settings, data, jsc.hadoopConfiguration(), out);
            try (MetricsLog metrics = MetricsLog.continueAfter(settings.require("output"), jsc.hadoopConfiguration(),
                    checkpoints.startIteration())) {
                ProgressReporter progress = new ProgressReporter(out, metrics, report, dataLoss, jsc, maxIter,
                        settings.getInt("progress-every"));
                OptimizerState start = checkpoints.startOrResume(
                        () -> minimizer.start(f, new double[model.numParameters()]), report::iteration);
                dataLoss.takeTiming(); // the first iteration's split should not include the starting pass
                result = minimizer.run(f, start, checkpoints.around(progress));
                checkpoints.finish(result.state());
            }
            if (result.reason() == StopReason.DIVERGED && result.state().iteration() == 0) {
                // Not the step: f is already non-finite at the start (all parameters 0), so the data overflows.
                throw new BadInputException("the objective is " + result.state().value() + " at the starting point"
                        + " (all parameters 0), before any step: " + result.detail() + ". Some labels or instance"
                        + " weights are too large to square or sum in double precision; rescale them.");
            }
            report.outcome().put("stop reason", result.reason().label()
                    + (result.detail() == null ? "" : " (" + result.detail() + ")"));
            report.outcome().put("iterations", String.valueOf(result.state().iteration()));
            report.outcome().put("objective f", TrainingReport.number(result.state().value()));
            report.outcome().put("||grad f||", TrainingReport.number(result.gradientNorm()));
            report.outcome().put("distributed passes", String.valueOf(result.state().evaluations()));
            report.outcome().put("training time", ProgressReporter.duration((System.nanoTime() - startNanos) / 1e9));
            String reportPath = report.write(settings.require("output"), jsc.hadoopConfiguration());
            if (result.reason() == StopReason.DIVERGED) {
                throw diverged(result, jsc, objective, l2, data, k, step);
            }
            out.printf(Locale.ROOT, "stopped after %d iterations: %s (||grad f|| = %.3e, tol %s); objective %.15g%n",
                    result.state().iteration(), result.reason().label(), result.gradientNorm(), settings.get("tol"),
                    result.state().value());
            out.println("report written to " + reportPath);
            return new TrainingResult(objective, l2, data.numFeatures, k, labels.classLabels(), result.state().x(),
                    result.state().iteration(), result.state().value(), result.gradientNorm(), result.reason(), step);
        }
    }

    /** The report's data summary and settings, filled before training; the outcome is added at the end. */
    private TrainingReport report(TrainingData data, Objective objective, double step, double lipschitz) {
        TrainingReport r = new TrainingReport();
        Map<String, String> d = r.data();
        d.put("input", settings.get("input"));
        d.put("format", data.format);
        d.put("files", String.valueOf(data.files.files().size()));
        d.put("rows trained on", String.valueOf(data.rows()));
        d.put("features", String.valueOf(data.numFeatures));
        if (data.labels.numClasses() > 0) {
            d.put("classes", data.labels.numClasses() + " (rows per label: "
                    + LabelEncoding.classCounts(data.summary, data.labels) + ")");
        }
        if (data.labels.note() != null) {
            d.put("labels", data.labels.note());
        }
        d.put("bad records skipped", String.valueOf(data.badRecords.total()));
        d.put("partitions", String.valueOf(data.partitions));
        d.put("blocks", data.numBlocks + " (" + data.denseBlocks + " dense)");
        d.put("cached", String.format(Locale.ROOT, "%.1f MiB", data.payloadBytes / 1048576.0));
        d.put("step", TrainingReport.number(step) + (settings.isAuto("step") ? " (1/L, L = "
                + TrainingReport.number(lipschitz) + ")" : ""));
        if (data.badRecords.total() > 0) {
            r.badRecords(data.badRecords.describe());
        }
        r.settings().putAll(settings.effective());
        r.outcome().put("objective", objective.cliName());
        return r;
    }

    /** Keeps the best parameters seen in OUTPUT/last-good-model.json and says what happened and what to try. */
    private DivergedException diverged(Minimizer.Result result, JavaSparkContext jsc, Objective objective, double l2,
                                       TrainingData data, int k, double step) throws IOException {
        Minimizer.Best best = result.best();
        String kept = "";
        if (best != null) {
            TrainingResult lastGood = new TrainingResult(objective, l2, data.numFeatures, k,
                    data.labels.classLabels(), best.x(), best.iteration(), best.objective(),
                    best.stationarity(), StopReason.DIVERGED, step);
            String path = ModelFile.write(settings.require("output"), LAST_GOOD, ModelFile.toJson(lastGood),
                    jsc.hadoopConfiguration());
            kept = String.format(Locale.ROOT, " The best parameters seen (iteration %d, objective %.12g) are"
                    + " in %s; no model.json was written.", best.iteration(), best.objective(), path);
        }
        return new DivergedException("training diverged at iteration " + result.state().iteration() + ": "
                + result.detail() + " (||grad f|| = " + result.gradientNorm() + "). The step " + step
                + " is too large for this data: try a smaller --step"
                + (settings.isAuto("step") ? "" : ", or leave it out (the default 1/L is safe for smooth"
                + " objectives)") + "." + kept);
    }

    private TrainingDataLoader.Options loaderOptions(Objective objective) {
        TrainingDataLoader.Options o = new TrainingDataLoader.Options();
        InputSettings.apply(settings, o);
        o.objective = objective;
        o.partitions = settings.isAuto("partitions") ? 0 : settings.getInt("partitions");
        o.numFeatures = settings.isAuto("num-features") ? 0 : settings.getInt("num-features");
        o.numClasses = settings.isAuto("num-classes") ? null : settings.getInt("num-classes");
        o.binaryLabels = LabelEncoding.BinaryLabels.fromSetting(settings.get("binary-labels"));
        o.blockRows = settings.getInt("block-rows");
        o.skipBadRecords = "skip".equals(settings.get("on-bad-record"));
        o.maxBadFraction = settings.getDouble("max-bad-fraction");
        return o;
    }

    private void printSummary(TrainingData data, Objective objective, double l2, double step, double lipschitz,
                              long maxIter) {
        int files = data.files.files().size();
        out.printf(Locale.ROOT, "data: %d rows x %d features (%s) from %d file%s; %d partitions, %d blocks"
                        + " (%d dense), %.1f MiB cached%n",
                data.rows(), data.numFeatures, data.format, files, files == 1 ? "" : "s", data.partitions,
                data.numBlocks, data.denseBlocks, data.payloadBytes / 1048576.0);
        if (data.labels.numClasses() > 0) {
            out.println("classes: " + data.labels.numClasses() + " (rows per label: "
                    + LabelEncoding.classCounts(data.summary, data.labels) + ")");
        }
        if (data.labels.note() != null) {
            out.println("note: " + data.labels.note());
        }
        out.printf(Locale.ROOT, "objective %s, l2 %s, step %.6g%s, max-iter %d, tol %s%n", objective.cliName(),
                l2, step, settings.isAuto("step") ? String.format(Locale.ROOT, " (1/L, L = %.6g)", lipschitz) : "",
                maxIter, settings.get("tol"));
    }
}
