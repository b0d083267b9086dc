package dev.downhill.driver.train;

import dev.downhill.core.data.FeatureCovariance;
import dev.downhill.core.data.FeatureMoments;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.model.Model;
import dev.downhill.core.objective.ChangeOfVariables;
import dev.downhill.core.objective.CurvatureCovariance;
import dev.downhill.core.objective.Standardization;
import dev.downhill.core.objective.Whitening;
import dev.downhill.driver.io.TrainingData;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import dev.downhill.driver.spark.FeatureMomentsPass;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Which change of variables train optimizes in (--standardize, --preconditioner): none, the diagonal
 * {@code Standardization}, or {@code Whitening} by the features' covariance. Whitening mixes coordinates, so
 * it needs a smooth objective (a curvature at the start) and no L1 penalty (which would stop being
 * separable); it costs a d x d covariance in the loading pass, so auto keeps it to moderate d and rows with
 * few stored values.
 */
final class Preconditioning {
    /** auto whitens up to this many features (the driver's transforms cost O(d^2) per output). */
    static final int AUTO_MAX_FEATURES = 1024;
    /**
     * ... and up to this many stored values per row: a row's outer products cost s^2 / 2, about s / 4 gradient
     * passes' arithmetic, paid once while loading (dense 512 features; MNIST's 150 non-zeros of 784).
     */
    static final int AUTO_MAX_ROW_VALUES = 512;
    /** --preconditioner whiten refuses more features than this (the driver factors a d x d matrix). */
    static final int MAX_FEATURES = 4096;
    /**
     * Re-whitening per class keeps K d x d matrices (each task's partial sums, then the driver's factors): at most
     * this many values (2^24, 128 MiB), else one shared matrix. MNIST's 10 x 784^2 is 6.1 million.
     */
    static final long PER_CLASS_MAX_VALUES = 1L << 24;

    /** The change of variables, or null for none. */
    final ChangeOfVariables change;
    /** What the run prints and reports as its preconditioner. */
    final String description;
    /** Distributed passes it took beyond loading (0 when its statistics came with the cache). */
    final int passes;

    /** Whether the model is linear: the start-curvature facts below hold for linear models only. */
    private final boolean linear;
    /**
     * The diagonal standardization with its scales and centers on the executors (--aggregation sharded): no
     * change object on the driver; the sharded run builds it from the data ({@code ShardedMoments}).
     */
    final boolean diagonalOnExecutors;

    private Preconditioning(ChangeOfVariables change, String description, int passes) {
        this(change, description, passes, true);
    }

    private Preconditioning(ChangeOfVariables change, String description, int passes, boolean linear) {
        this(change, description, passes, linear, false);
    }

    private Preconditioning(ChangeOfVariables change, String description, int passes, boolean linear,
                            boolean diagonalOnExecutors) {
        this.diagonalOnExecutors = diagonalOnExecutors;
        this.change = change;
        this.description = description;
        this.passes = passes;
        this.linear = linear;
    }

    /**
     * The Hessian's scale at the start along the coordinates the optimizer sees: 1 when whitened (exactly the
     * identity), l''(0) when standardized (the diagonal, exact for uncorrelated features), NaN without a change
     * of variables or a curvature (hinge).
     */
    double startCurvature(Objective objective, int numClasses) {
        if (!linear) {
            return Double.NaN; // a network's curvature at its random start is not l''(0)
        }
        if (change instanceof Whitening) {
            return 1.0;
        }
        return change instanceof Standardization || diagonalOnExecutors ? objective.curvatureAtStart(numClasses)
                : Double.NaN;
    }

    /**
     * Whitening when the settings and d allow it and the covariance factors, else the diagonal
     * standardization (with --standardize true), else none. The statistics come from the loading pass when
     * it took them.
     */
    static Preconditioning choose(Settings s, JavaSparkContext jsc, TrainingData data, Model model,
                                  Objective objective, double l2) {
        boolean linear = model instanceof LinearModel;
        if (model.architecture().type() == dev.downhill.core.model.Architecture.Type.CUSTOM) {
            // Standardization folds into a first affine layer; a user's model has no layout to fold it into.
            return new Preconditioning(null, "none (a --model-class model sees the raw features)", 0, false);
        }
        if (!s.getBoolean("standardize")) {
            return new Preconditioning(null, "none (--standardize false)", 0);
        }
        checkFeatures(s, data.numFeatures);
        int passes = 0;
        String why = "center and scale each feature";
        if (data.covarianceWanted && model instanceof LinearModel linearModel) {
            FeatureCovariance covariance = data.covariance;
            if (covariance == null) { // too large to collect per partition while loading
                jsc.setJobGroup(TrainCommand.JOB_GROUP, "Downhill train: feature covariance", false);
                covariance = FeatureMomentsPass.covariance(data.blocks, data.numFeatures);
                passes++;
            }
            Whitening w = Whitening.of(linearModel, covariance.mean(), covariance.covariance(),
                    objective.curvatureAtStart(data.labels.numClasses()), l2);
            if (w != null) {
                return new Preconditioning(w, String.format(Locale.ROOT, "whiten (covariance of %d features,"
                        + " ridge %.0e)", data.numFeatures, w.ridge()), passes);
            }
            why = "the covariance has non-finite values or no Cholesky factor";
        }
        FeatureMoments moments = data.moments;
        if (moments == null) { // loaded without them (a caller's own options)
            jsc.setJobGroup(TrainCommand.JOB_GROUP, "Downhill train: feature means and deviations", false);
            moments = FeatureMomentsPass.compute(data.blocks, data.numFeatures);
            passes++;
        }
        return new Preconditioning(new Standardization(model, moments.means(), moments.standardDeviations()),
                "diagonal (" + (linear ? why : "the network's first layer sees standardized features") + ")",
                passes, linear);
    }

