package dev.downhill.driver.train;

import dev.downhill.core.data.FeaturePrecision;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.metrics.MetricsAccumulator;
import dev.downhill.core.model.Architecture;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.model.Model;
import dev.downhill.core.objective.ChangeOfVariables;
import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.L1Penalty;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.RegularizedObjective;
import dev.downhill.core.objective.Standardization;
import dev.downhill.core.objective.Whitening;
import dev.downhill.core.optim.FunctionSequence;
import dev.downhill.core.optim.IterationListener;
import dev.downhill.core.optim.Minimizer;
import dev.downhill.core.optim.Optimizer;
import dev.downhill.core.optim.OptimizerState;
import dev.downhill.core.optim.StopCriteria;
import dev.downhill.core.optim.StopReason;
import dev.downhill.core.optim.Validator;
import dev.downhill.core.sample.MiniBatchSampler;
import dev.downhill.driver.checkpoint.CheckpointStore;
import dev.downhill.driver.checkpoint.CheckpointingRun;
import dev.downhill.driver.io.BadInputException;
import dev.downhill.driver.io.Holdout;
import dev.downhill.driver.io.LabelEncoding;
import dev.downhill.driver.io.TrainingData;
import dev.downhill.driver.io.TrainingDataLoader;
import dev.downhill.driver.settings.InputSettings;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import dev.downhill.driver.sharded.ShardedCheckpoint;
import dev.downhill.driver.sharded.ShardedVector;
import dev.downhill.driver.spark.SparkDataLoss;
import dev.downhill.driver.spark.TrainingSetPass;
import dev.downhill.driver.spark.ValidationPass;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code train}: load and cache the data (holding out validation rows if asked), take the feature moments
 * for standardization, then minimize the distributed objective from zero parameters with the chosen update
 * rule ({@link OptimizerChoice}) on the full data or on seeded mini-batches, with one progress line per
 * iteration, and write the model in the user's feature space to OUTPUT/model.json.
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

    /** What a finished run writes after its model: the report, then the final checkpoint. */
    private interface AfterModel {
        void write(org.apache.hadoop.conf.Configuration conf) throws IOException;
    }

    private boolean finishLater;
    private AfterModel afterModel;

    /**
     * Defers the report and the final checkpoint to {@link #finishAfterModel}, so that the caller writes
     * model.json first: on a full disk the model is what must be there.
     */
    public TrainCommand finishLater() {
        this.finishLater = true;
        return this;
    }

    /** Writes the report and the final checkpoint (and removes the older checkpoints) of a finished run. */
    public void finishAfterModel(JavaSparkContext jsc) throws IOException {
        if (afterModel != null) {
            AfterModel a = afterModel;
            afterModel = null;
            a.write(jsc.hadoopConfiguration());
        }
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
        if (!s.isNone("validation") && s.getDouble("validation-fraction") > 0) {
            throw new SettingsException("give --validation PATH or --validation-fraction, not both.");
        }
        if (s.getBoolean("resume") && s.getBoolean("overwrite")) {
            throw new SettingsException("give --resume (continue the run in --output) or --overwrite (replace it),"
                    + " not both.");
        }
        ModelSettings.validate(s, objective);
        OptimizerChoice.resolve(s, objective, 1.0); // refuses impossible combinations before Spark starts
        Preconditioning.validate(s, objective);
        ShardedTraining.validate(s, objective);
    }

    public TrainingResult run(JavaSparkContext jsc) throws IOException {
        Objective objective = Objective.fromName(settings.require("objective"));
        jsc.setJobGroup(JOB_GROUP, "Downhill train: loading " + settings.get("input"), false);
        TrainingData data = TrainingDataLoader.load(jsc, loaderOptions(settings));
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
        double l1 = settings.getDouble("l1");
        long maxIter = settings.getInt("max-iter");
        LabelEncoding labels = data.labels;
        int numClasses = labels.numClasses();
        int k = objective.numOutputs(numClasses);
        Architecture architecture = ModelSettings.architecture(settings, data.numFeatures, k);
        ModelSettings.checkFits(architecture, settings, data.rows(), jsc.getConf());
        Model model = architecture.build();
        GradientCheckStep.run(settings, jsc, data, model, objective.loss(numClasses), out); // --check-gradient
        double batchFraction = ModelSettings.batchFraction(settings, data.rows());
        Loss loss = objective.loss(numClasses);
        double lipschitz = data.smoothness.lipschitz(objective, l2);
        if (!(lipschitz > 0) || Double.isInfinite(lipschitz)) {
            throw new BadInputException(String.format(Locale.ROOT, "the feature values are too large to train on"
                    + " in double precision: the mean of ||x||^2 + 1 over the rows is %s (the largest row has"
                    + " %s). Rescale the features (for example to unit variance).",
                    data.smoothness.meanAugmentedSquaredNormOrNaN(), data.smoothness.maxAugmentedSquaredNorm()));
        }
        // Standardization and whitening are changes of variables theta = A u: the optimizer works on u, the data
        // and the objective stay the user's (see ChangeOfVariables). The 1/L bound is the problem's in u.
        boolean sharding = model instanceof LinearModel
                && ShardedTraining.chosen(settings, objective, model.numParameters());
        Preconditioning pre = sharding ? Preconditioning.onExecutors(settings)
                : Preconditioning.choose(settings, jsc, data, model, objective, l2);
        ChangeOfVariables change = pre.change;
        Standardization std = pre.change instanceof Standardization st ? st : null;
        if (change != null) {
            lipschitz = change.lipschitz(objective.curvatureBound(), l2);
        }
        // --aggregation sharded (#14): the parameters stay on the executors; null on the tree path
        ShardedTraining sharded = sharding ? ShardedTraining.start(settings, jsc, data, (LinearModel) model, loss, l2,
                objective, pre, numClasses) : null;
        if (sharded != null) { // its standardization's moments were taken on the executors
            lipschitz = sharded.lipschitz(objective.curvatureBound(), l2, lipschitz);
        }
        OptimizerChoice choice = OptimizerChoice.resolve(settings, objective, lipschitz, batchFraction);
        TrainingData.Validation extraValidation = loadValidation(jsc, data, objective);
        TrainingData.Validation validation = extraValidation != null ? extraValidation : data.validation;
        try {
            printSummary(data, objective, l2, choice, lipschitz, maxIter, validation);
            String fraction = java.math.BigDecimal.valueOf(batchFraction).stripTrailingZeros().toPlainString();
            out.println("model: " + architecture.describe() + ", " + model.numParameters() + " parameters"
                    + (batchFraction < 1 ? String.format(Locale.ROOT, "; mini-batches of %s of the blocks (%d per"
                    + " epoch)", fraction, MiniBatchSampler.batchesPerEpoch(batchFraction)) : ""));
            out.println("preconditioner: " + pre.description);
            if (sharded != null) {
                out.println("aggregation: " + sharded.description);
                if (validation != null) { // its loss per iteration on the executors, through a second pull plan
                    sharded.validateOn(validation.blocks);
                }
            }
            if (data.badRecords.total() > 0) {
                out.print(data.badRecords.describe());
            }
            SparkDataLoss dataLoss = new SparkDataLoss(jsc, data.blocks, model, loss);
            L2Penalty penalty = new L2Penalty(l2, model);
            MiniBatchSampler sampler = miniBatches(data, batchFraction);
            FunctionSequence functions = functions(dataLoss, penalty, change, sampler, architecture.dropout() > 0);
            // The coordinates the optimizer works in now: re-whitening (--rewhiten-at) replaces them mid-run.
            ChangeOfVariables[] current = {change};
            L1Penalty l1Penalty = null;
            if (l1 > 0 && sharded == null) { // a sharded run's slices build their own weights (no d-sized array)
                l1Penalty = std == null ? L1Penalty.of(l1, model) : std.scaledL1(L1Penalty.of(l1, model));
            }
            Optimizer optimizer = choice.create(settings, model, l1Penalty,
                    pre.startCurvature(objective, numClasses));
            Validator validator = null;
            ValidationPass held = null;
            double[] lastMetric = {Double.NaN};
            if (validation != null) {
                // a sharded run validates on the executors (ShardedTraining.validateOn); held names the metric
                held = new ValidationPass(jsc, validation.blocks, model, loss, objective, data.numFeatures,
                        numClasses);
                final ValidationPass pass = held;
                validator = sharded != null ? null : u -> {
                    ValidationPass.Result r = pass.evaluate(current[0] == null ? u : current[0].toUser(u));
                    lastMetric[0] = r.metric();
                    return r.meanLoss();
                };
            }
            Minimizer minimizer = new Minimizer(optimizer, criteria(choice, functions.isStochastic()));
            jsc.setJobGroup(JOB_GROUP, "Downhill train: initial point", false);
            TrainingReport report = report(data, objective, choice, lipschitz, validation);
            report.data().put("model", architecture.describe() + " (" + model.numParameters() + " parameters)");
            report.data().put("preconditioner", pre.description);
            report.data().put("aggregation", sharded == null ? "tree" : sharded.description);
            long startNanos = System.nanoTime();
            Minimizer.Result result;
            ShardedVector shardedTheta = null; // a sharded run's model, on the executors
            ShardedTraining.Outcome shardedEnd = null;
            // Checkpoints (#5): restored on --resume; written every --checkpoint-every iterations and at the end.
            // a sharded checkpoint's slices are checked on the executors first: a damaged one yields to the one before
            CheckpointingRun checkpoints = CheckpointingRun.open(settings, data, jsc.hadoopConfiguration(), out,
                    sharded == null ? CheckpointStore.SliceCheck.NONE
                            : folder -> ShardedCheckpoint.damage(jsc, folder, jsc.hadoopConfiguration()));
            try (MetricsLog metrics = MetricsLog.continueAfter(settings.require("output"), jsc.hadoopConfiguration(),
                    checkpoints.startIteration())) {
                ProgressReporter progress = new ProgressReporter(out, metrics, report,
                        sharded != null ? sharded::takeTiming : dataLoss::takeTiming, jsc, maxIter,
                        settings.getInt("progress-every"));
                if (held != null && sharded == null) { // a sharded run has no per-iteration metric pass
                    progress.validationMetric(held.metricName(), () -> lastMetric[0]);
                }
                if (sharded != null) { // the rule on the executors' slices (L-BFGS vector-free), the same stop rules
                    if (!settings.isNone("initial-model") && checkpoints.restored() == null) { // warm start
                        sharded.startFrom(InitialModel.onExecutors(settings.get("initial-model"), architecture,
                                objective, labels.classLabels(), jsc));
                        out.println("initial model: " + settings.get("initial-model"));
                    }
                    ShardedTraining.Outcome end = sharded.run(criteria(choice, functions.isStochastic()), progress,
                            checkpoints, report::iteration, optimizer, sampler);
                    result = end.result();
                    shardedTheta = end.theta();
                    shardedEnd = end;
                } else {
                    // A linear model starts at theta = 0; a network at its seeded initialization, drawn in the
                    // coordinates the optimizer sees (standardized inputs), where He and Glorot scales are meant.
                    double[] x0;
                    if (!settings.isNone("initial-model")) { // warm start: the given model, in the user's space
                        double[] theta0 = InitialModel.parameters(settings.get("initial-model"), architecture,
                                objective, labels.classLabels(), jsc.hadoopConfiguration());
                        x0 = change == null ? theta0.clone() : change.fromUser(theta0);
                        out.println("initial model: " + settings.get("initial-model"));
                    } else if (architecture.type() == Architecture.Type.LINEAR) {
                        x0 = change == null ? new double[model.numParameters()]
                                : change.fromUser(new double[model.numParameters()]);
                    } else {
                        x0 = model.initialParameters(settings.getLong("seed"));
                    }
                    OptimizerState state = checkpoints.startOrResume(() -> minimizer.start(functions, x0), optimizer,
                            report::iteration);
                    dataLoss.takeTiming(); // the first iteration's split should not include the starting pass
                    IterationListener listener = checkpoints.around(progress);
                    int rewhitenAt = pre.rewhitenAt(settings, objective, choice.name, functions.isStochastic());
                    if (rewhitenAt > 0) {
                        Whitening start = (Whitening) change;
                        result = new RewhiteningTraining(jsc, data, (LinearModel) model, objective, l2, out,
                                rewhitenAt, settings.getBoolean("rewhiten-per-class")).run(minimizer, optimizer,
                                state, start, w -> {
                                    current[0] = w; // the validator maps through it
                                    return w == start ? functions
                                            : functions(dataLoss, penalty, w, sampler, false);
                                }, listener, validator);
                    } else {
                        result = minimizer.run(functions, state, listener, validator);
                    }
                }
            }
            change = current[0];
            if (result.reason() == StopReason.DIVERGED && result.state().iteration() == 0) {
                // Not the step: f is already non-finite at the start (all parameters 0), so the data overflows.
                throw new BadInputException("the objective is " + result.objective() + " at the starting point"
                        + " (all parameters 0), before any step: " + result.detail() + ". Some labels or instance"
                        + " weights are too large to square or sum in double precision; rescale them.");
            }
            // With a validation set the written model is the iterate with the best validation loss.
            Minimizer.Best best = result.best();
            boolean useBest = validation != null && best != null;
            long iterations = useBest ? best.iteration() : result.state().iteration();
            double value = useBest ? best.objective() : result.objective();
            double stationarity = useBest ? best.stationarity() : result.gradientNorm();
            double[] x = useBest ? best.x() : result.state().x();
            double[] theta = change == null ? x.clone() : change.toUser(x);
            if (architecture.type() != Architecture.Type.LINEAR || functions.isStochastic()) {
                // model.json's objective and gradient norm are f's at exactly the saved parameters, in the user's
                // coordinates, without dropout: one full pass (a mini-batch or dropout value is not f).
                if (shardedEnd != null) { // taken on the executors before the run released its data plan
                    value = shardedEnd.fullValue();
                    stationarity = shardedEnd.fullGradientNorm();
                } else {
                    jsc.setJobGroup(JOB_GROUP, "Downhill train: objective at the saved parameters", false);
                    double[] g = new double[theta.length];
                    value = new RegularizedObjective(dataLoss, penalty).valueAndGradient(theta, g);
                    stationarity = dev.downhill.core.linalg.Vectors.norm2(g);
                }
                out.printf(Locale.ROOT, "saved parameters: objective %.15g, ||grad f|| = %.3e (full pass, user"
                        + " coordinates%s)%n", value, stationarity, architecture.dropout() > 0 ? ", no dropout" : "");
            }
            // One more pass over the training rows: the model's metrics, and whether the objective has a minimizer.
            TrainingSetPass.Result fit = null;
            String noMinimizer = null;
            if (shardedTheta != null) {
                // The same figures with theta on the executors: each partition pulls the parameters it reads; the
                // largest weights come from a top list per slice, the weight norm from per-slice sums.
                if (result.reason() != StopReason.DIVERGED) {
                    jsc.setJobGroup(JOB_GROUP, "Downhill train: training-set metrics", false);
                    fit = TrainingSetPass.run(data.blocks, shardedTheta, objective, data.numFeatures, numClasses);
                    // the weight norm takes a job: only when the warning, which quotes it, is given
                    if (ModelSummary.noMinimizer(objective, l2, l1, fit, data.rows(), Double.NaN, iterations, true)
                            != null) {
                        noMinimizer = ModelSummary.noMinimizer(objective, l2, l1, fit, data.rows(),
                                ModelSummary.weightNorm(shardedTheta, (long) data.numFeatures * k), iterations, true);
                    }
                    report.model().putAll(prefixed("training ", ModelSummary.metrics(fit.metrics())));
                    jsc.setJobGroup(JOB_GROUP, "Downhill train: largest weights", false);
                    report.largestWeights(ModelSummary.largestWeights(shardedTheta, data.numFeatures, k,
                            labels.classLabels(), data.featureNames, "libsvm".equals(data.format)));
                }
            } else if (result.reason() != StopReason.DIVERGED) {
                jsc.setJobGroup(JOB_GROUP, "Downhill train: training-set metrics", false);
                fit = TrainingSetPass.run(jsc, data.blocks, objective, architecture, numClasses, theta);
                boolean linear = architecture.type() == Architecture.Type.LINEAR;
                // A user's model need not scale its margins with any parameters: no claim about its minimizer.
                noMinimizer = architecture.type() == Architecture.Type.CUSTOM ? null
                        : ModelSummary.noMinimizer(objective, l2, l1, fit, data.rows(),
                        ModelSummary.weightNorm(theta, linear ? data.numFeatures * k : theta.length), iterations,
                        linear);
                report.model().putAll(prefixed("training ", ModelSummary.metrics(fit.metrics())));
                if (linear) {
                    report.largestWeights(ModelSummary.largestWeights(theta, data.numFeatures, k,
                            labels.classLabels(), data.featureNames, "libsvm".equals(data.format)));
                }
            }
            if (held != null && useBest && result.reason() != StopReason.DIVERGED) {
                report.model().put("validation loss", TrainingReport.number(best.validationLoss()));
                double metric;
                if (shardedTheta != null) { // the metric of the model on the executors: one pull and pass
                    jsc.setJobGroup(JOB_GROUP, "Downhill train: validation metrics", false);
                    MetricsAccumulator m = TrainingSetPass.run(validation.blocks, shardedTheta, objective,
                            data.numFeatures, numClasses).metrics();
                    metric = objective == Objective.LEAST_SQUARES ? m.errors().rmse() : m.classes().accuracy();
                } else {
                    metric = held.evaluate(theta).metric();
                }
                report.model().put("validation " + held.metricName(), TrainingReport.number(metric));
            }
            StopReason reason = noMinimizer != null ? StopReason.NO_MINIMIZER : result.reason();
            String detail = noMinimizer != null ? "the iterations stopped on " + result.reason().label()
                    : result.detail();
            report.settings().put("master", jsc.master()); // the one Spark used (spark-submit's, say), not the default
            if (noMinimizer != null) {
                report.outcome().put("warning", noMinimizer);
            }

            report.outcome().put("stop reason", reason.label() + (detail == null ? "" : " (" + detail + ")"));
            report.outcome().put("iterations", String.valueOf(result.state().iteration()));
            if (useBest) {
                report.outcome().put("model from iteration", best.iteration() + " (best validation loss "
                        + TrainingReport.number(best.validationLoss()) + ")");
                report.outcome().put("last iterate", "iteration " + result.state().iteration() + ", objective "
                        + TrainingReport.number(result.objective()) + ", ||grad f|| "
                        + TrainingReport.number(result.gradientNorm()));
            }
            report.outcome().put("objective f", TrainingReport.number(value));
            report.outcome().put(l1 > 0 ? "||minimum-norm subgradient||" : "||grad f||",
                    TrainingReport.number(stationarity));
            // Objective passes plus one validation pass per iterate (the moments came with loading, unless the
            // change of variables needed a pass of its own).
            report.outcome().put("distributed passes", String.valueOf(result.state().evaluations() + pre.passes
                    + (validation == null ? 0 : result.state().iteration() + 1)));
            if (fit != null) {
                report.outcome().put("passes after training", (held != null && useBest ? 2 : 1) + " (the model's"
                        + " metrics)");
            }
            report.outcome().put("training time", ProgressReporter.duration((System.nanoTime() - startNanos) / 1e9));
            if (result.reason() == StopReason.DIVERGED) {
                report.write(settings.require("output"), jsc.hadoopConfiguration());
                if (shardedTheta != null) {
                    shardedTheta.release();
                }
                throw diverged(result, jsc, objective, l2, data, k, choice, change, architecture);
            }
            if (noMinimizer != null) {
                out.println("downhill: warning: " + noMinimizer);
            }
            out.printf(Locale.ROOT, "stopped after %d iterations: %s%s (||grad f|| = %.3e); objective %.15g%n",
                    result.state().iteration(), reason.label(), detail == null ? "" : " (" + detail + ")",
                    result.gradientNorm(), result.objective());
            if (useBest) {
                // Say which iterate the model is, and its own figures: the line above is the last iterate's.
                out.printf(Locale.ROOT, "model: iteration %d, selected by the best validation loss (%.12g):"
                        + " objective %.15g, ||grad f|| = %.3e%n", best.iteration(), best.validationLoss(), value,
                        stationarity);
            }
            // The report and the final checkpoint; with finishLater, after the caller has written the model.
            OptimizerState last = result.state();
            afterModel = conf -> {
                out.println("report written to " + report.write(settings.require("output"), conf));
                checkpoints.finish(last); // a sharded run's final one is written: this removes the older ones
            };
            if (!finishLater) {
                finishAfterModel(jsc);
            }
            TrainingResult trained = new TrainingResult(objective, l2, data.numFeatures, k, labels.classLabels(),
                    shardedTheta != null ? null : theta, iterations, value, stationarity, reason, choice.step,
                    choice.name, l1, architecture);
            trained.featureNames = data.featureNames;
            trained.shardedParameters = shardedTheta;
            trained.warning = noMinimizer;
            if (useBest) {
                trained.runEnd = new TrainingResult.RunEnd(result.state().iteration(), result.objective(),
                        result.gradientNorm(), "best validation loss", best.validationLoss());
            }
            return trained;
        } finally {
            if (extraValidation != null) {
                extraValidation.blocks.unpersist(false);
            }
        }
    }

    private static Map<String, String> prefixed(String prefix, Map<String, String> m) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        m.forEach((key, v) -> out.put(prefix + key, v));
        return out;
    }

    /** The full objective every iteration, or the objective on iteration t's mini-batch of {@code sampler}. */
    private FunctionSequence functions(SparkDataLoss dataLoss, L2Penalty penalty, ChangeOfVariables change,
                                       MiniBatchSampler sampler, boolean dropout) {
        long seed = settings.getLong("seed");
        if (sampler == null) {
            if (dropout) { // the full batch, with iteration t's dropout masks
                return new FunctionSequence() {
                    @Override
                    public DifferentiableFunction at(long iteration) {
                        DifferentiableFunction f = new RegularizedObjective(dataLoss.training(null, iteration, seed),
                                penalty);
                        return change == null ? f : change.scaled(f);
                    }

                    @Override
                    public boolean isStochastic() {
                        return true;
                    }
                };
            }
            DifferentiableFunction f = new RegularizedObjective(dataLoss, penalty);
            return FunctionSequence.of(change == null ? f : change.scaled(f));
        }
        return new FunctionSequence() {
            @Override
            public DifferentiableFunction at(long iteration) {
                DifferentiableFunction f = new RegularizedObjective(dropout ? dataLoss.training(sampler, iteration, seed)
                        : dataLoss.batch(sampler, iteration), penalty);
                return change == null ? f : change.scaled(f);
            }

            @Override
            public boolean isStochastic() {
                return true;
            }
        };
    }

    /**
     * The mini-batches of --batch-fraction F (round(1/F) per epoch, drawn from --seed), or null for F = 1; exit 2
     * when the rows pack into fewer blocks than batches.
     */
    private MiniBatchSampler miniBatches(TrainingData data, double fraction) {
        if (fraction >= 1) {
            return null;
        }
        int perEpoch = MiniBatchSampler.batchesPerEpoch(fraction);
        long blocks = java.util.Arrays.stream(data.blocksPerPartition).sum();
        if (perEpoch > blocks) {
            boolean auto = settings.isAuto("block-rows");
            throw new SettingsException(String.format(Locale.ROOT, "--batch-fraction %s asks for %d mini-batches per"
                    + " epoch, but the %d rows to train on pack into only %d blocks (a batch is a set of whole"
                    + " blocks; %s). Use a --batch-fraction of at least 1/%d%s.", String.valueOf(fraction),
                    perEpoch, data.rows(), blocks, auto ? "blocks were made as small as the rows allow"
                    : "of at most --block-rows " + settings.get("block-rows") + " rows", blocks,
                    auto ? "" : ", or leave --block-rows auto to size blocks to the batches"));
        }
        return new MiniBatchSampler(settings.getLong("seed"), perEpoch, data.blocksPerPartition);
    }

    private StopCriteria criteria(OptimizerChoice choice, boolean stochastic) {
        StopCriteria c = StopCriteria.iterations(settings.getInt("max-iter"))
                .withGradientTolerance(settings.getDouble("tol"))
                .withRelativeGradientTolerance(settings.getDouble("rel-tol"))
                .withObjectiveTolerance(settings.getDouble("f-tol"), settings.getInt("f-window"));
        if (!settings.isNone("time-budget")) {
            c = c.withTimeBudget(settings.getDouble("time-budget"));
        }
        if (choice.fixedStep && !stochastic) {
            c = c.withMaxRises(settings.getInt("divergence-rises"));
        }
        if (!settings.isNone("validation") || settings.getDouble("validation-fraction") > 0) {
            c = c.withPatience(settings.getInt("patience"));
        }
        return c;
    }

    /** Loads --validation PATH with the training data's features and labels; null without it. */
    private TrainingData.Validation loadValidation(JavaSparkContext jsc, TrainingData data, Objective objective) {
        if (settings.isNone("validation")) {
            return null;
        }
        TrainingDataLoader.Options o = loaderOptions(settings);
        o.input = settings.get("validation");
        o.numFeatures = data.numFeatures;
        o.fixedLabels = data.labels;
        o.holdout = new Holdout(0, 0);
        o.featureMoments = false; // the change of variables uses the training rows' moments
        o.covarianceMaxFeatures = 0;
        jsc.setJobGroup(JOB_GROUP, "Downhill train: loading validation data " + o.input, false);
        TrainingData v = TrainingDataLoader.load(jsc, o);
        return new TrainingData.Validation(v.blocks, v.rows());
    }

    /** The report's data summary and settings, filled before training; the outcome is added at the end. */
    private TrainingReport report(TrainingData data, Objective objective, OptimizerChoice choice, double lipschitz,
                                  TrainingData.Validation validation) {
        TrainingReport r = new TrainingReport();
        Map<String, String> d = r.data();
        d.put("input", settings.get("input"));
        d.put("format", data.format);
        d.put("files", String.valueOf(data.files.files().size()));
        d.put("rows trained on", String.valueOf(data.rows()));
        if (validation != null) {
            d.put("validation rows", validation.rows + (settings.isNone("validation") ? " (held out by"
                    + " validation-fraction)" : " (from " + settings.get("validation") + ")"));
        }
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
        d.put("optimizer", choice.name);
        if (!Double.isNaN(choice.step)) {
            d.put("step", TrainingReport.number(choice.step) + (settings.isAuto("step") && choice.step
                    == 1.0 / lipschitz ? " (1/L, L = " + TrainingReport.number(lipschitz) + ")" : ""));
        }
        if (data.badRecords.total() > 0) {
            r.badRecords(data.badRecords.describe());
        }
        r.settings().putAll(settings.effective());
        r.outcome().put("objective", objective.cliName());
        return r;
    }

    /** Keeps the best parameters seen in OUTPUT/last-good-model.json and says what happened and what to try. */
    private DivergedException diverged(Minimizer.Result result, JavaSparkContext jsc, Objective objective, double l2,
                                       TrainingData data, int k, OptimizerChoice choice, ChangeOfVariables change,
                                       Architecture architecture)
            throws IOException {
        Minimizer.Best best = result.best();
        String kept = "";
        if (best != null) {
            double[] theta = change == null ? best.x() : change.toUser(best.x());
            TrainingResult lastGood = new TrainingResult(objective, l2, data.numFeatures, k,
                    data.labels.classLabels(), theta, best.iteration(), best.objective(), best.stationarity(),
                    StopReason.DIVERGED, choice.step, choice.name, settings.getDouble("l1"), architecture);
            String path = ModelFile.save(settings.require("output"), LAST_GOOD, lastGood,
                    jsc.hadoopConfiguration());
            kept = String.format(Locale.ROOT, " The best parameters seen (iteration %d, objective %.12g) are"
                    + " in %s; no model.json was written.", best.iteration(), best.objective(), path);
        }
        String advice = choice.fixedStep
                ? " The step " + choice.step + " is too large for this data: try a smaller --step"
                        + (settings.isAuto("step") ? "" : ", or leave it out (the default is safe for smooth"
                        + " objectives)") + ", or --optimizer gd-linesearch or lbfgs, whose line search picks"
                        + " the step."
                : " Check the data for extreme values.";
        return new DivergedException("training diverged at iteration " + result.state().iteration() + ": "
                + result.detail() + " (||grad f|| = " + result.gradientNorm() + ")." + advice + kept);
    }

    /**
     * The loader's options from train's settings: how to read the input, what to train, and which rows to
     * hold out. Shared with the Java API, which loads DataFrames with the same options.
     */
    public static TrainingDataLoader.Options loaderOptions(Settings settings) {
        TrainingDataLoader.Options o = new TrainingDataLoader.Options();
        InputSettings.apply(settings, o);
        o.objective = Objective.fromName(settings.require("objective"));
        o.partitions = settings.isAuto("partitions") ? 0 : settings.getInt("partitions");
        o.numFeatures = settings.isAuto("num-features") ? 0 : settings.getInt("num-features");
        o.numClasses = settings.isAuto("num-classes") ? null : settings.getInt("num-classes");
        o.binaryLabels = LabelEncoding.BinaryLabels.fromSetting(settings.get("binary-labels"));
        o.blockRows = ModelSettings.blockRows(settings, true);
        // With block-rows auto, blocks shrink on small data so that every mini-batch gets one (issue 16); an
        // auto fraction (networks) asks for batches of many blocks already.
        double batchFraction = settings.isAuto("batch-fraction") ? 1 : settings.getDouble("batch-fraction");
        o.minBlocks = batchFraction < 1 && settings.isAuto("block-rows")
                ? MiniBatchSampler.batchesPerEpoch(batchFraction) : 0;
        o.blockLayout = ModelSettings.blockLayout(settings);
        o.precision = "float32".equals(settings.get("feature-precision")) ? FeaturePrecision.FLOAT32
                : FeaturePrecision.FLOAT64;
        o.skipBadRecords = "skip".equals(settings.get("on-bad-record"));
        o.maxBadFraction = settings.getDouble("max-bad-fraction");
        // a sharded run takes its moments per slice on the executors, never d-sized on the driver
        o.featureMoments = settings.getBoolean("standardize") && !"sharded".equals(settings.get("aggregation"));
        o.covarianceMaxFeatures = Preconditioning.whiteningMaxFeatures(settings, o.objective);
        o.parametersOnExecutors = ShardedTraining.possible(settings, o.objective);
        o.covarianceMaxRowValues = Preconditioning.whiteningMaxRowValues(settings);
        o.holdout = new Holdout(settings.getLong("seed"), settings.isNone("validation")
                ? settings.getDouble("validation-fraction") : 0);
        return o;
    }

    private void printSummary(TrainingData data, Objective objective, double l2, OptimizerChoice choice,
                              double lipschitz, long maxIter, TrainingData.Validation validation) {
        int files = data.files.files().size();
        out.printf(Locale.ROOT, "data: %d rows x %d features (%s) from %d file%s; %d partitions, %d blocks"
                        + " (%d dense), %.1f MiB cached%n",
                data.rows(), data.numFeatures, data.format, files, files == 1 ? "" : "s", data.partitions,
                data.numBlocks, data.denseBlocks, data.payloadBytes / 1048576.0);
        if (validation != null) {
            out.printf(Locale.ROOT, "validation: %d rows%n", validation.rows);
        }
        if (data.labels.numClasses() > 0) {
            out.println("classes: " + data.labels.numClasses() + " (rows per label: "
                    + LabelEncoding.classCounts(data.summary, data.labels) + ")");
        }
        if (data.labels.note() != null) {
            out.println("note: " + data.labels.note());
        }
        String step = Double.isNaN(choice.step) ? "" : String.format(Locale.ROOT, ", step %.6g%s", choice.step,
                settings.isAuto("step") && choice.step == 1.0 / lipschitz
                        ? String.format(Locale.ROOT, " (1/L, L = %.6g)", lipschitz) : "");
        out.printf(Locale.ROOT, "objective %s, l2 %s%s, optimizer %s%s, max-iter %d, rel-tol %s%n",
                objective.cliName(), l2, settings.getDouble("l1") > 0 ? ", l1 " + settings.get("l1") : "",
                choice.name, step, maxIter, settings.get("rel-tol"));
    }
}
