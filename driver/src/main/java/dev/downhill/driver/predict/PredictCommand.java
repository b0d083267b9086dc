package dev.downhill.driver.predict;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.Predictor;
import dev.downhill.driver.io.BadInputException;
import dev.downhill.driver.io.FeatureNames;
import dev.downhill.driver.io.InputFiles;
import dev.downhill.driver.io.ParsedRow;
import dev.downhill.driver.io.RowBlocks;
import dev.downhill.driver.io.RowReader;
import dev.downhill.driver.settings.InputSettings;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import dev.downhill.driver.sharded.ShardedScoring;
import dev.downhill.driver.train.ModelFile;
import dev.downhill.driver.train.ScoringParameters;
import dev.downhill.driver.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * {@code predict}: applies a trained model to data and writes one output row per input row, in input order
 * within each part file: the input columns --keep-columns names (CSV, copied as text), label (when the input has
 * labels), prediction (in the data's labels), and score(s),
 * as CSV with a header line or as Parquet, a folder of part files written by Spark's DataFrameWriter. The rows
 * are read as train reads them, never shuffled: each task parses its input split, packs block-rows rows at a
 * time, runs worker-core's {@link Predictor} on the block and hands the rows to the writer. A sharded model too
 * large for the driver stays on the executors: the input is read once more first, for each partition's feature
 * set, and each partition pulls only those parameters ({@link ShardedScoring}); rows, order and bits are the same.
 */
public final class PredictCommand {
    public static final String JOB_GROUP = "downhill-predict";

    private final Settings settings;
    private final PrintStream out;

    public PredictCommand(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Checks what predict needs that parsing alone cannot, before Spark starts. */
    public static void validate(Settings s) {
        InputSettings.validate(s);
        s.require("model");
        s.require("output");
        if (s.isGiven("keep-columns")) {
            keepList(s.get("keep-columns"));
        }
    }

    /**
     * Refuses an --output that already exists, before Spark starts: predict writes a new folder and never
     * deletes one. (Where the path cannot be checked without Spark's settings, the writer refuses it later.)
     */
    public static void checkOutputIsNew(Settings s) {
        Path output = new Path(s.require("output"));
        boolean exists;
        try {
            exists = output.getFileSystem(new Configuration()).exists(output);
        } catch (IOException | RuntimeException e) {
            return;
        }
        if (exists) {
            throw new SettingsException("--output " + output + " already exists; predict writes a new folder."
                    + " Choose another path or remove it.");
        }
    }

    /** The columns: label (if labeled), prediction, then score, score_LABEL per softmax class, or a score array. */
    static StructType schema(TrainingResult model, boolean labeled, boolean scoreArray) {
        return schema(model, labeled, scoreArray, List.of());
    }

    /** The same, after the input columns kept (as text). */
    static StructType schema(TrainingResult model, boolean labeled, boolean scoreArray, List<String> kept) {
        List<StructField> fields = new ArrayList<>();
        for (String name : kept) {
            fields.add(DataTypes.createStructField(name, DataTypes.StringType, false));
        }
        if (labeled) {
            fields.add(DataTypes.createStructField("label", DataTypes.DoubleType, false));
        }
        fields.add(DataTypes.createStructField("prediction", DataTypes.DoubleType, false));
        if (model.objective != Objective.SOFTMAX) {
            fields.add(DataTypes.createStructField("score", DataTypes.DoubleType, false));
        } else if (scoreArray) {
            fields.add(DataTypes.createStructField("score", DataTypes.createArrayType(DataTypes.DoubleType, false),
                    false));
        } else {
            for (double label : model.classLabels) {
                fields.add(DataTypes.createStructField("score_" + labelText(label), DataTypes.DoubleType, false));
            }
        }
        return DataTypes.createStructType(fields);
    }

    /**
     * Resolves --keep-columns (CSV only) into the input columns' 0-based numbers, set on {@code o}, and returns the
     * output names of the kept columns: the header's names (or column_N without a header), with "input_" in
     * front of any that would clash with the prediction columns. Empty without the setting.
     */
    static List<String> keepColumns(Settings s, InputFiles files, String format, RowReader.Options o,
                                    Configuration conf, TrainingResult model, boolean scoreArray) {
        if (!s.isGiven("keep-columns")) {
            return List.of();
        }
        if (!"csv".equals(format)) {
            throw new BadInputException("--keep-columns applies to CSV input, but " + files.input() + " is read as "
                    + format + ". (For Parquet or a DataFrame, join the predictions to the input on a key column"
                    + " instead.)");
        }
        List<String> header = FeatureNames.csvHeader(files, o, conf);
        List<String> wanted = keepList(s.get("keep-columns"));
        int[] columns = new int[wanted.size()];
        List<String> names = new ArrayList<>();
        java.util.Set<String> taken = new java.util.HashSet<>();
        for (StructField f : schema(model, o.labeled, scoreArray).fields()) {
            taken.add(f.name());
        }
        for (int i = 0; i < columns.length; i++) {
            String w = wanted.get(i);
            int c = header == null ? -1 : header.indexOf(w);
            if (c < 0 && w.chars().allMatch(Character::isDigit)) {
                c = Integer.parseInt(w);
                if (header != null && c >= header.size()) {
                    throw new BadInputException("--keep-columns asks for column " + c + ", but " + files.paths().get(0)
                            + " has " + header.size() + " columns (0.." + (header.size() - 1) + ").");
                }
            } else if (c < 0) {
                throw new BadInputException("--keep-columns names column '" + w + "', but " + (header == null
                        ? files.paths().get(0) + " has no header line to find it in: give 0-based column numbers"
                        : "the header of " + files.paths().get(0) + " has no such column: " + header) + ".");
            }
            columns[i] = c;
            String name = header != null ? header.get(c) : "column_" + c;
            names.add(taken.contains(name) ? "input_" + name : name);
            taken.add(names.get(i));
        }
        o.keepColumns = columns;
        return names;
    }

    /** "a, b,3" as [a, b, 3]; an empty entry or a column named twice is refused. */
    static List<String> keepList(String value) {
        List<String> list = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String name = part.trim();
            if (name.isEmpty() || list.contains(name)) {
                throw new SettingsException("--keep-columns '" + value + "' is not valid: expected column names or"
                        + " 0-based numbers separated by commas, none empty and none twice.");
            }
            list.add(name);
        }
        return list;
    }

    private static String labelText(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** Predicts, writes the files and returns the output folder's full path. */
    public String run(SparkSession spark) throws IOException {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = jsc.hadoopConfiguration();
        String modelDir = settings.require("model");
        TrainingResult model = ModelFile.loadForScoring(modelDir, conf);
        String modelPath = ModelFile.location(modelDir, conf);
        String outputFormat = settings.get("output-format");
        // Softmax scores go to Parquet as one array column; every other model has one score.
        boolean scoreArray = "parquet".equals(outputFormat) && model.objective == Objective.SOFTMAX;

        jsc.setJobGroup(JOB_GROUP, "Downhill predict: " + settings.get("input"), false);
        RowReader.Options o = new RowReader.Options();
        InputSettings.apply(settings, o);
        o.fitModel(model.numFeatures, modelPath);
        InputFiles files = InputFiles.resolve(o.input, conf);
        String format = RowReader.resolveFormat(o.format, files);
        // Columns in another order than the model's would be scored with the wrong weights: refuse them.
        FeatureNames.check(model.featureNames, modelPath, FeatureNames.of(jsc, files, format, o), files.input());

        List<String> keptNames = keepColumns(settings, files, format, o, conf, model, scoreArray);
        int keptCount = keptNames.size();
        Objective objective = model.objective;
        int d = model.numFeatures;
        int numClasses = model.classLabels == null ? 0 : model.classLabels.length;
        double[] classLabels = model.classLabels;
        int blockRows = dev.downhill.driver.train.ModelSettings.blockRows(settings, false);
        boolean labeled = o.labeled;
        dev.downhill.core.model.Architecture architecture = model.architecture;
        // Counted in the writing job's tasks, which Spark applies once per task even when tasks are retried.
        LongAccumulator count = jsc.sc().longAccumulator("rows predicted");
        JavaPairRDD<Long, ParsedRow> input = RowReader.read(jsc, files, format, o);
        // The model on the driver is broadcast; a sharded one too large for the driver stays on the executors.
        // Each partition pulls the parameters its features need: the input is read once for the feature sets and
        // again to write, in the same partitions, so the rows keep their order and part files.
        try (ScoringParameters parameters = ScoringParameters.of(jsc, model,
                () -> input.mapPartitions(it -> new RowBlocks(it, d, blockRows, null)), out)) {
            Broadcast<double[]> params = parameters.broadcast();
            JavaRDD<Row> rows;
            if (params != null) {
                rows = input.mapPartitions(it -> {
                    Predictor predictor = new Predictor(objective, architecture, numClasses, params.value());
                    RowBlocks blocks = new RowBlocks(it, d, blockRows, null);
                    return new PredictedRows(blocks, predictor, classLabels, labeled, scoreArray, count)
                            .keeping(keptCount, blocks::kept);
                });
            } else {
                rows = input.zipPartitions(parameters.localModels(), (it, local) -> {
                    ShardedScoring.LocalModel m = local.next();
                    RowBlocks blocks = new RowBlocks(it, d, blockRows, null);
                    return new PredictedRows(m.pack(blocks), m.predictor(objective, numClasses), classLabels,
                            labeled, scoreArray, count).keeping(keptCount, blocks::kept);
                });
            }
            String output = settings.require("output");
            Path target = new Path(output);
            FileSystem fs = target.getFileSystem(conf);
            boolean existedBefore = fs.exists(target);
            try {
                spark.createDataFrame(rows, schema(model, labeled, scoreArray, keptNames))
                        .write()
                        .mode(SaveMode.ErrorIfExists)
                        .format(outputFormat)
                        .option("header", "true")
                        .save(output);
            } catch (Exception e) { // SparkException is checked in Java's eyes, though save() does not declare it
                // A failed write (a bad record) leaves the empty folder it made; remove it so a rerun is not
                // refused for an existing --output. Only a folder this run created, and only when empty.
                if (!existedBefore && fs.exists(target) && fs.listStatus(target).length == 0) {
                    fs.delete(target, false);
                }
                throw e;
            }
            String written = fs.makeQualified(target).toString();
            out.printf("predicted %d rows of %s (%s) with the %s model %s%n", count.value(), files.input(), format,
                    objective.cliName(), modelPath);
            out.println("predictions written to " + written + " (" + outputFormat + ")");
            return written;
        }
    }
}
