package dev.downhill.driver.io;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * Reads LIBSVM or CSV text from any Hadoop path into parsed rows keyed by their {@link RowKey}: one Spark
 * partition per input split, in file order, each line parsed where it is read, and every bad record a
 * {@link BadInputException} naming the file, the line and the text. Every command reads its data here:
 * train through {@link TrainingDataLoader}, evaluate and predict directly.
 */
public final class RowReader {

    /** How to read and parse the text. */
    public static class Options {
        public String input;
        /** auto, libsvm or csv. */
        public String format = "auto";
        /** 0: infer (train) and accept any LIBSVM index; else indices beyond it are bad records. */
        public int numFeatures;
        /** false: the input has no labels (LIBSVM lines are INDEX:VALUE ... only, CSV has no label column). */
        public boolean labeled = true;
        public int labelColumn;
        /** -1: none. */
        public int weightColumn = -1;
        public CsvParser.Header csvHeader = CsvParser.Header.AUTO;
        public char csvDelimiter = ',';
        /**
         * The model file the data must fit (see {@link #fitModel}), or null: then numFeatures is the model's,
         * a CSV row must have exactly that many feature columns, and messages name the model.
         */
        public String modelFile;
        /** Labels a row may have (a model's classLabels), or null for any; another label is a bad record. */
        public double[] acceptedLabels;
        /** on-bad-record=skip: bad records become {@link ParsedRow#bad} rows to be counted, not errors. */
        public boolean skipBadRecords;
        /**
         * Parquet and DataFrames: the label and weight columns, each a name or a 0-based position in the schema
         * written as digits (label: null when unlabeled; weight: null for none).
         */
        public String labelField = "label";
        public String weightField;
        /** Parquet and DataFrames: the vector (or array) column of the features, unless featureFields is given. */
        public String featuresField = "features";
        /** Parquet and DataFrames: the features as numeric columns, in order; null for featuresField. */
        public java.util.List<String> featureFields;
        /**
         * The settings given that only Parquet can honour (column names), in words, or null: reading text with
         * them is refused rather than silently ignoring them.
         */
        public String columnNamesForParquet;
        /** CSV: columns (0-based) whose text each row carries along (predict --keep-columns), or null. */
        public int[] keepColumns;

        /** Reads data for a trained model with {@code numFeatures} features, stored in {@code modelFile}. */
        public void fitModel(int modelNumFeatures, String file) {
            this.numFeatures = modelNumFeatures;
            this.modelFile = file;
        }
    }

    private RowReader() {}

    /**
     * The format to read: as given, or for auto csv when every file name ends in .csv or .csv.gz, parquet when
     * every one ends in .parquet, libsvm otherwise.
     */
    public static String resolveFormat(String format, InputFiles files) {
        if (!"auto".equals(format)) {
            return format;
        }
        if (files.paths().stream().allMatch(p -> p.toLowerCase(Locale.ROOT).endsWith(".parquet"))) {
            return "parquet";
        }
        boolean csv = files.paths().stream().allMatch(p -> {
            String name = p.toLowerCase(Locale.ROOT);
            return name.endsWith(".csv") || name.endsWith(".csv.gz");
        });
        return csv ? "csv" : "libsvm";
    }

    /** The parsed rows of {@code files} (resolved from o.input), keyed by row key, in input order. */
    public static JavaPairRDD<Long, ParsedRow> read(JavaSparkContext jsc, InputFiles files, String format, Options o) {
        if ("parquet".equals(format)) {
            return DataFrameRows.parquet(jsc, files, o).rows();
        }
        if (o.columnNamesForParquet != null) {
            throw new BadInputException(o.columnNamesForParquet + " applies to Parquet input, but " + o.input
                    + " is read as " + format + (format.equals(o.format) ? "" : " (from its file names; set --format"
                    + " parquet if it is Parquet)") + ". CSV columns are given by 0-based number.");
        }
        FileSniffer.check(files, format, o.format, jsc.hadoopConfiguration());
        Job job;
        try {
            job = Job.getInstance(jsc.hadoopConfiguration());
        } catch (IOException e) {
            throw new IllegalStateException("cannot set up the Hadoop input format", e);
        }
        List<String> paths = files.paths();
        Path[] hadoopPaths = new Path[paths.size()];
        Map<String, Integer> fileIndex = new HashMap<>();
        for (int i = 0; i < paths.size(); i++) {
            hadoopPaths[i] = new Path(paths.get(i));
            fileIndex.put(paths.get(i), i);
        }
        try {
            FileInputFormat.setInputPaths(job, hadoopPaths);
        } catch (IOException e) {
            throw new BadInputException("cannot read input " + o.input + ": " + e.getMessage(), e);
        }
        JavaNewHadoopRDD<LongWritable, Text> text = (JavaNewHadoopRDD<LongWritable, Text>) jsc.newAPIHadoopRDD(
                job.getConfiguration(), TextInputFormat.class, LongWritable.class, Text.class);

        TextRecords.LineParser lineParser = lineParser(format, o);
        boolean skip = o.skipBadRecords;
        JavaRDD<Tuple2<Long, ParsedRow>> parsed = text.mapPartitionsWithInputSplit((split, records) -> {
            FileSplit fileSplit = (FileSplit) split;
            String path = fileSplit.getPath().toString();
            Integer index = fileIndex.get(path);
            if (index == null) {
                throw new IllegalStateException("input split of unlisted file " + path);
            }
            return new TextRecords(records, path, index, fileSplit.getStart(), lineParser, skip);
        }, false);
        return parsed.mapToPair(t -> t);
    }

    private static TextRecords.LineParser lineParser(String format, Options o) {
        boolean forModel = o.modelFile != null;
        TextRecords.LineParser parser;
        if ("csv".equals(format)) {
            CsvParser csv = new CsvParser(o.csvDelimiter, o.labeled ? o.labelColumn : -1, o.weightColumn, o.csvHeader,
                    forModel ? o.numFeatures : 0, forModel ? "the model was trained on " + o.numFeatures
                    + " features (numFeatures in " + o.modelFile + ")" : null).keeping(o.keepColumns);
            parser = csv::parse;
        } else {
            LibsvmParser libsvm = new LibsvmParser(o.numFeatures, o.labeled, forModel ? "the " + o.numFeatures
                    + " features the model knows (numFeatures in " + o.modelFile + ")"
                    : "--num-features " + o.numFeatures);
            parser = (t, path, line, offset, first) -> libsvm.parse(t, path, line, offset);
        }
        if (o.acceptedLabels == null) {
            return parser;
        }
        // + 0.0 turns -0.0 into 0.0, which Double.equals would tell apart.
        HashSet<Double> accepted = new HashSet<>();
        for (double label : o.acceptedLabels) {
            accepted.add(label + 0.0);
        }
        String known = Arrays.stream(o.acceptedLabels).mapToObj(RowReader::format).collect(Collectors.joining(", "));
        boolean csv = "csv".equals(format);
        return (t, path, line, offset, first) -> {
            ParsedRow row = parser.parse(t, path, line, offset, first);
            if (row != null && !row.isBad() && !accepted.contains(row.label + 0.0)) {
                String reason = "label " + format(row.label) + " is not one of the labels the model was trained on ("
                        + known + ")";
                throw csv ? CsvParser.bad("label not in model", reason, t, path, line, offset)
                        : LibsvmParser.bad("label not in model", reason, t, path, line, offset);
            }
            return row;
        };
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
