package dev.downhill.driver.train;

import dev.downhill.core.loss.Loss;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.Architecture;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.optim.IterationListener;
import dev.downhill.core.optim.Minimizer;
import dev.downhill.core.optim.Optimizer;
import dev.downhill.core.optim.OptimizerState;
import dev.downhill.core.optim.RemoteFunction;
import dev.downhill.core.optim.ScheduledRule;
import dev.downhill.core.optim.StopCriteria;
import dev.downhill.core.optim.VectorFreeLBFGS;
import dev.downhill.core.optim.VectorFreeMinimizer;
import dev.downhill.core.sample.MiniBatchSampler;
import dev.downhill.driver.io.TrainingData;
import dev.downhill.driver.io.TrainingDataLoader;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import dev.downhill.driver.sharded.PullPlan;
import dev.downhill.driver.sharded.ShardedDataLoss;
import dev.downhill.driver.sharded.ShardedL1;
import dev.downhill.driver.sharded.ShardedMoments;
import dev.downhill.driver.sharded.ShardedObjective;
import dev.downhill.driver.sharded.ShardedRuleSlices;
import dev.downhill.driver.sharded.ShardedVector;
import dev.downhill.driver.sharded.ShardedVectors;
import dev.downhill.driver.sharded.SliceLayout;
import dev.downhill.driver.sharded.StandardizedObjective;
import dev.downhill.driver.spark.SparkDataLoss;
import dev.downhill.core.optim.StopReason;
import dev.downhill.driver.checkpoint.Checkpoint;
import dev.downhill.driver.checkpoint.CheckpointStore;
import dev.downhill.driver.checkpoint.CheckpointingRun;
import dev.downhill.driver.checkpoint.CorruptCheckpointException;
import dev.downhill.driver.checkpoint.ResumeRefusedException;
import dev.downhill.driver.sharded.ShardedCheckpoint;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * train's sharded path (--aggregation sharded, issue #14): the parameters and L-BFGS's vectors live on the
 * executors as {@link ShardedVector}s, the objective is {@link ShardedDataLoss} (under the tree path's diagonal
 * standardization when it has one, {@link StandardizedObjective}), and worker-core's vector-free L-BFGS
 * ({@link VectorFreeLBFGS}, Chen, Dai &amp; Xiao, NIPS 2014; with --l1 OWL-QN, its L1 steps on the slices through
 * {@link ShardedL1}) runs on handles with the tree path's stopping rules ({@link VectorFreeMinimizer}); the rules
 * with a step schedule (gd, adam, ...) run their elementwise update on each slice instead
 * ({@link ShardedRuleTraining}). TrainCommand calls it in one place, where it would run {@link Minimizer}.
 * Checkpoints are the tree path's ({@link CheckpointingRun}): the executors write the state's vectors
 * ({@link ShardedCheckpoint}), the driver the small manifest, and --resume reads them back on the executors.
 * Validation ({@link #validateOn}) is the held-out rows' mean loss through a second pull plan, early stopping and
 * the best iterate (a sharded copy, checkpointed) as on the tree path; --initial-model starts from a model read
 * onto the executors ({@link #startFrom}).
 */
final class ShardedTraining {
    static final String AGGREGATION = "aggregation";
    /**
     * The optimizers a sharded run has: vector-free L-BFGS, and the rules with a step schedule, whose elementwise
     * update runs on each slice ({@link ShardedRuleTraining}).
     */
    static final List<String> SHARDED_OPTIMIZERS = List.of("lbfgs", "gd", "momentum", "nesterov", "adagrad",
            "rmsprop", "adam", "adamw");
    /**
     * The sharded optimizers that take --l1: L-BFGS as OWL-QN (vector-free) and the rules that soft-threshold after
     * their update.
     */
    static final List<String> L1_OPTIMIZERS = List.of("lbfgs", "momentum", "adagrad", "rmsprop", "adam", "adamw");
    /** --slice-copies's default. */
    static final int DEFAULT_COPIES = 2;
    /** Parameters per slice that --shards auto aims at (8 MiB of float64). */
    static final int AUTO_SLICE_PARAMETERS = 1 << 20;

    private final JavaSparkContext jsc;
    private final PullPlan plan;
    private final ShardedDataLoss loss;
    /** L-BFGS pairs as formulas of the iterates and gradients they difference (the same memory, fewer copies). */
    private final ShardedVectors vectors;
    private final RemoteFunction<ShardedVector> function;
    private final StandardizedObjective standardized;
    /** The standardization's moments, or null without one. */
    private final ShardedMoments.Standardizing standardizing;
    private final VectorFreeLBFGS<ShardedVector> optimizer;
    private final LinearModel model;
    private final Loss dataLoss;
    /** The validation rows' plan and mean loss (no penalty), or null without validation. */
    private PullPlan heldOutPlan;
    private ShardedDataLoss heldOut;
    /** --initial-model's parameters in the user's coordinates, on the executors, or null to start at 0. */
    private ShardedVector initialTheta;
    /** The best-validation copy the loop keeps now (a checkpoint saves it), or null. */
    private ShardedVector best;
    /** --l1's lambda (0: none): OWL-QN's, or the rules' proximal step, on the slices. */
    private final double l1;

    /** What the run prints and reports as its aggregation. */
    final String description;

    private ShardedTraining(String description, JavaSparkContext jsc, PullPlan plan, ShardedDataLoss loss,
                            boolean standardize, LinearModel model, Loss dataLoss, double startCurvature,
                            int memory, double l1) {
        this.l1 = l1;
        this.description = description;
        this.model = model;
        this.dataLoss = dataLoss;
        this.jsc = jsc;
        this.plan = plan;
        this.loss = loss;
        this.vectors = new ShardedVectors(true);
        if (standardize) {
            this.standardizing = ShardedMoments.scaleAndMean(plan);
            this.standardized = new StandardizedObjective(loss, vectors, standardizing.scaleAndMean(),
                    model.numFeatures(), model.numOutputs());
            this.function = standardized;
        } else {
            this.standardizing = null;
            this.standardized = null;
            this.function = new ShardedObjective(loss, vectors);
        }
        // lbfgs's first trial as OptimizerChoice gives it: the inverse of the start curvature when known; with L1
        // OWL-QN, whose first trial is min(1, 1 / ||v||_1) as on the tree path
        ShardedRuleSlices.L1 penalty = l1Slices();
        this.optimizer = penalty != null
                ? VectorFreeLBFGS.orthantWise(vectors, memory, new ShardedL1(vectors, loss.layout(), penalty))
                : Double.isNaN(startCurvature) ? new VectorFreeLBFGS<>(vectors, memory)
                : VectorFreeLBFGS.withFirstTrial(vectors, memory, 1.0 / startCurvature);
    }

    /** Refuses (exit 2) settings --aggregation sharded does not support, before Spark starts. */
    static void validate(Settings s, Objective objective) {
        if (!"sharded".equals(s.get(AGGREGATION))) {
            // set away from their defaults (the config file names every setting)
            for (String key : List.of("shards", "slice-copies")) {
                boolean set = key.equals("shards") ? !s.isAuto(key) : s.getInt(key) != DEFAULT_COPIES;
                if (set && "tree".equals(s.get(AGGREGATION))) {
                    throw new SettingsException("--" + key + " applies to --aggregation sharded (or auto) only.");
                }
            }
            return;
        }
        String why = unsupported(s, objective);
        if (why != null) {
            throw new SettingsException("--aggregation sharded " + why);
        }
    }

    /** Why these settings cannot train with sharded aggregation, or null when they can. */
    static String unsupported(Settings s, Objective objective) {
        if (ModelSettings.family(s) != Architecture.Type.LINEAR) {
            return "trains linear models only, not --model " + s.get("model") + ".";
        }
        boolean batches = ModelSettings.batchFraction(s, -1) < 1;
        String optimizer = Settings.AUTO.equals(s.get("optimizer"))
                ? ModelSettings.defaultOptimizer(s, objective, batches) : s.get("optimizer");
        if (!SHARDED_OPTIMIZERS.contains(optimizer)) {
            return "runs --optimizer " + String.join(", ", SHARDED_OPTIMIZERS) + " only: --optimizer " + optimizer
                    + " is not supported" + (objective.isSmooth() ? "."
                    : " (--objective " + objective.cliName() + " is not smooth).");
        }
        if (s.getDouble("l1") > 0 && !L1_OPTIMIZERS.contains(optimizer)) {
            return "takes --l1 with --optimizer " + String.join(", ", L1_OPTIMIZERS) + " (OWL-QN or the proximal step"
                    + " on each slice), not with --optimizer " + optimizer + ".";
        }
        if ("whiten".equals(s.get("preconditioner"))) {
            return "does not support --preconditioner whiten (a d x d covariance on the driver); use diagonal.";
        }
        return null;
    }

    /** Whether train may choose the sharded path with these settings (so the loader must not refuse a large d). */
    static boolean possible(Settings s, Objective objective) {
        String a = s.get(AGGREGATION);
        return "sharded".equals(a) || (Settings.AUTO.equals(a) && unsupported(s, objective) == null);
    }

    /**
     * Whether to train sharded: --aggregation sharded, or auto when the tree path would take more than half the
     * driver's heap ({@link TrainingDataLoader#DRIVER_BYTES_PER_PARAMETER} a parameter) and the settings allow it.
     */
    static boolean chosen(Settings s, Objective objective, long parameters) {
        String a = s.get(AGGREGATION);
        if ("sharded".equals(a)) {
            return true;
        }
        return Settings.AUTO.equals(a) && unsupported(s, objective) == null
                && !TrainingDataLoader.fitsDriverComfortably(parameters);
    }

    /** --shards, with auto resolved: one slice per 2^20 parameters, at least one per data partition. */
    static int shards(Settings s, int parameters, int partitions) {
        int wanted = s.isAuto("shards")
                ? Math.max(partitions, (parameters + AUTO_SLICE_PARAMETERS - 1) / AUTO_SLICE_PARAMETERS)
                : s.getInt("shards");
        return Math.max(1, Math.min(wanted, parameters));
    }

    /**
     * Builds the sharded run (the pull plan, and with --standardize the moments: a pass each) for a model train
     * chose to shard ({@link #chosen}); {@code pre} comes from {@link Preconditioning#onExecutors}.
     */
    static ShardedTraining start(Settings s, JavaSparkContext jsc, TrainingData data, LinearModel model, Loss loss,
                                 double l2, Objective objective, Preconditioning pre, int numClasses) {
        int slices = shards(s, model.numParameters(), data.partitions);
        SliceLayout layout = new SliceLayout(model.numParameters(), slices);
        ShardedVector.configureThread(jsc, s.getInt("slice-copies"));
        jsc.setJobGroup(TrainCommand.JOB_GROUP, "Downhill train: pull plan of " + layout, false);
        PullPlan plan = PullPlan.build(data.blocks, data.numFeatures, model.numOutputs(), layout);
        ShardedDataLoss dataLoss = new ShardedDataLoss(plan, loss, new L2Penalty(l2, model));
        String description = String.format(Locale.ROOT, "sharded (%d parameters in %d slices on the executors;"
                + " partial gradients summed per slice in partition order)", model.numParameters(), slices);
        ShardedTraining run = new ShardedTraining(description, jsc, plan, dataLoss, pre.diagonalOnExecutors, model,
                loss, pre.startCurvature(objective, numClasses), s.getInt("lbfgs-memory"), s.getDouble("l1"));
        return run;
    }

    /**
     * The --l1 penalty as the slices apply it (weights only; under the standardization lambda s_j, from the scale
     * on the executors), or null without one.
     */
    ShardedRuleSlices.L1 l1Slices() {
        return l1 > 0 ? new ShardedRuleSlices.L1(l1, (long) model.numFeatures() * model.numOutputs(),
                standardizing == null ? null : standardizing.scale()) : null;
    }

    /**
     * Validates on {@code blocks} (the held-out rows): after every iteration the mean loss without penalty at the
     * iterate, in one value-only job over a second pull plan with this run's layout (and the training rows'
     * standardization); the best iterate is kept as a sharded copy and is the model {@link #run} returns.
     */
    void validateOn(org.apache.spark.api.java.JavaRDD<dev.downhill.core.data.DataBlock> blocks) {
        jsc.setJobGroup(TrainCommand.JOB_GROUP, "Downhill train: pull plan of the validation rows", false);
        heldOutPlan = PullPlan.build(blocks, model.numFeatures(), model.numOutputs(), plan.layout());
        heldOut = new ShardedDataLoss(heldOutPlan, dataLoss, new L2Penalty(0, model));
    }

    /**
     * Starts from {@code theta} (a warm start's model in the user's coordinates, in any slices): cut into this
     * run's slices and mapped to the optimizer's coordinates (u = A^{-1} theta) when the run starts. The run
     * releases it.
     */
    void startFrom(ShardedVector theta) {
        initialTheta = theta;
    }

    /** u_0: 0, or the warm start's theta in this run's slices and coordinates. */
    ShardedVector startingPoint() {
        if (initialTheta == null) {
            return ShardedVector.zeros(jsc, loss.layout());
        }
        jsc.setJobGroup(TrainCommand.JOB_GROUP, "Downhill train: initial model onto the slices", false);
        ShardedVector theta = initialTheta.resliced(loss.layout());
        ShardedVector u = standardized == null ? theta : standardized.fromUser(theta);
        u.materialize();
        if (u != theta) {
            theta.release();
        }
        if (initialTheta != theta && initialTheta != u) {
            initialTheta.release();
        }
        initialTheta = null;
        return u;
    }

    /** Whether the run validates ({@link #validateOn}). */
    boolean validates() {
        return heldOut != null;
    }

    /** The held-out rows' mean loss at u (the optimizer's coordinates). */
    double validationLoss(ShardedVector u) {
        jsc.setJobGroup(TrainCommand.JOB_GROUP, "Downhill train: validation loss", false);
        return standardized != null ? standardized.meanLoss(heldOut, u)
                : ((ShardedObjective) function).meanLoss(heldOut, u);
    }

    /** Manifest scalars of a sharded checkpoint: the layout its slice files were cut by. */
    static final String CHECKPOINT_PARAMETERS = CheckpointStore.MANIFEST_PREFIX + "parameters";
    static final String CHECKPOINT_SLICES = CheckpointStore.MANIFEST_PREFIX + "slices";
    /** 1 when the checkpoint holds the best-validation copy (vector "best"). */
    static final String CHECKPOINT_BEST = CheckpointStore.MANIFEST_PREFIX + "best";

    /** The names of the vectors a checkpoint holds: x, the gradient, then s and y of each stored pair by slot. */
    private List<String> vectorNames(OptimizerState small) {
        List<String> names = new ArrayList<>(List.of("x", "gradient"));
        for (int slot : optimizer.storedSlots(small)) {
            names.add("s-" + slot);
            names.add("y-" + slot);
        }
        return names;
    }

    /** The executors write the state's vectors to {@code folder}; the layout goes into the manifest. */
    private void save(VectorFreeLBFGS.State<ShardedVector> state, Path folder, OptimizerState manifest,
                      Configuration conf) throws IOException {
        List<String> names = vectorNames(state.small());
        List<ShardedVector> handles = new ArrayList<>(List.of(state.x(), state.gradient()));
        for (int slot : optimizer.storedSlots(state.small())) {
            handles.add(state.sBySlot().get(slot));
            handles.add(state.yBySlot().get(slot));
        }
        writeCheckpoint(folder, state.iteration(), names, handles, best, manifest, conf);
    }

    /**
     * The executors write {@code handles} (named {@code names}) and the best-validation copy (or null) to
     * {@code folder}; the layout goes into the manifest.
     */
    void writeCheckpoint(Path folder, long iteration, List<String> names, List<ShardedVector> handles,
                         ShardedVector bestCopy, OptimizerState manifest, Configuration conf) throws IOException {
        names = new ArrayList<>(names);
        handles = new ArrayList<>(handles);
        if (bestCopy != null) { // so --resume continues early stopping from the same best iterate
            names.add("best");
            handles.add(bestCopy);
        }
        jsc.setJobGroup(TrainCommand.JOB_GROUP, "Downhill train: checkpoint of iteration " + iteration, false);
        ShardedCheckpoint.write(folder, iteration, names, handles, conf);
        manifest.putScalar(CHECKPOINT_PARAMETERS, loss.layout().numParameters());
        manifest.putScalar(CHECKPOINT_SLICES, loss.layout().numSlices());
        manifest.putScalar(CHECKPOINT_BEST, bestCopy != null ? 1 : 0);
    }

    /**
     * The state of a sharded checkpoint: its small state, and its vectors read back by the executors (refused when
     * it is the tree path's, or cut into other slices than this run's).
     */
    private VectorFreeLBFGS.State<ShardedVector> restore(Checkpoint c, Path folder, Configuration conf)
            throws IOException {
        OptimizerState small = CheckpointingRun.optimizerState(c);
        List<ShardedVector> v = readCheckpoint(c, folder, vectorNames(small), conf);
        List<ShardedVector> s = new ArrayList<>(Collections.nCopies(optimizer.history(), null));
        List<ShardedVector> y = new ArrayList<>(Collections.nCopies(optimizer.history(), null));
        int at = 2;
        for (int slot : optimizer.storedSlots(small)) {
            s.set(slot, v.get(at++));
            y.set(slot, v.get(at++));
        }
        best = at < v.size() ? v.get(at) : null;
        return optimizer.restore(small, v.get(0), v.get(1), s, y);
    }

    /**
     * The vectors {@code names} of a sharded checkpoint, then its best-validation copy when it holds one, read back
     * by the executors; refused when the checkpoint is the tree path's, cut into other slices than this run's,
     * written with other validation settings, or incomplete.
     */
    List<ShardedVector> readCheckpoint(Checkpoint c, Path folder, List<String> vectorNames, Configuration conf)
            throws IOException {
        SliceLayout layout = loss.layout();
        if (!CheckpointingRun.isSharded(c)) {
            throw new ResumeRefusedException("cannot resume from the checkpoint of iteration " + c.iteration()
                    + ": it was written by the tree path (--aggregation tree), and this run trains sharded. Resume"
                    + " with --aggregation tree, or train without --resume to start afresh.");
        }
        long n = (long) c.state().scalar(CHECKPOINT_PARAMETERS, -1);
        long slices = (long) c.state().scalar(CHECKPOINT_SLICES, -1);
        if (n != layout.numParameters() || slices != layout.numSlices()) {
            throw new ResumeRefusedException("cannot resume from the checkpoint of iteration " + c.iteration()
                    + ": it holds " + n + " parameters in " + slices + " slices, this run " + layout + ". Resume"
                    + " with --shards " + slices + ", or train without --resume to start afresh.");
        }
        List<String> names = new ArrayList<>(vectorNames);
        boolean hasBest = c.state().scalar(CHECKPOINT_BEST, 0) == 1;
        if (hasBest) {
            names.add("best");
        }
        if (hasBest != (heldOut != null)) {
            throw new ResumeRefusedException("cannot resume from the checkpoint of iteration " + c.iteration()
                    + ": it was written " + (hasBest ? "with" : "without") + " validation and this run "
                    + (heldOut != null ? "validates" : "does not validate") + ". Resume with the same --validation"
                    + " settings, or train without --resume to start afresh.");
        }
        String why = ShardedCheckpoint.incomplete(folder.getFileSystem(conf), folder, names, layout);
        if (why != null) {
            throw new CorruptCheckpointException("cannot resume from the checkpoint of iteration " + c.iteration()
                    + ": " + why + ". Move it out of the checkpoints folder to resume from an older one.");
        }
        return ShardedCheckpoint.read(jsc, folder, c.iteration(), names, layout, conf);
    }

    /** The objective the optimizer minimizes (in its coordinates), one data pass per evaluation. */
    RemoteFunction<ShardedVector> function() {
        return function;
    }

    /**
     * The bound L of the gradient's Lipschitz constant in the standardized coordinates, as the tree path's
     * {@code Standardization.lipschitz} (for --step auto's 1/L), or {@code unstandardized} without standardization.
     */
    double lipschitz(double curvatureBound, double lambda, double unstandardized) {
        return standardizing == null ? unstandardized : standardizing.lipschitz(curvatureBound, lambda);
    }

    /** The run's vector operations on the slices (combinations, dot products, releases). */
    ShardedVectors vectors() {
        return vectors;
    }

    /** The slices' layout. */
    SliceLayout layout() {
        return loss.layout();
    }

    JavaSparkContext sparkContext() {
        return jsc;
    }

    /** What tells the data loss iteration k's mini-batch of {@code sampler} (nothing for null: the full batch). */
    LongConsumer batches(MiniBatchSampler sampler) {
        return sampler == null ? iteration -> { } : iteration -> loss.useBatch(sampler, iteration);
    }

    /** The evaluations' timing since the previous call, for the progress lines. */
    SparkDataLoss.Timing takeTiming() {
        return loss.takeTiming();
    }

    /**
     * The run's end: its figures (with empty x and gradient arrays), theta on the executors, and for a run on
     * mini-batches f and ||grad f|| at theta on the full batch ({@link #fullObjective}; NaN otherwise).
     */
    record Outcome(Minimizer.Result result, ShardedVector theta, double fullValue, double fullGradientNorm) {
        Outcome(Minimizer.Result result, ShardedVector theta) {
            this(result, theta, Double.NaN, Double.NaN);
        }
    }

    /**
     * f and ||grad f|| at {@code theta} (the user's coordinates) over every block, in one job: what model.json
     * records after a run on mini-batches, whose last value is a batch's (the tree path's full pass). The norm's
     * squares are summed per slice, then in slice order.
     */
    double[] fullObjective(ShardedVector theta) {
        loss.useBatch(null, 0);
        ShardedDataLoss.Evaluation e = loss.valueAndGradient(theta,
                new RemoteFunction.Products<>(List.of(), List.of(), new int[] {0}, new int[] {0}), false);
        e.gradient.release();
        return new double[] {e.value, Math.sqrt(e.products[0][0])};
    }

    /**
     * Runs vector-free L-BFGS from u = 0 (theta = 0 in the user's coordinates, as the tree path starts), or from the
     * checkpoint {@code checkpoints} restored, until the criteria stop it, telling {@code progress} of each
     * iteration and writing a checkpoint every --checkpoint-every iterations and at the end (the executors write
     * the vectors, the driver the manifest). With {@link #validateOn} the iterate of best validation loss, else the
     * final iterate, in the user's coordinates, stays on the executors
     * (the caller releases it once the model is written); every other handle and cache is released. The change of
     * variables is done: the caller must not apply one again. {@code rule}: the run's optimizer; a
     * {@link ScheduledRule} runs sliced ({@link ShardedRuleTraining}), anything else is L-BFGS. {@code sampler}: a
     * rule's mini-batches (iteration k evaluates batch k), or null for the full batch.
     */
    Outcome run(StopCriteria criteria, IterationListener progress, CheckpointingRun checkpoints,
                CheckpointingRun.HistorySink history, Optimizer rule, MiniBatchSampler sampler) throws IOException {
        if (rule instanceof ScheduledRule scheduled) { // gd, momentum, nesterov, adagrad, rmsprop, adam, adamw
            return new ShardedRuleTraining(this, scheduled, sampler).run(criteria, progress, checkpoints, history);
        }
        if (sampler != null) { // settings refuse it before: a line search compares values of one function
            throw new IllegalStateException("L-BFGS on mini-batches");
        }
        VectorFreeLBFGS.State<ShardedVector> state = null;
        VectorFreeMinimizer.Result<ShardedVector> r = null;
        Configuration conf = jsc.hadoopConfiguration();
        try {
            Checkpoint from = checkpoints.restored();
            if (from == null) {
                state = optimizer.initialize(function, startingPoint());
                checkpoints.startHistory(new Checkpoint.Point(0, state.objective(), state.stationarity()), history);
            } else {
                state = restore(from, checkpoints.restoredSlices(), conf);
                checkpoints.startHistory(null, history);
            }
            VectorFreeLBFGS.State<ShardedVector> running = state;
            checkpoints.writeSlicesWith((folder, manifest) -> save(running, folder, manifest, conf));
            IterationListener listener = checkpoints.around(progress);
            loss.takeTiming(); // the first iteration's split should not include the starting pass
            VectorFreeMinimizer<ShardedVector> loop = new VectorFreeMinimizer<>(optimizer, criteria);
            // without validation the final iterate is the best: no copy (a job per iteration) is kept
            r = (heldOut == null ? loop.withoutBestCopy() : loop).run(function, state,
                    new VectorFreeMinimizer.Listener<>() {
                        @Override
                        public void iterationDone(VectorFreeLBFGS.State<ShardedVector> st,
                                                  IterationListener.IterationReport report) {
                            listener.iterationDone(st.small(), report);
                        }

                        @Override
                        public void bestKept(ShardedVector kept) {
                            best = kept;
                        }
                    }, heldOut == null ? null : this::validationLoss, best);
            best = r.best();
            if (r.reason() != StopReason.DIVERGED) {
                checkpoints.writeFinal(r.state().small()); // now: the vectors are released below
            }
            OptimizerState small = r.state().small();
            // the model in the user's coordinates (theta = A u), or a copy of u that outlives the state's release
            // with validation the model is the best iterate, as the tree path writes
            ShardedVector u = heldOut != null && best != null && r.reason() != StopReason.DIVERGED ? best
                    : r.state().x();
            Outcome end = new Outcome(figures(small, r.reason(), r.gradientNorm(), r.objective(), r.detail()),
                    model(u));
            return end;
        } finally {
            if (r != null) {
                r.state().release(vectors);
            } else if (state != null) {
                state.release(vectors);
            }
            if (best != null) {
                vectors.release(best);
                best = null;
            }
            releaseRun();
        }
    }

    /** The model theta = A u in the user's coordinates (a copy of u without standardization), computed now. */
    ShardedVector model(ShardedVector u) {
        ShardedVector theta = standardized == null ? ShardedVector.combine(new double[] {1.0}, List.of(u))
                : standardized.toUser(u);
        theta.materialize();
        return theta;
    }

    /**
     * What train reports of a run ended on a small state: its figures, no d-sized arrays on the driver; with
     * validation (and no divergence) the best iterate is the model, held on the executors.
     */
    Minimizer.Result figures(OptimizerState small, StopReason reason, double gradientNorm, double objective,
                             String detail) {
        OptimizerState figures = new OptimizerState(new double[0], small.value(), new double[0]);
        figures.setIteration(small.iteration());
        figures.addEvaluations(small.evaluations() - figures.evaluations());
        figures.setLastStepSize(small.lastStepSize());
        for (Map.Entry<String, Double> e : small.scalars().entrySet()) {
            figures.putScalar(e.getKey(), e.getValue());
        }
        return heldOut != null && reason != StopReason.DIVERGED
                ? Minimizer.resultWithBestElsewhere(figures, reason, gradientNorm, objective, detail)
                : Minimizer.result(figures, reason, gradientNorm, objective, detail);
    }

    /** Releases the run's plans and caches. */
    void releaseRun() {
        if (heldOutPlan != null) {
            heldOutPlan.release();
        }
        if (initialTheta != null) { // resumed: the checkpoint's point was taken instead
            initialTheta.release();
        }
        if (standardized != null) {
            standardized.release();
        }
        plan.release();
        ShardedVector.configureThread(jsc, 0);
    }
}
