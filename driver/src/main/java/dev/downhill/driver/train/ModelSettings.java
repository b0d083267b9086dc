package dev.downhill.driver.train;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.ActivationFunction;
import dev.downhill.core.model.Architecture;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import java.util.Arrays;

/**
 * train's settings for the model family, read in this one place: --model, --hidden, --activation,
 * --negative-slope and --dropout become an {@link Architecture} (worker-core builds the model from it), and the
 * defaults that depend on the family (--optimizer, --batch-fraction and --block-rows auto) are resolved here.
 *
 * <p>Network defaults, and why: Adam (Kingma and Ba, 2015) with its usual step 1e-3 on mini-batches of about
 * {@link #NETWORK_BATCH_ROWS} rows is what a practitioner trusts for a network's non-convex objective (L-BFGS on
 * the full batch stays available with --optimizer lbfgs); blocks of {@link #NETWORK_BLOCK_ROWS} rows keep a
 * mini-batch (a set of whole blocks) that small while each block is still a large matrix product.
 */
public final class ModelSettings {
    /** Rows per mini-batch that --batch-fraction auto aims at for networks. */
    public static final int NETWORK_BATCH_ROWS = 2048;
    public static final int NETWORK_BLOCK_ROWS = 512;
    public static final int LINEAR_BLOCK_ROWS = 4096;

    private ModelSettings() {}

    /** train --model: linear unless mlp is given. */
    public static Architecture.Type family(Settings s) {
        String m = s.get("model");
        if (m == null) {
            return Architecture.Type.LINEAR;
        }
        try {
            return Architecture.Type.fromName(m);
        } catch (IllegalArgumentException e) {
            throw new SettingsException("--model " + m + " is not a model family train knows: use linear or mlp."
                    + " (evaluate and predict take --model DIR, the folder train wrote.)");
        }
    }

    public static boolean isNetwork(Settings s) {
        return family(s) == Architecture.Type.MLP;
    }

    /** Checks the family's settings before Spark starts; every error names the setting. */
    public static void validate(Settings s, Objective objective) {
        boolean network = isNetwork(s);
        if (!network) {
            if (!s.isNone("hidden")) {
                throw new SettingsException("--hidden applies to --model mlp only (the model is linear); add"
                        + " --model mlp to train a network.");
            }
            if (!s.isAuto("activation")) {
                throw new SettingsException("--activation applies to --model mlp only (the model is linear).");
            }
            if (s.getDouble("dropout") > 0) {
                throw new SettingsException("--dropout applies to --model mlp only (the model is linear).");
            }
            return;
        }
        hidden(s);
        activation(s);
        if (objective == Objective.HINGE) {
            throw new SettingsException("--model mlp trains softmax, logistic and least-squares; hinge is for"
                    + " linear models.");
        }
        String optimizer = s.get("optimizer");
        if (s.getDouble("dropout") > 0 && !Settings.AUTO.equals(optimizer)
                && !OptimizerChoice.STOCHASTIC.contains(optimizer)) {
            throw new SettingsException("--dropout makes every iteration's objective different (new masks), so"
                    + " --optimizer " + optimizer + ", which compares objectives across steps, cannot use it. Use"
                    + " adam (the default for networks) or another of "
                    + String.join(", ", new java.util.TreeSet<>(OptimizerChoice.STOCHASTIC)) + ", or --dropout 0.");
        }
        if (s.getDouble("l1") > 0) {
            throw new SettingsException("--l1 applies to linear models; a network takes --l2 (on its weights,"
                    + " never its biases) or --optimizer adamw's decoupled --weight-decay.");
        }
        if ("whiten".equals(s.get("preconditioner"))) {
            throw new SettingsException("--preconditioner whiten applies to linear models; a network's inputs are"
                    + " standardized (the diagonal scaling, folded into its first layer when saved).");
        }
    }

    /** The widths --hidden lists. */
    static int[] hidden(Settings s) {
        if (s.isNone("hidden")) {
            throw new SettingsException("--model mlp needs --hidden, the hidden layers' widths, e.g. --hidden 128"
                    + " or --hidden 256,128.");
        }
        String text = s.get("hidden").trim();
        String[] parts = text.split(",", -1);
        int[] widths = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                widths[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                widths[i] = -1;
            }
            if (widths[i] < 1) {
                throw new SettingsException("--hidden " + text + ": each width must be a positive integer"
                        + " (comma-separated, e.g. 256,128); '" + parts[i].trim() + "' is not.");
            }
        }
        return widths;
    }

    static ActivationFunction activation(Settings s) {
        if (s.isAuto("activation")) {
            return ActivationFunction.RELU;
        }
        try {
            return ActivationFunction.fromName(s.get("activation"));
        } catch (IllegalArgumentException e) {
            throw new SettingsException("--activation " + s.get("activation") + " is not an activation: use one of "
                    + ActivationFunction.names() + ".");
        }
    }

    /** The architecture train builds for d features and k outputs. */
    public static Architecture architecture(Settings s, int numFeatures, int numOutputs) {
        if (!isNetwork(s)) {
            return Architecture.linear(numFeatures, numOutputs);
        }
        return Architecture.mlp(numFeatures, hidden(s), activation(s), s.getDouble("negative-slope"), numOutputs,
                s.getDouble("dropout"));
    }

    /** --optimizer auto: adam for networks and for mini-batches, else lbfgs (gd for hinge). */
    static String defaultOptimizer(Settings s, Objective objective, boolean batches) {
        if (isNetwork(s) || batches) {
            return "adam";
        }
        return objective == Objective.HINGE ? "gd" : "lbfgs";
    }

    /**
     * --batch-fraction, with auto resolved: 1 for linear models and for rules that need the full gradient; for
     * networks about {@link #NETWORK_BATCH_ROWS} rows per batch out of {@code rows} (1 when the data is no larger,
     * or when rows is not known yet, {@code rows < 0}: then only whether batches are used is asked).
     */
    public static double batchFraction(Settings s, long rows) {
        if (!s.isAuto("batch-fraction")) {
            return s.getDouble("batch-fraction");
        }
        String optimizer = s.get("optimizer");
        boolean fullGradient = !Settings.AUTO.equals(optimizer) && !OptimizerChoice.STOCHASTIC.contains(optimizer);
        if (!isNetwork(s) || fullGradient) {
            return 1.0;
        }
        if (rows < 0) {
            return 0.5; // stands for "mini-batches" until the row count is known
        }
        long batches = Math.max(1, Math.round((double) rows / NETWORK_BATCH_ROWS));
        return batches == 1 ? 1.0 : 1.0 / batches;
    }

    /** --block-rows, with auto resolved for the command (train with a network: small blocks). */
    public static int blockRows(Settings s, boolean training) {
        if (!s.isAuto("block-rows")) {
            return s.getInt("block-rows");
        }
        return training && isNetwork(s) ? NETWORK_BLOCK_ROWS : LINEAR_BLOCK_ROWS;
    }

    /**
     * How training packs blocks: by the cost of matrix products for networks (half-zero data is faster dense
     * there), by bytes for linear models (whose passes read each stored value once).
     */
    public static dev.downhill.core.data.BlockLayout blockLayout(Settings s) {
        return isNetwork(s) ? dev.downhill.core.data.BlockLayout.FOR_MATRIX_PRODUCTS
                : dev.downhill.core.data.BlockLayout.SMALLEST;
    }

    /** For messages: "mlp --hidden 256,128". */
    static String describe(int[] hidden) {
        return Arrays.toString(hidden);
    }
}
