package dev.downhill.driver.settings;

import dev.downhill.core.loss.Objective;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.commons.text.similarity.LevenshteinDistance;
import org.apache.hadoop.conf.Configuration;

/**
 * The settings of a run: every known {@link Setting} with its value, from (lowest to highest priority)
 * the built-in defaults, a properties file ({@code --config}, normally {@code conf/downhill.properties}),
 * and {@code --key value} on the command line. Everything is validated here, before Spark starts.
 */
public final class Settings {

    public static final String AUTO = "auto";
    public static final String NONE = "none";

    public static final String TRAIN = "train";
    public static final String EVALUATE = "evaluate";
    public static final String PREDICT = "predict";
    public static final String EXPORT = "export";
    /** The commands that read settings. */
    public static final List<String> COMMANDS = List.of(TRAIN, EVALUATE, PREDICT, EXPORT);

    /** Every setting, in the order help and the properties file list them, with the commands that read it. */
    public static final List<Setting> ALL = List.of(
            Setting.string("input", null,
                    "Data: a file, a folder or a glob, on any Hadoop path (file://, hdfs://, s3a://). train: the"
                            + " training data; evaluate: labeled data to score the model on; predict: the rows to"
                            + " predict. Required.").readBy(TRAIN, EVALUATE, PREDICT),
            Setting.string("model", null,
                    "evaluate and predict: the model folder train wrote (it holds model.json), on any Hadoop path;"
                            + " required. train: the model family, linear (the default) or mlp (a multi-layer"
                            + " perceptron: --hidden, --activation, --dropout). export: the model folder to"
                            + " export.").readBy(TRAIN, EVALUATE, PREDICT, EXPORT),
            Setting.string("hidden", NONE,
                    "--model mlp: the hidden layers' widths from the input on, e.g. 256,128. Required by mlp.")
                    .readBy(TRAIN),
            Setting.string("activation", AUTO,
                    "--model mlp: the hidden layers' activation, relu|leaky-relu|tanh|sigmoid|gelu|softplus (gelu"
                            + " with the exact normal CDF). auto: relu.").readBy(TRAIN),
            Setting.real("negative-slope", "0.01", 0.0, false, Double.POSITIVE_INFINITY,
                    "--activation leaky-relu: the slope below zero (recorded in the model file).").readBy(TRAIN),
            Setting.string("initial-model", NONE,
                    "Warm start: train from the parameters of a model folder Downhill wrote (its model.json and"
                            + " model.safetensors), or of a model.safetensors file with the same tensor names and"
                            + " shapes, instead of zeros (linear) or the seeded initialization (networks). The"
                            + " architecture and features must match. --resume continues a run; this only sets"
                            + " where a new run starts.").readBy(TRAIN),
            Setting.string("model-class", NONE,
                    "Your own model: the public class (a dev.downhill.core.custom.CustomModel with a constructor"
                            + " (int inputs, int outputs)) to train instead of --model, e.g. com.example.SwishNet;"
                            + " found in --jars. Its gradient is checked before training (--check-gradient).")
                    .readBy(TRAIN),
            Setting.string("jars", NONE,
                    "Jar files (comma-separated local paths) holding a --model-class model: added to the classpath"
                            + " here and shipped to the executors. evaluate and predict of a custom model need the"
                            + " same jars (export reads them to refuse such a model clearly).")
                    .readBy(TRAIN, EVALUATE, PREDICT, EXPORT),
            Setting.choice("check-gradient", AUTO,
                    "Compare the model's gradient with central differences on a sample of rows and parameters"
                            + " before training; a mismatch stops the run (exit 2) naming the parameter. auto: on"
                            + " for --model-class, off for the built-in models.", AUTO, "on", "off").readBy(TRAIN),
            Setting.real("dropout", "0.0", 0.0, false, 0.999999,
                    "--model mlp: the probability of zeroing each hidden unit while training (inverted dropout;"
                            + " masks from seed, iteration and row, never from the partitioning). 0: off.")
                    .readBy(TRAIN),
            Setting.choice("format", AUTO,
                    "Input format. auto: csv for names ending in .csv or .csv.gz, parquet for names ending in"
                            + " .parquet, libsvm otherwise. export: the model format written, onnx (the only one;"
                            + " auto means onnx).",
                    AUTO, "libsvm", "csv", "parquet", "onnx").readBy(TRAIN, EVALUATE, PREDICT, EXPORT),
            Setting.choice("objective", null,
                    "What to minimize (see the README for each formula). Required. (evaluate and predict take it"
                            + " from the model.)",
                    Objective.names().split("\\|")).readBy(TRAIN),
            Setting.real("l2", "0.0", 0.0, false, Double.POSITIVE_INFINITY,
                    "L2 strength lambda: adds (lambda/2)||w||^2 to the objective; intercepts are never penalized.")
                    .readBy(TRAIN),
            Setting.real("l1", "0.0", 0.0, false, Double.POSITIVE_INFINITY,
                    "L1 strength: adds l1 * ||w||_1 (elastic net together with l2); intercepts are never penalized."
                            + " Handled by proximal steps (soft-thresholding; gd and gd-linesearch become ISTA), and"
                            + " by lbfgs as OWL-QN; not by nesterov.").readBy(TRAIN),
            Setting.choice("optimizer", AUTO,
                    "Update rule. auto: lbfgs for a smooth objective (squared, logistic, softmax), as OWL-QN with"
                            + " l1; gd for hinge (subgradient steps of 1/L; proximal gradient with l1); adam with"
                            + " batch-fraction < 1 and for --model mlp. See the README for each rule.",
                    AUTO, "gd", "gd-linesearch", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
                    "lbfgs", "fista").readBy(TRAIN),
            Setting.real("step", AUTO, 0.0, true, Double.POSITIVE_INFINITY,
                    "Step size (learning rate) at iteration 1. auto: 1/L for gd, momentum, nesterov and fista (and"
                            + " the first trial of gd-linesearch), L = c * mean(||x_i||^2 + 1) + lambda, an upper"
                            + " bound on the gradient's Lipschitz constant (c = 1/4 logistic, 1/2 softmax, 1 least"
                            + " squares and hinge); 0.001 for adam, adamw and rmsprop; 0.01 for adagrad. lbfgs"
                            + " ignores it (its line search starts from the unit step).").orWord(AUTO).readBy(TRAIN),
            Setting.choice("schedule", "constant",
                    "How the step changes with iteration t: constant; inv-sqrt (step / sqrt(t)); exp (step *"
                            + " decay-rate^((t-1)/decay-every)); step (step * decay-rate^floor((t-1)/decay-every))."
                            + " Not for gd-linesearch, lbfgs and fista, which choose their own steps.",
                    "constant", "inv-sqrt", "exp", "step").readBy(TRAIN),
            Setting.real("decay-rate", "0.5", 0.0, true, 1.0,
                    "Schedules exp and step: the factor the step shrinks by every decay-every iterations.")
                    .readBy(TRAIN),
            Setting.integer("decay-every", "100", 1, Integer.MAX_VALUE,
                    "Schedules exp and step: iterations per decay-rate factor.").readBy(TRAIN),
            Setting.integer("warmup", "0", 0, Integer.MAX_VALUE,
                    "Iterations of linear warm-up: the step grows from step/warmup to the schedule's value.")
                    .readBy(TRAIN),
            Setting.real("momentum", "0.9", 0.0, false, 0.999999,
                    "momentum and nesterov: the momentum coefficient mu.").readBy(TRAIN),
            Setting.real("weight-decay", "0.01", 0.0, false, Double.POSITIVE_INFINITY,
                    "adamw: the decoupled weight decay lambda (applied to weights, never intercepts).").readBy(TRAIN),
            Setting.integer("lbfgs-memory", "10", 1, 1000,
                    "lbfgs: the number of (s, y) pairs kept for the two-loop recursion.").readBy(TRAIN),
            Setting.real("batch-fraction", AUTO, 0.0, true, 1.0,
                    "Fraction of the cached blocks each iteration uses: 1 is full-batch; F < 1 uses round(1/F)"
                            + " mini-batches per epoch, each block once per epoch, chosen by a seeded function of"
                            + " (seed, iteration, partition). Only for gd, momentum, nesterov, adagrad, rmsprop,"
                            + " adam, adamw. auto: 1 for linear models and for rules that need the full gradient;"
                            + " mini-batches of about 2048 rows for --model mlp.").orWord(AUTO).readBy(TRAIN),
            Setting.longValue("seed", "1", Long.MIN_VALUE, Long.MAX_VALUE,
                    "Seed of every random choice (mini-batches, the validation split): same seed, same run.")
                    .readBy(TRAIN),
            Setting.real("validation-fraction", "0.0", 0.0, false, 0.9,
                    "Fraction of rows held out for validation, chosen by a seeded hash of each row's content (not"
                            + " its position). The validation loss is reported every iteration; see patience.")
                    .readBy(TRAIN),
            Setting.string("validation", NONE,
                    "A separate validation data path (read with the same format settings as input), instead of"
                            + " validation-fraction.").readBy(TRAIN),
            Setting.integer("patience", "10", 1, Integer.MAX_VALUE,
                    "With validation: stop when the validation loss has not improved for this many iterations,"
                            + " and write the parameters with the best validation loss.").readBy(TRAIN),
            Setting.bool("standardize", "true",
                    "Optimize in standardized coordinates (features centered and scaled by their standard"
                            + " deviation, from one pass over the data). A change of variables only: the objective"
                            + " and its optimum are the user's, and the model is written in the user's features.")
                    .readBy(TRAIN),
            Setting.choice("preconditioner", AUTO,
                    "With --standardize true, the change of variables: whiten (the features' full covariance,"
                            + " from the pass that fills the cache: the Hessian at the start becomes the identity,"
                            + " so nearly collinear features are no harder than any), diagonal (center and scale"
                            + " each feature), or auto (whiten for smooth objectives without --l1 on full batches"
                            + " with at most 1024 features and 512 stored values per row, else diagonal).",
                    AUTO, "whiten", "diagonal").readBy(TRAIN),
            Setting.integer("rewhiten-at", "20", 0, Integer.MAX_VALUE,
                    "When whitened (see --preconditioner) and lbfgs trains a linear logistic or softmax model:"
                            + " after this many iterations, one more pass takes the features' covariance weighted by"
                            + " each row's curvature at the current parameters, and L-BFGS restarts in the"
                            + " coordinates that whiten it (the start's whitening assumes every row is as uncertain"
                            + " as at 0; near the optimum confident rows have lost their curvature). 0: never.")
                    .readBy(TRAIN),
            Setting.bool("rewhiten-per-class", "false",
                    "When re-whitening a softmax model (see --rewhiten-at): true takes one matrix per class, its"
                            + " rows weighted by their curvature in that class, p_ic (1 - p_ic) (the Hessian's class"
                            + " blocks: fewer passes on image data; the pass takes K times the products and the"
                            + " driver K factorizations, which paid in seconds on 60,000 image rows, not on 8,000"
                            + " MNIST rows; one matrix beyond K d^2 = 2^24 values). false: one matrix for every"
                            + " class, rows weighted by (1/K) sum_k p_ik (1 - p_ik).")
                    .readBy(TRAIN),
            Setting.integer("max-iter", "1000", 0, Integer.MAX_VALUE,
                    "Iteration limit: training stops after this many iterations.").readBy(TRAIN),
            Setting.real("time-budget", NONE, 0.0, true, Double.POSITIVE_INFINITY,
                    "Wall-clock seconds after which training stops (checked between iterations), or none.")
                    .orWord(NONE).readBy(TRAIN),
            Setting.real("tol", "0", 0.0, false, Double.POSITIVE_INFINITY,
                    "Absolute gradient tolerance: stop once ||grad f|| <= tol (with l1: the minimum-norm"
                            + " subgradient). 0: off.").readBy(TRAIN),
            Setting.real("rel-tol", "1e-9", 0.0, false, 1.0,
                    "Relative gradient tolerance: stop once ||grad f|| <= rel-tol * ||grad f(start)||. For a"
                            + " problem of condition number kappa this bounds the objective's relative error by"
                            + " about rel-tol^2 * kappa. 0: off.").readBy(TRAIN),
            Setting.real("f-tol", "1e-14", 0.0, false, 1.0,
                    "Objective tolerance: stop once the objective's relative change over f-window iterations is"
                            + " below f-tol. 0: off.").readBy(TRAIN),
            Setting.integer("f-window", "10", 1, 1_000_000,
                    "Iterations the f-tol change is measured over.").readBy(TRAIN),
            Setting.choice("aggregation", AUTO,
                    "How gradients are summed and where the parameters live. tree: the driver broadcasts the"
                            + " parameters and merges the partial gradients in a fixed tree (about 256 bytes of"
                            + " driver heap per parameter). sharded: the parameters and the optimizer's vectors stay"
                            + " on the executors in --shards slices; partial gradients are summed per slice through"
                            + " a shuffle, in partition order, and only scalars reach the driver (linear models, with"
                            + " lbfgs (vector-free L-BFGS, or OWL-QN with --l1; full batch) or gd, momentum, nesterov,"
                            + " adagrad, rmsprop,"
                            + " adam, adamw (the update on each slice; mini-batches and --l1 too)). auto: sharded when"
                            + " the model would take more than half the driver's heap on the tree path and the"
                            + " settings allow it, else tree.",
                    AUTO, "tree", "sharded").readBy(TRAIN),
            Setting.integer("shards", AUTO, 1, 1_000_000,
                    "--aggregation sharded: the slices the parameters are split into. auto: one per 2^20"
                            + " parameters (8 MiB), at least one per data partition (at most one per parameter).")
                    .orWord(AUTO).readBy(TRAIN),
            Setting.integer("slice-copies", "2", 1, 10,
                    "--aggregation sharded: the executors each slice of the parameters and optimizer state is"
                            + " cached on. 2: the slices of a lost executor are read from their copies. 1: half the"
                            + " memory and no copying each iteration, but losing an executor ends the run (resume it"
                            + " with --resume). Local mode keeps one copy.").readBy(TRAIN),
            Setting.integer("partitions", AUTO, 1, 100_000,
                    "Partitions the rows are spread over. auto: from the input size (one per 32 MiB, at least 2),"
                            + " never from the cluster, so the same data trains identically everywhere.")
                    .orWord(AUTO).readBy(TRAIN),
            Setting.string("output", null,
                    "train: the output folder; the model goes to OUTPUT/model.json (required). evaluate: the file"
                            + " the JSON report is written to (default: MODEL/evaluation.json). predict: the folder"
                            + " the prediction files are written to (required; it must not exist yet). Any Hadoop"
                            + " path. export: the file written (required; an existing one only with --overwrite).")
                    .readBy(TRAIN, EVALUATE, PREDICT, EXPORT),
            Setting.choice("output-format", "csv",
                    "predict: the format of the prediction files. csv: a header line, then label (when the input"
                            + " has labels), prediction, and score (softmax: one score_LABEL column per class)."
                            + " parquet: the same columns, softmax scores as one array column.",
                    "csv", "parquet").readBy(PREDICT),
            Setting.string("keep-columns", null,
                    "predict, CSV input: input columns copied (as text) into each output row before the"
                            + " predictions, by header name or 0-based number, comma separated (id,3).")
                    .readBy(PREDICT),
            Setting.string("master", "local[*]",
                    "Spark master when not run under spark-submit (spark-submit's --master wins otherwise).")
                    .readBy(TRAIN, EVALUATE, PREDICT),
            Setting.integer("num-features", AUTO, 1, Integer.MAX_VALUE - 1,
                    "Number of features d. auto: the largest LIBSVM index, the CSV column count less the"
                            + " label (and weight) column, or the Parquet vector size (from the column's metadata,"
                            + " else the first row's). A larger index in the data is an error. (evaluate and"
                            + " predict take d from the model.)").orWord(AUTO).readBy(TRAIN),
            Setting.integer("num-classes", AUTO, 2, 1_000_000,
                    "Classes K for softmax (labels 0..K-1). auto: the largest label + 1 (labels 1..K are"
                            + " shifted to 0..K-1 and the model records it).").orWord(AUTO).readBy(TRAIN),
            Setting.choice("binary-labels", "01",
                    "Labels logistic and hinge accept: 01 (0 and 1), pm1 (-1 and +1, read as 0 and 1), or auto"
                            + " (either, not mixed). The model's classLabels record the data's own labels.",
                    "01", "pm1", "auto").readBy(TRAIN),
            Setting.column("label-column", AUTO, 1_000_000,
                    "The label: CSV, a 0-based column number (auto: 0); Parquet, a column name or a position in"
                            + " the schema (auto: the column named label). none (predict only): the input has no"
                            + " labels, so every CSV column is a feature and LIBSVM lines hold INDEX:VALUE pairs"
                            + " only.")
                    .orWord(NONE).readBy(TRAIN, EVALUATE, PREDICT),
            Setting.column("weight-column", NONE, 1_000_000,
                    "A positive instance weight, or none: CSV, a 0-based column number; Parquet, a column name or"
                            + " position. evaluate weighs every metric by it; predict leaves the column out of the"
                            + " features.").orWord(NONE)
                    .readBy(TRAIN, EVALUATE, PREDICT),
            Setting.choice("csv-header", AUTO,
                    "CSV: whether each file starts with a header line. auto: a first line with no numeric field"
                            + " is a header.", AUTO, "true", "false").readBy(TRAIN, EVALUATE, PREDICT),
            Setting.string("csv-delimiter", ",",
                    "CSV: the field delimiter (one character; 'tab' for a tab).").readBy(TRAIN, EVALUATE, PREDICT),
            // Parquet input (and DataFrames through the Java API and the Spark ML stage): the feature columns;
            // the live progress bar.
            Setting.string("features-column", "features",
                    "Parquet: the column holding each row's features as a Spark ML vector (dense or sparse) or an"
                            + " array of numbers. Not read when feature-columns is given.")
                    .readBy(TRAIN, EVALUATE, PREDICT),
            Setting.string("feature-columns", null,
                    "Parquet: the features as numeric columns instead of one vector column, by name and comma"
                            + " separated (a,b,c); feature j is the j-th column listed.")
                    .readBy(TRAIN, EVALUATE, PREDICT),
            Setting.choice("progress-bar", AUTO,
                    "train: a live progress bar in place of the progress lines. auto: only when the output is an"
                            + " interactive terminal (never in logs, files, pipes, or on a driver under a cluster"
                            + " deploy); on; off: plain lines.", AUTO, "on", "off").readBy(TRAIN),
            Setting.choice("on-bad-record", "fail",
                    "What a bad input record does. fail: stop at the first, naming file, line and text (exit 3, no"
                            + " model). skip: leave bad records out, count them per reason, print the counts and the"
                            + " first 10 in file order, and still fail if more than max-bad-fraction were bad."
                            + " (evaluate and predict always stop at the first bad record.)",
                    "fail", "skip").readBy(TRAIN),
            Setting.real("max-bad-fraction", "0.001", 0.0, false, 1.0,
                    "With on-bad-record=skip: the largest fraction of records that may be bad before the run"
                            + " fails anyway.").readBy(TRAIN),
            Setting.integer("divergence-rises", "10", 1, 1_000_000,
                    "Stop as diverged (exit 4) when the objective rises this many iterations in a row with a fixed"
                            + " step; a NaN or infinite objective or gradient stops it at once.").readBy(TRAIN),
            Setting.integer("progress-every", "1", 1, Integer.MAX_VALUE,
                    "Print a progress line every this many iterations (metrics.jsonl gets every iteration).")
                    .readBy(TRAIN),
            Setting.integer("block-rows", AUTO, 1, 1_000_000,
                    "Rows packed into one block (the unit executors loop over). auto: 4096; train --model mlp:"
                            + " 512, so mini-batches (whole blocks) can be small.").orWord(AUTO)
                    .readBy(TRAIN, EVALUATE, PREDICT),
            Setting.choice("feature-precision", "float64",
                    "How the cached training data store feature values. float32 rounds each to the nearest float"
                            + " (relative error <= 6e-8), halving the memory of dense data and the memory traffic"
                            + " of every iteration; all arithmetic (objective, gradient) stays in double. Values"
                            + " beyond +-3.4e38 are refused with float32.",
                    "float64", "float32").readBy(TRAIN),
            // ---- checkpoints and resume (#5); dev.downhill.driver.checkpoint ----
            Setting.integer("checkpoint-every", "10", 1, Integer.MAX_VALUE,
                    "Write a checkpoint (parameters, optimizer state, settings and data fingerprints) to"
                            + " OUTPUT/checkpoints every this many iterations, and at the end.").readBy(TRAIN),
            Setting.integer("keep-checkpoints", "3", 1, 1_000_000,
                    "How many of the newest checkpoints to keep; older ones are deleted.").readBy(TRAIN),
            Setting.bool("resume", "false",
                    "Continue from the newest valid checkpoint in OUTPUT/checkpoints (one failing its checksum is"
                            + " skipped with a warning). A checkpoint from other settings or data is refused (exit"
                            + " 5). Given alone, --resume means true.").readBy(TRAIN),
            Setting.bool("overwrite", "false",
                    "Train into an --output folder that already holds a model.json: first remove the earlier run's"
                            + " files (model.json, model.safetensors, last-good-model.json/.safetensors,"
                            + " evaluation.json, metrics.jsonl, report.html, loss.png, checkpoints, model-shards),"
                            + " never other files. Without it (or --resume) such a folder is refused. Given alone, --overwrite"
                            + " means true. export: replace an existing --output file (never a folder).")
                    .readBy(TRAIN, EXPORT),
            // ---- end of checkpoint settings ----
            Setting.string("config", null,
                    "A properties file of settings (key=value, keys without --); the command line overrides it."
                            + " scripts/downhill passes conf/downhill.properties.")
                    .readBy(TRAIN, EVALUATE, PREDICT, EXPORT)
    );

