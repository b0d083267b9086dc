package dev.downhill.driver.api;

import dev.downhill.driver.io.BadInputException;
import dev.downhill.driver.io.DataFrameRows;
import dev.downhill.driver.io.OutputException;
import dev.downhill.driver.io.OutputFolder;
import dev.downhill.driver.io.TrainingData;
import dev.downhill.driver.io.TrainingDataLoader;
import dev.downhill.driver.settings.Setting;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import dev.downhill.driver.train.ModelFile;
import dev.downhill.driver.train.TrainCommand;
import dev.downhill.driver.train.TrainingResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Downhill from Java code: settings built fluently, training on a {@code Dataset<Row>} or on files, and a
 * {@link DownhillModel} that predicts and saves.
 *
 * <pre>{@code
 * DownhillModel model = Downhill.builder()
 *         .objective("logistic").l2(0.01).maxIter(200)
 *         .build()
 *         .train(spark.read().parquet("data/train.parquet"));
 * }</pre>
 *
 * Every builder method is a {@code train} setting of the command line under its camel-case name
 * ({@code maxIter} is {@code --max-iter}) and is checked by the same code, with the same defaults and ranges;
 * {@link Builder#set} takes any {@code train} setting by its command-line name. The Spark session is the
 * caller's ({@code --master} does not apply): training runs in the session of the Dataset, or the active one
 * for files. Errors are exceptions: {@link SettingsException} for a bad setting (at the call that sets it),
 * {@link BadInputException} for bad data (naming the row), {@code DivergedException} when training diverges.
 *
 * <p>Training into an {@link Builder#output} folder follows the command line's rules: the run holds the folder's
 * lock ({@code downhill.lock}), and a folder that another run holds, or that already holds a model (without
 * {@link Builder#resume} or {@link Builder#overwrite}), is refused with an {@link OutputException} naming it.
 */
public final class Downhill {
    /** The input setting's value when training on a DataFrame (it names the data in the report). */
    static final String DATAFRAME_INPUT = DataFrameRows.DATAFRAME;
    /** Settings that are not the builder's: the input comes with train(...), the session is the caller's. */
    static final List<String> NOT_SETTABLE = List.of("input", "master");

    private final Map<String, String> values;
    private final PrintStream progress;

    private Downhill(Map<String, String> values, PrintStream progress) {
        this.values = values;
        this.progress = progress;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The settings given (command-line names to values), without defaults. */
    public Map<String, String> settings() {
        return values;
    }

    /**
     * Trains on a DataFrame: a label column, optionally a weight column, and the features as one vector (or
     * array) column or as numeric columns ({@link Builder#labelColumn}, {@link Builder#featuresColumn},
     * {@link Builder#featureColumns}; by default the columns {@code label} and {@code features}, as in Spark
     * ML). Rows are keyed by their content, so the same rows give the same model however the DataFrame is
     * partitioned.
     */
    public DownhillModel train(Dataset<Row> data) {
        return withOutput(output -> {
            Settings s = parse(DATAFRAME_INPUT, output);
            TrainingDataLoader.Options o = TrainCommand.loaderOptions(s);
            o.input = null; // messages name "the DataFrame"
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext());
            return keepingJobGroup(jsc, () -> {
                jsc.setJobGroup(TrainCommand.JOB_GROUP, "Downhill train: loading " + DATAFRAME_INPUT, false);
                TrainingData loaded = TrainingDataLoader.load(data, o);
                try {
                    return new TrainCommand(s, progress).train(jsc, loaded);
                } finally {
                    loaded.release();
                }
            });
        });
    }

    /** Trains on files, read as the command line reads {@code --input} (LIBSVM, CSV or Parquet). */
    public DownhillModel train(String path) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SparkSession.active().sparkContext());
        return withOutput(output -> {
            Settings s = parse(path, output);
            return keepingJobGroup(jsc, () -> new TrainCommand(s, progress).run(jsc));
        });
    }

    private interface Training {
        TrainingResult run(String output) throws IOException;
    }

    private interface Job<T> {
        T run() throws IOException;
    }

    /**
     * Trains into the output folder given, and then writes its model.json there too (as the command line
     * does); without one, into a temporary folder (metrics.jsonl, report.html) deleted afterwards.
     */
    private DownhillModel withOutput(Training training) {
        String given = values.get("output");
        Path temporary = null;
        OutputFolder.TrainOutput held = null;
        try {
            String output = given;
            Configuration conf = given == null ? null : SparkSession.active().sparkContext().hadoopConfiguration();
            if (output == null) {
                temporary = Files.createTempDirectory("downhill-train-");
                output = temporary.toUri().toString();
            } else {
                // The command line's rules: the folder's lock for the run, no earlier model replaced silently.
                Settings s = parse(DATAFRAME_INPUT, given);
                held = ApiOutput.prepare(given, s.getBoolean("resume"), s.getBoolean("overwrite"), conf, progress,
                        "overwrite(true)", true);
            }
            TrainingResult result;
            try {
                result = training.run(output);
            } catch (RuntimeException e) {
                throw clean(e);
            }
            // DownhillModel predicts on the driver: a sharded run's parameters come there (before saving
            // releases them on the executors).
            TrainingResult onDriver = result.shardedParameters == null ? result : onDriver(result);
            if (given != null) {
                ModelFile.save(given, result, conf); // a sharded run's model-shards, as the command line writes
                held.modelWritten(conf, progress);
            } else if (result.shardedParameters != null) {
                result.shardedParameters.release();
            }
            return new DownhillModel(onDriver, featuresColumn(), featureColumns());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (held != null) {
                held.close();
            }
            if (temporary != null) {
                deleteQuietly(temporary);
            }
        }
    }

    /** A sharded run's result with its parameters collected to the driver (in slice order). */
    private static TrainingResult onDriver(TrainingResult r) {
        TrainingResult d = new TrainingResult(r.objective, r.l2, r.numFeatures, r.numOutputs, r.classLabels,
                r.shardedParameters.toArray(), r.iterations, r.objectiveValue, r.gradientNorm, r.stopReason, r.step,
                r.optimizer, r.l1, r.architecture);
        d.featureNames = r.featureNames;
        d.runEnd = r.runEnd;
        d.warning = r.warning;
        return d;
    }

    /** Spark wraps failures on the executors; a bad record's own exception says what is wrong. */
    private static RuntimeException clean(RuntimeException e) {
        for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
            if (c instanceof BadInputException) {
                return (BadInputException) c;
            }
        }
        return e;
    }

    /** Runs Downhill's jobs under its job group and puts the caller's group (and description) back after. */
    private static <T> T keepingJobGroup(JavaSparkContext jsc, Job<T> job) throws IOException {
        String group = jsc.getLocalProperty("spark.jobGroup.id");
        String description = jsc.getLocalProperty("spark.job.description");
        try {
            return job.run();
        } finally {
            jsc.setLocalProperty("spark.jobGroup.id", group);
            jsc.setLocalProperty("spark.job.description", description);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temporary folder is harmless
        }
    }

    private String featuresColumn() {
        return values.getOrDefault("features-column", "features");
    }

    private List<String> featureColumns() {
        String list = values.get("feature-columns");
        if (list == null) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (String n : list.split(",")) {
            names.add(n.trim());
        }
        return names;
    }

    /** The settings with this input and output, checked as train checks them. */
    private Settings parse(String input, String output) {
        Settings s = Settings.parse(Settings.TRAIN, args(values, input, output));
        TrainCommand.validate(s);
        return s;
    }

    private static List<String> args(Map<String, String> values, String input, String output) {
        List<String> args = new ArrayList<>();
        values.forEach((k, v) -> {
            if (!k.equals("output")) {
                args.add("--" + k);
                args.add(v);
            }
        });
        if (input != null) {
            args.add("--input");
            args.add(input);
        }
        if (output != null) {
            args.add("--output");
            args.add(output);
        }
        return args;
    }


    /**
     * The settings, fluently. Each method checks its value at once, as the command line would check
     * {@code --key value}, and returns this builder.
     */
    public static final class Builder {
        private final LinkedHashMap<String, String> values = new LinkedHashMap<>();
        private PrintStream progress = System.out;

        private Builder() {}

        /**
         * Sets any {@code train} setting by its command-line name ("max-iter", "on-bad-record", ...), checked
         * now. {@code input} comes with {@code train(path)}, and the Spark session is the caller's, so
         * {@code --master} does not apply.
         */
        public Builder set(String key, String value) {
            if (NOT_SETTABLE.contains(key)) {
                throw new SettingsException("--" + key + " is not a builder setting: " + ("input".equals(key)
                        ? "pass the data to train(...)."
                        : "training runs in the caller's Spark session."));
            }
            // Parsing it alone checks the key (is it a train setting?) and the value (type, range).
            Settings.parse(Settings.TRAIN, List.of("--" + key, value));
            values.put(key, value);
            return this;
        }

        private Builder set(String key, double value) {
            return set(key, Double.toString(value));
        }

        private Builder set(String key, long value) {
            return set(key, Long.toString(value));
        }

        /** {@code --objective}: logistic, least-squares, softmax or hinge. */
        public Builder objective(String name) {
            return set("objective", name);
        }

        /** {@code --model}: the model family, linear (the default) or mlp. */
        public Builder model(String family) {
            return set("model", family);
        }

        /** {@code --hidden}: a network's hidden layer widths from the input on (with model("mlp")). */
        public Builder hidden(int... widths) {
            return set("hidden", java.util.Arrays.stream(widths).mapToObj(Integer::toString)
                    .collect(java.util.stream.Collectors.joining(",")));
        }

        /** {@code --activation}: relu, leaky-relu, tanh, sigmoid, gelu or softplus. */
        public Builder activation(String name) {
            return set("activation", name);
        }

        /** {@code --negative-slope}: leaky-relu's slope below zero. */
        public Builder negativeSlope(double slope) {
            return set("negative-slope", slope);
        }

        /** {@code --dropout}: the probability of zeroing a hidden unit while training. */
        public Builder dropout(double p) {
            return set("dropout", p);
        }

        /** {@code --initial-model}: start from a saved model folder's (or safetensors file's) parameters. */
        public Builder initialModel(String path) {
            return set("initial-model", path);
        }

        /**
         * {@code --model-class}: your own model, a {@code dev.downhill.core.custom.CustomModel} subclass. In the Java
         * API the class comes from the application's class path (ship its jar with spark-submit --jars).
         */
        public Builder modelClass(String className) {
            return set("model-class", className);
        }

        /** {@code --jars}: the command line's model jars; the Java API reads classes from its own class path. */
        public Builder jars(String jars) {
            return set("jars", jars);
        }

        /** {@code --check-gradient}: auto, on or off. */
        public Builder checkGradient(String mode) {
            return set("check-gradient", mode);
        }

        /** {@code --l2}: lambda of (lambda/2)||w||^2. */
        public Builder l2(double lambda) {
            return set("l2", lambda);
        }

        /** {@code --step}: a fixed step size instead of 1/L. */
        public Builder step(double step) {
            return set("step", step);
        }

        /** {@code --max-iter}. */
        public Builder maxIter(int iterations) {
            return set("max-iter", iterations);
        }

        /** {@code --tol}: stop once ||grad f|| <= tol. */
        public Builder tol(double tol) {
            return set("tol", tol);
        }

        /** {@code --l1}: lambda of lambda ||w||_1 (proximal steps; lbfgs runs OWL-QN). */
        public Builder l1(double lambda) {
            return set("l1", lambda);
        }

        /** {@code --optimizer}: auto, gd, gd-linesearch, momentum, nesterov, adagrad, rmsprop, adam, adamw, lbfgs, fista. */
        public Builder optimizer(String name) {
            return set("optimizer", name);
        }

        /** {@code --schedule}: constant, inv-sqrt, exp or step. */
        public Builder schedule(String name) {
            return set("schedule", name);
        }

        /** {@code --decay-rate}. */
        public Builder decayRate(double rate) {
            return set("decay-rate", rate);
        }

        /** {@code --decay-every}. */
        public Builder decayEvery(int iterations) {
            return set("decay-every", iterations);
        }

        /** {@code --warmup}: iterations of linear warm-up. */
        public Builder warmup(int iterations) {
            return set("warmup", iterations);
        }

        /** {@code --momentum}: mu for momentum and nesterov. */
        public Builder momentum(double mu) {
            return set("momentum", mu);
        }

        /** {@code --weight-decay}: adamw's decoupled decay. */
        public Builder weightDecay(double lambda) {
            return set("weight-decay", lambda);
        }

        /** {@code --lbfgs-memory}. */
        public Builder lbfgsMemory(int pairs) {
            return set("lbfgs-memory", pairs);
        }

        /** {@code --rewhiten-at}: the iteration lbfgs re-whitens a logistic or softmax model at (0: never). */
        public Builder rewhitenAt(int iteration) {
            return set("rewhiten-at", iteration);
        }

        /**
         * {@code --rewhiten-per-class}: whether re-whitening a softmax model takes one matrix per class (true) or one
         * for all classes.
         */
        public Builder rewhitenPerClass(boolean perClass) {
            return set("rewhiten-per-class", Boolean.toString(perClass));
        }

        /** {@code --aggregation}: tree, sharded (parameters on the executors) or auto. */
        public Builder aggregation(String mode) {
            return set("aggregation", mode);
        }

        /** {@code --shards}: slices of the parameters with --aggregation sharded. */
        public Builder shards(int slices) {
            return set("shards", slices);
        }

        /** {@code --slice-copies}: executors each slice is cached on with --aggregation sharded. */
        public Builder sliceCopies(int copies) {
            return set("slice-copies", copies);
        }

        /** {@code --batch-fraction}: the share of blocks per mini-batch. */
        public Builder batchFraction(double fraction) {
            return set("batch-fraction", fraction);
        }

        /** {@code --seed}: of mini-batches and the validation split. */
        public Builder seed(long seed) {
            return set("seed", seed);
        }

        /** {@code --validation-fraction}. */
        public Builder validationFraction(double fraction) {
            return set("validation-fraction", fraction);
        }

        /** {@code --validation}: a separate validation data path. */
        public Builder validation(String path) {
            return set("validation", path);
        }

        /** {@code --patience}: early stopping on validation. */
        public Builder patience(int iterations) {
            return set("patience", iterations);
        }

        /** {@code --standardize}: optimize in standardized coordinates. */
        public Builder standardize(boolean on) {
            return set("standardize", Boolean.toString(on));
        }

        /** {@code --preconditioner}: auto, whiten or diagonal. */
        public Builder preconditioner(String kind) {
            return set("preconditioner", kind);
        }

        /** {@code --time-budget}. */
        public Builder timeBudget(double seconds) {
            return set("time-budget", seconds);
        }

        /** {@code --rel-tol}: stop once ||grad f|| <= relTol ||grad f(start)||. */
        public Builder relTol(double tol) {
            return set("rel-tol", tol);
        }

        /** {@code --f-tol}: relative objective change over f-window iterations. */
        public Builder fTol(double tol) {
            return set("f-tol", tol);
        }

        /** {@code --f-window}. */
        public Builder fWindow(int iterations) {
            return set("f-window", iterations);
        }

        /** {@code --checkpoint-every}. */
        public Builder checkpointEvery(int iterations) {
            return set("checkpoint-every", iterations);
        }

        /** {@code --keep-checkpoints}. */
        public Builder keepCheckpoints(int count) {
            return set("keep-checkpoints", count);
        }

        /** {@code --resume}: continue from the newest valid checkpoint in the output folder. */
        public Builder resume(boolean on) {
            return set("resume", Boolean.toString(on));
        }

        /** {@code --partitions}. */
        public Builder partitions(int partitions) {
            return set("partitions", partitions);
        }

        /** {@code --num-features}. */
        public Builder numFeatures(int d) {
            return set("num-features", d);
        }

        /** {@code --num-classes} (softmax). */
        public Builder numClasses(int k) {
            return set("num-classes", k);
        }

        /** {@code --binary-labels}: 01, pm1 or auto. */
        public Builder binaryLabels(String which) {
            return set("binary-labels", which);
        }

        /** {@code --label-column}: a column name (DataFrame, Parquet) or a 0-based number (CSV). */
        public Builder labelColumn(String column) {
            return set("label-column", column);
        }

        /** {@code --weight-column}. */
        public Builder weightColumn(String column) {
            return set("weight-column", column);
        }

        /** {@code --features-column}: the vector (or array) column. */
        public Builder featuresColumn(String column) {
            return set("features-column", column);
        }

        /** {@code --feature-columns}: numeric columns instead of one vector column. */
        public Builder featureColumns(String... columns) {
            return set("feature-columns", String.join(",", columns));
        }

        /** {@code --format} of train(path): auto, libsvm, csv or parquet. */
        public Builder format(String format) {
            return set("format", format);
        }

        /** {@code --csv-header}: auto, true or false. */
        public Builder csvHeader(String header) {
            return set("csv-header", header);
        }

        /** {@code --csv-delimiter}. */
        public Builder csvDelimiter(String delimiter) {
            return set("csv-delimiter", delimiter);
        }

        /** {@code --on-bad-record}: fail or skip. */
        public Builder onBadRecord(String what) {
            return set("on-bad-record", what);
        }

        /** {@code --max-bad-fraction}. */
        public Builder maxBadFraction(double fraction) {
            return set("max-bad-fraction", fraction);
        }

        /** {@code --divergence-rises}. */
        public Builder divergenceRises(int rises) {
            return set("divergence-rises", rises);
        }

        /** {@code --progress-every}. */
        public Builder progressEvery(int iterations) {
            return set("progress-every", iterations);
        }

        /** {@code --progress-bar}: auto, on or off. */
        public Builder progressBar(String when) {
            return set("progress-bar", when);
        }

        /** {@code --block-rows}. */
        public Builder blockRows(int rows) {
            return set("block-rows", rows);
        }

        /** {@code --feature-precision}: "float64" (default) or "float32", how the cached features are stored. */
        public Builder featurePrecision(String precision) {
            return set("feature-precision", precision);
        }

        /**
         * {@code --output}: a folder (any Hadoop path) that gets model.json, metrics.jsonl, report.html and
         * loss.png, as from the command line. Without it they go to a temporary folder, deleted after training.
         */
        public Builder output(String dir) {
            return set("output", dir);
        }

        /**
         * {@code --overwrite}: replace the model an earlier run left in {@link #output}'s folder (its model,
         * evaluation, metrics, report and checkpoints are removed first; other files are left alone). Without it
         * such a folder is refused with an {@link OutputException} naming it.
         */
        public Builder overwrite(boolean on) {
            return set("overwrite", Boolean.toString(on));
        }

        /** {@code --config}: a properties file of settings; the builder's own settings override it. */
        public Builder config(String file) {
            return set("config", file);
        }

        /** Where the progress lines go (default System.out). */
        public Builder progress(PrintStream out) {
            this.progress = out;
            return this;
        }

        /** No progress lines. */
        public Builder quiet() {
            return progress(new PrintStream(OutputStream.nullOutputStream()));
        }

        /** Checks the settings together (an objective is required; settings that do not fit it are refused). */
        public Downhill build() {
            TrainCommand.validate(Settings.parse(Settings.TRAIN, args(values, DATAFRAME_INPUT, "unused")));
            return new Downhill(Collections.unmodifiableMap(new LinkedHashMap<>(values)), progress);
        }
    }

    /** The train settings a builder method sets, by command-line key (for tests and documentation). */
    static List<String> builderKeys() {
        List<String> keys = new ArrayList<>();
        for (java.lang.reflect.Method m : Builder.class.getDeclaredMethods()) {
            if (java.lang.reflect.Modifier.isPublic(m.getModifiers()) && m.getReturnType() == Builder.class
                    && !List.of("set", "progress", "quiet").contains(m.getName())) {
                keys.add(kebab(m.getName()));
            }
        }
        Collections.sort(keys);
        return keys;
    }

    /** maxIter -> max-iter. */
    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** The train settings by key (so tests can check the builder against the registry). */
    static Map<String, Setting> trainSettings() {
        Map<String, Setting> out = new LinkedHashMap<>();
        for (Setting s : Settings.ALL) {
            if (s.isReadBy(Settings.TRAIN)) {
                out.put(s.key(), s);
            }
        }
        return out;
    }
}
