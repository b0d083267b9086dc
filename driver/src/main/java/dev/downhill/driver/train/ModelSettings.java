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

    /** train --model: linear unless mlp is given; custom with --model-class. */
    public static Architecture.Type family(Settings s) {
        String m = s.get("model");
        if (!s.isNone("model-class")) {
            if (m != null && !"custom".equalsIgnoreCase(m.trim())) {
                throw new SettingsException("give --model-class (your own model) or --model " + m + ", not both.");
            }
            return Architecture.Type.CUSTOM;
        }
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

    /** Networks: mlp, and a --model-class model (trained with the same defaults). */
    public static boolean isNetwork(Settings s) {
        Architecture.Type t = family(s);
        return t == Architecture.Type.MLP || t == Architecture.Type.CUSTOM;
    }

    /** Whether --check-gradient (auto: for --model-class only) asks for the gradient check before training. */
    public static boolean checkGradient(Settings s) {
        String v = s.get("check-gradient");
        return "on".equals(v) || (Settings.AUTO.equals(v) && family(s) == Architecture.Type.CUSTOM);
    }

    /**
     * --model-class: the class is found (in --jars or on the classpath) and checked to be a CustomModel with the
     * constructor (int, int), without building it (its sizes come from the data).
     */
    static void validateCustom(Settings s) {
        if (!s.isNone("hidden") || !s.isAuto("activation") || s.getDouble("dropout") > 0) {
            throw new SettingsException("--hidden, --activation and --dropout apply to --model mlp; a --model-class"
                    + " model declares its own layers.");
        }
        dev.downhill.core.custom.CustomModel.load(s.get("model-class").trim());
    }

    /** Checks the family's settings before Spark starts; every error names the setting. */
    public static void validate(Settings s, Objective objective) {
        boolean network = isNetwork(s);
        if (family(s) == Architecture.Type.CUSTOM) {
            validateCustom(s);
        }
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
        if (family(s) == Architecture.Type.MLP) {
            int[] widths = hidden(s);
            activation(s);
            checkHiddenFits(widths, Runtime.getRuntime().maxMemory());
        }
        if (objective == Objective.HINGE) {
            throw new SettingsException("networks (--model mlp, --model-class) train softmax, logistic and"
                    + " least-squares; hinge is for"
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
        if (family(s) == Architecture.Type.CUSTOM) {
            return Architecture.custom(s.get("model-class").trim(), numFeatures, numOutputs);
        }
        if (!isNetwork(s)) {
            return Architecture.linear(numFeatures, numOutputs);
        }
        try {
            return Architecture.mlp(numFeatures, hidden(s), activation(s), s.getDouble("negative-slope"),
                    numOutputs, s.getDouble("dropout"));
        } catch (IllegalArgumentException e) { // too many parameters for one array, with the data's d
            throw new SettingsException("--hidden " + s.get("hidden") + " with " + numFeatures + " features and "
                    + numOutputs + " output(s): " + e.getMessage() + ". Use narrower --hidden layers.");
        }
    }

    /**
     * Bytes of a task's tape per row of a block and unit of a layer, at most: value and adjoint of the affine,
     * activation and dropout nodes, and the activation's (gelu's Phi) and dropout's (mask) auxiliary buffers.
     */
    static final long TAPE_BYTES_PER_ROW_UNIT = 8L * 8;
    /** Heap Spark keeps for itself in every executor (its "reserved memory"). */
    static final long SPARK_RESERVED_BYTES = 300L << 20;

    /**
     * Before Spark starts: the parameters that --hidden alone implies (the layers between hidden units, the hidden
     * biases and one output, so a lower bound whatever the data) must fit one array and this driver's heap.
     */
    static void checkHiddenFits(int[] hidden, long driverHeap) {
        long parameters = hidden[0];
        for (int i = 1; i < hidden.length; i++) {
            parameters += (hidden[i - 1] + 1L) * hidden[i];
        }
        parameters += hidden[hidden.length - 1] + 1L;
        String text = Arrays.stream(hidden).mapToObj(String::valueOf).collect(java.util.stream.Collectors.joining(","));
        if (parameters > Integer.MAX_VALUE - 8) {
            throw new SettingsException(String.format(java.util.Locale.ROOT, "--hidden %s makes at least %d"
                    + " parameters, more than one array can hold (2^31). Use narrower --hidden layers.", text,
                    parameters));
        }
        if (parameters * dev.downhill.driver.io.TrainingDataLoader.DRIVER_BYTES_PER_PARAMETER > driverHeap) {
            throw new SettingsException(String.format(java.util.Locale.ROOT, "--hidden %s makes at least %d"
                    + " parameters, about %.1f GiB of driver memory (the iterate, gradients and optimizer state),"
                    + " more than this driver's %.1f GiB heap. Use narrower --hidden layers or give the driver more"
                    + " memory (--driver-memory).", text, parameters, gib(parameters
                    * dev.downhill.driver.io.TrainingDataLoader.DRIVER_BYTES_PER_PARAMETER), gib(driverHeap)));
        }
    }

    /**
     * Once the data is read: a network's parameters must fit the driver (as a linear model's must), and each
     * executor must hold the broadcast parameters once plus, for each of its concurrent tasks, a gradient and the
     * tape of one block: (rows per block) x (units of every layer) x {@link #TAPE_BYTES_PER_ROW_UNIT}. The
     * executors' heap is the driver's in local mode, else spark.executor.memory less Spark's reserve; refused only
     * when certainly too large (a task count not known is taken as 1).
     */
    public static void checkFits(Architecture a, Settings s, long rows, org.apache.spark.SparkConf conf) {
        if (a.type() != Architecture.Type.MLP) {
            return;
        }
        long parameters = a.numParameters();
        long driverHeap = Runtime.getRuntime().maxMemory();
        long driverBytes = parameters * dev.downhill.driver.io.TrainingDataLoader.DRIVER_BYTES_PER_PARAMETER;
        if (driverBytes > driverHeap) {
            throw new SettingsException(String.format(java.util.Locale.ROOT, "--hidden %s: the network %s has %d"
                    + " parameters, about %.1f GiB of driver memory, more than this driver's %.1f GiB heap. Use"
                    + " narrower --hidden layers or give the driver more memory (--driver-memory).", s.get("hidden"),
                    a.describe(), parameters, gib(driverBytes), gib(driverHeap)));
        }
        String master = conf.get("spark.master", "local[*]");
        long heap;
        int tasks;
        String where;
        java.util.regex.Matcher cluster = java.util.regex.Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)"
                + "\\s*,\\s*(\\d+)\\s*]").matcher(master);
        if (cluster.matches()) {
            heap = Long.parseLong(cluster.group(2)) << 20;
            tasks = Integer.parseInt(cluster.group(1));
            where = "the executors' heap of " + cluster.group(2) + " MiB (local-cluster)";
        } else if (master.startsWith("local")) {
            heap = driverHeap;
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("local\\[(\\d+)(,\\d+)?]").matcher(master);
            tasks = m.matches() ? Integer.parseInt(m.group(1)) : master.equals("local") ? 1
                    : Runtime.getRuntime().availableProcessors();
            where = "the driver's heap, which local mode's tasks share";
        } else {
            heap = conf.getSizeAsBytes("spark.executor.memory", "1g");
            tasks = conf.getInt("spark.executor.cores", 1);
            where = "spark.executor.memory";
        }
        long usable = Math.max(0, heap - SPARK_RESERVED_BYTES);
        int[] sizes = a.layerSizes();
        long units = 0;
        for (int i = 1; i < sizes.length; i++) {
            units += sizes[i];
        }
        long blockRows = Math.max(1, Math.min(blockRows(s, true), rows));
        long tape = blockRows * units * TAPE_BYTES_PER_ROW_UNIT;
        long needed = 8 * parameters + tasks * (8 * parameters + tape);
        if (needed > usable) {
            throw new SettingsException(String.format(java.util.Locale.ROOT, "--hidden %s: the network %s (%d"
                    + " parameters) needs about %.1f GiB per executor: the parameters, and for each of its %d"
                    + " concurrent task(s) a gradient and the activations of a block of %d rows (--block-rows),"
                    + " %.1f GiB; that is more than %s (%.1f GiB usable). Use narrower --hidden layers, a smaller"
                    + " --block-rows, or give the executors more memory.", s.get("hidden"), a.describe(), parameters,
                    gib(needed), tasks, blockRows, gib(tape), where, gib(usable)));
        }
    }

    private static double gib(long bytes) {
        return bytes / 1073741824.0;
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
}