    private static final Map<String, Setting> BY_KEY = ALL.stream()
            .collect(Collectors.toMap(Setting::key, s -> s, (a, b) -> a, LinkedHashMap::new));

    private final Map<String, String> values;

    private Settings(Map<String, String> values) {
        this.values = values;
    }

    /** Parses {@code --key value} / {@code --key=value} pairs, reading {@code --config FILE} first if given. */
    public static Settings parse(List<String> args) {
        return parse(null, args);
    }

    /**
     * Parses the settings of {@code command} (train, evaluate, predict) like {@link #parse(List)}; a setting
     * given on the command line that the command does not read is refused rather than silently ignored.
     * (A properties file may hold every command's settings.)
     */
    public static Settings parse(String command, List<String> args) {
        Map<String, String> cli = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new SettingsException("unexpected argument '" + arg + "': settings are given as --key value.");
            }
            String key;
            String value;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                key = arg.substring(2, eq);
                value = arg.substring(eq + 1);
            } else {
                key = arg.substring(2);
                boolean noValue = i + 1 >= args.size()
                        || (args.get(i + 1).startsWith("--") && !isNumber(args.get(i + 1)));
                Setting known = BY_KEY.get(key);
                if (noValue && known != null && known.type() == Setting.Type.BOOLEAN) {
                    cli.put(key, "true"); // a bare flag: --resume
                    continue;
                }
                if (noValue) {
                    throw new SettingsException("--" + key + " needs a value.");
                }
                value = args.get(++i);
            }
            cli.put(definition(key, "on the command line", command).key(), value);
        }
        if (command != null) {
            for (String key : cli.keySet()) {
                Setting s = BY_KEY.get(key);
                if (!s.isReadBy(command)) {
                    throw new SettingsException("--" + key + " does not apply to " + command + ": only "
                            + String.join(" and ", s.commands()) + (s.commands().size() == 1 ? " reads" : " read")
                            + " it. Run 'downhill " + command + " --help' for the settings " + command + " reads.");
                }
            }
        }
        Map<String, String> merged = new LinkedHashMap<>();
        for (Setting s : ALL) {
            if (s.defaultValue() != null) {
                merged.put(s.key(), s.defaultValue());
            }
        }
        String configPath = cli.get("config");
        if (configPath != null) {
            merged.putAll(readProperties(configPath, command));
        }
        merged.putAll(cli);
        Map<String, String> validated = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : merged.entrySet()) {
            validated.put(e.getKey(), BY_KEY.get(e.getKey()).validate(e.getValue()));
        }
        return new Settings(Collections.unmodifiableMap(validated));
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Reads a properties file through Hadoop's FileSystem API, so it may live on any Hadoop path. */
    private static Map<String, String> readProperties(String file, String command) {
        Properties p = new Properties();
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file);
        try (Reader r = new InputStreamReader(path.getFileSystem(new Configuration()).open(path),
                StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (FileNotFoundException e) {
            throw new SettingsException("settings file " + file + " does not exist (--config).");
        } catch (IOException | IllegalArgumentException e) {
            throw new SettingsException("cannot read settings file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            Setting s = definition(key, "in " + file, command);
            try {
                s.validate(p.getProperty(key));
            } catch (SettingsException e) {
                throw new SettingsException(e.getMessage() + " (set in " + file + ")");
            }
            out.put(s.key(), p.getProperty(key));
        }
        return out;
    }

    private static Setting definition(String key, String where, String command) {
        Setting s = BY_KEY.get(key);
        if (s == null) {
            List<String> close = closeMatches(key);
            throw new SettingsException("unknown setting --" + key + " " + where
                    + (close.isEmpty() ? "" : "; did you mean " + close.stream().map(k -> "--" + k)
                            .collect(Collectors.joining(" or ")) + "?")
                    + " Run 'downhill " + (command == null ? TRAIN : command) + " --help' for the list.");
        }
        return s;
    }

    /** Known keys within edit distance 2 of {@code key}, or containing it (or contained in it), closest first. */
    static List<String> closeMatches(String key) {
        LevenshteinDistance distance = LevenshteinDistance.getDefaultInstance();
        return ALL.stream()
                .map(Setting::key)
                .filter(k -> distance.apply(key, k) <= 2
                        || key.length() >= 3 && (k.contains(key) || key.contains(k)))
                .sorted(java.util.Comparator.comparingInt(k -> distance.apply(key, k)))
                .collect(Collectors.toList());
    }

    /** Every setting with a value, in the order of {@link #ALL}. */
    public Map<String, String> effective() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Setting s : ALL) {
            if (values.containsKey(s.key())) {
                out.put(s.key(), values.get(s.key()));
            }
        }
        return out;
    }

    /** The value of a setting, or null if it has no default and was not given. */
    public String get(String key) {
        if (!BY_KEY.containsKey(key)) {
            throw new IllegalArgumentException("no setting " + key);
        }
        return values.get(key);
    }

    public boolean isGiven(String key) {
        return get(key) != null;
    }

    public String require(String key) {
        String v = get(key);
        if (v == null) {
            throw new SettingsException("--" + key + " is required: " + BY_KEY.get(key).description());
        }
        return v;
    }

    public boolean isAuto(String key) {
        return AUTO.equals(get(key));
    }

    public boolean isNone(String key) {
        return NONE.equals(get(key));
    }

    public int getInt(String key) {
        return Math.toIntExact(Long.parseLong(require(key)));
    }

    public double getDouble(String key) {
        return Double.parseDouble(require(key));
    }

    public long getLong(String key) {
        return Long.parseLong(require(key));
    }

    public boolean getBoolean(String key) {
        return Boolean.parseBoolean(require(key));
    }

    /** The properties file listing every setting with its default and meaning: conf/downhill.properties. */
    public static String renderProperties() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Downhill settings: every setting, its default and its meaning.\n")
                .append("# Generated from Settings.ALL (print it with: scripts/downhill config);\n")
                .append("# a test keeps this file and the code in step. On the command line,\n")
                .append("# --key value overrides any line here. A commented-out key has no default.\n");
        for (Setting s : ALL) {
            sb.append('\n');
            for (String line : wrap(describe(s) + " Read by " + readers(s) + ".", 76)) {
                sb.append("# ").append(line).append('\n');
            }
            if (s.defaultValue() == null) {
                sb.append('#').append(s.key()).append("=\n");
            } else {
                sb.append(s.key()).append('=').append(s.defaultValue()).append('\n');
            }
        }
        return sb.toString();
    }

    /** Help text listing every setting with its default, its meaning and the commands that read it. */
    public static String renderHelp() {
        StringBuilder sb = new StringBuilder();
        for (Setting s : ALL) {
            appendHelp(sb, s, describe(s) + " Read by " + readers(s) + ".");
        }
        return sb.toString();
    }

    /**
     * Help text for one command: the settings it reads, each with its default and meaning, then the names of
     * the other commands' settings (which it refuses on the command line).
     */
    public static String renderHelp(String command) {
        StringBuilder sb = new StringBuilder();
        List<String> others = new ArrayList<>();
        for (Setting s : ALL) {
            if (s.isReadBy(command)) {
                appendHelp(sb, s, describe(s));
            } else {
                others.add("--" + s.key());
            }
        }
        if (!others.isEmpty()) {
            sb.append('\n');
            for (String line : wrap("Settings of other commands, not read by " + command + ": "
                    + String.join(", ", others) + ".", 76)) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    private static void appendHelp(StringBuilder sb, Setting s, String text) {
        sb.append("  --").append(s.key());
        sb.append(s.defaultValue() == null ? "" : " (default: " + s.defaultValue() + ")").append('\n');
        for (String line : wrap(text, 70)) {
            sb.append("      ").append(line).append('\n');
        }
    }

    private static String describe(Setting s) {
        return s.description() + " Accepts " + s.allowed() + ".";
    }

    /** "train", "train and evaluate", "train, evaluate and predict". */
    private static String readers(Setting s) {
        List<String> c = s.commands();
        if (c.size() <= 1) {
            return String.join("", c);
        }
        return String.join(", ", c.subList(0, c.size() - 1)) + " and " + c.get(c.size() - 1);
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }
}