    /**
     * The iteration after which train re-whitens at the current parameters (--rewhiten-at), or 0 when it does not:
     * only a whitened linear model trained by lbfgs on full batches, and only for a loss whose curvature changes
     * with the parameters (logistic, softmax; least squares' is constant, so re-whitening would repeat the start's).
     */
    int rewhitenAt(Settings s, Objective objective, String optimizer, boolean stochastic) {
        boolean fits = change instanceof Whitening && linear && "lbfgs".equals(optimizer) && !stochastic
                && (objective == Objective.LOGISTIC || objective == Objective.SOFTMAX);
        return fits ? s.getInt("rewhiten-at") : 0;
    }

    /**
     * The whitening by the curvature-weighted covariance at the user's parameters {@code theta}: one distributed
     * pass ({@link CurvatureCovariance}), for softmax with {@code perClass} one matrix per class; null when it has
     * no factor or no curvature is left.
     */
    static Whitening rewhiten(JavaSparkContext jsc, TrainingData data, LinearModel model, Objective objective,
                              double l2, double[] theta, boolean perClass) {
        jsc.setJobGroup(TrainCommand.JOB_GROUP, "Downhill train: curvature-weighted covariance", false);
        CurvatureCovariance c = FeatureMomentsPass.curvatureCovariance(data.blocks, model, objective, theta,
                byClass(perClass, objective, model));
        return c.whitening(model, l2);
    }

    /**
     * Whether the re-whitening takes one matrix per class: softmax with --rewhiten-per-class, while the K matrices of
     * d x d (K times the shared one's memory, on each task and on the driver) stay within PER_CLASS_MAX_VALUES.
     */
    static boolean byClass(boolean perClass, Objective objective, LinearModel model) {
        long d = model.numFeatures();
        return perClass && objective == Objective.SOFTMAX && model.numOutputs() * d * d <= PER_CLASS_MAX_VALUES;
    }

    /**
     * A sharded run's change of variables: the diagonal standardization with --standardize true, its moments
     * taken by the run on the executors (one pass), else none.
     */
    static Preconditioning onExecutors(Settings s) {
        if (!s.getBoolean("standardize")) {
            return new Preconditioning(null, "none (--standardize false)", 0);
        }
        return new Preconditioning(null, "diagonal (center and scale each feature; moments summed per slice on the"
                + " executors)", 1, true, true);
    }

    /** Refuses impossible combinations before Spark starts. */
    static void validate(Settings s, Objective objective) {
        if (!"whiten".equals(s.get("preconditioner"))) {
            return;
        }
        if (!s.getBoolean("standardize")) {
            throw new SettingsException("--preconditioner whiten needs --standardize true (false trains in the"
                    + " user's coordinates, with no change of variables).");
        }
        if (!objective.isSmooth()) {
            throw new SettingsException("--preconditioner whiten needs a smooth objective (it scales by the"
                    + " loss's curvature); --objective " + objective.cliName() + " is not. Use diagonal.");
        }
        if (s.getDouble("l1") > 0) {
            throw new SettingsException("--preconditioner whiten mixes the coordinates, so the --l1 penalty would"
                    + " no longer be separable; use --preconditioner diagonal (the default with --l1).");
        }
    }

    /** The most features whitening applies to under these settings; 0 when it does not apply. */
    static int whiteningMaxFeatures(Settings s, Objective objective) {
        String kind = s.get("preconditioner");
        if (!s.getBoolean("standardize") || "diagonal".equals(kind) || ModelSettings.isNetwork(s)
                || "sharded".equals(s.get(ShardedTraining.AGGREGATION))) {
            return 0;
        }
        if ("whiten".equals(kind)) {
            return MAX_FEATURES;
        }
        boolean fits = objective.isSmooth() && s.getDouble("l1") == 0 && ModelSettings.batchFraction(s, -1) >= 1;
        return fits ? AUTO_MAX_FEATURES : 0;
    }

    /** The most stored values per row (on average) whitening applies to; auto keeps the covariance cheap. */
    static double whiteningMaxRowValues(Settings s) {
        return "whiten".equals(s.get("preconditioner")) ? Double.POSITIVE_INFINITY : AUTO_MAX_ROW_VALUES;
    }

    /** Whether d features are too many for an explicit --preconditioner whiten. */
    static void checkFeatures(Settings s, int numFeatures) {
        if ("whiten".equals(s.get("preconditioner")) && numFeatures > MAX_FEATURES) {
            throw new SettingsException("--preconditioner whiten factors a d x d covariance on the driver and takes"
                    + " at most " + MAX_FEATURES + " features; this data has " + numFeatures + ". Use"
                    + " --preconditioner diagonal.");
        }
    }
}
