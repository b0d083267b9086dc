package dev.downhill.driver.io;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Spark SQL rows (Parquet files, or any DataFrame) as keyed {@link ParsedRow}s, the form the text readers give,
 * so that training, evaluate and predict treat them like LIBSVM or CSV rows. A row has a numeric label column,
 * optionally a numeric weight column (positive), and its features either in one column (a Spark ML vector,
 * dense or sparse, or an array of numbers) or in a list of numeric columns. A null, NaN or infinite value, a
 * weight that is not positive, or a vector of another size than the model's d is a bad record, named and
 * counted like a bad line of text.
 *
 * <p>The keys decide where a row lands in the loading shuffle (partition mix(key) mod P) and its order there,
 * so they must not depend on how Spark happens to split or schedule the input:
 * <ul>
 *   <li>Parquet files: {@link RowKey}(file index, row index within the file), from Spark's hidden
 *       {@code _metadata.file_path} and {@code _metadata.row_index} columns. Like (file, byte offset) for text,
 *       it is a function of the files alone: not of the split size, the cluster's cores or the task order. Rows
 *       keep file order, and messages name the file and the row.</li>
 *   <li>any other DataFrame: a 64-bit hash of the row's content (label, weight and the non-zero features, so a
 *       dense and a sparse form of one vector hash alike); rows with the same key are then ordered by their
 *       content ({@link #CONTENT_ORDER}). A DataFrame has no stable row identity in general:
 *       {@code monotonically_increasing_id} and positions within partitions change with the input partitioning,
 *       which for files follows the cluster's default parallelism. The content key depends on the multiset of
 *       rows alone, and rows that tie on it entirely are identical, so their order cannot change a sum.</li>
 * </ul>
 */
public final class DataFrameRows {

    /** Where a DataFrame's rows come from, in messages. */
    public static final String DATAFRAME = "the DataFrame";

    private final JavaPairRDD<Long, ParsedRow> rows;
    private final int numFeatures;
    private final RowLocator locator;
    /** The features' names, or null (see {@link #featureNames()}). */
    private String[] featureNames;

    private DataFrameRows(JavaPairRDD<Long, ParsedRow> rows, int numFeatures, RowLocator locator) {
        this.rows = rows;
        this.numFeatures = numFeatures;
        this.locator = locator;
    }

    private DataFrameRows named(String[] names) {
        this.featureNames = names;
        return this;
    }

    /** The features' names: the --feature-columns, or the vector column's attribute names; null without names. */
    public String[] featureNames() {
        return featureNames == null ? null : featureNames.clone();
    }

    /** The converted rows, keyed, in input order (not yet shuffled). */
    public JavaPairRDD<Long, ParsedRow> rows() {
        return rows;
    }

    /** The d every row was checked against (0 when the input has no row to take it from). */
    public int numFeatures() {
        return numFeatures;
    }

    /** Describes a row by its key in messages. */
    public RowLocator locator() {
        return locator;
    }

    /** Reads Parquet files (as listed by {@link InputFiles}), keyed by (file, row index). */
    public static DataFrameRows parquet(JavaSparkContext jsc, InputFiles files, RowReader.Options o) {
        FileSniffer.check(files, "parquet", o.format, jsc.hadoopConfiguration());
        SparkSession spark = SparkSession.active();
        List<String> paths = files.paths();
        Dataset<Row> df;
        try {
            StructType schema = sparkSchema(paths.get(0), jsc.hadoopConfiguration());
            DataFrameReader reader = schema == null ? spark.read() : spark.read().schema(schema);
            df = reader.parquet(paths.toArray(new String[0]));
        } catch (Exception e) { // AnalysisException is checked in Java's eyes
            throw new BadInputException("cannot read " + o.input + " as Parquet: " + e.getMessage(), e);
        }
        Columns c = Columns.resolve(df, o, "input " + o.input);
        List<Column> selected = c.selection();
        selected.add(functions.col("_metadata.file_path"));
        selected.add(functions.col("_metadata.row_index"));
        Map<String, Integer> fileIndex = new HashMap<>();
        for (int i = 0; i < paths.size(); i++) {
            fileIndex.put(paths.get(i), i);
        }
        Converter converter = c.converter();
        int pathAt = converter.width;
        JavaPairRDD<Long, ParsedRow> rows = df.select(selected.toArray(new Column[0])).javaRDD()
                .mapToPair(r -> {
                    String path = new Path(URI.create(r.getString(pathAt))).toString();
                    Integer file = fileIndex.get(path);
                    if (file == null) {
                        throw new IllegalStateException("Parquet row from unlisted file " + path);
                    }
                    long rowIndex = r.getLong(pathAt + 1);
                    long key = RowKey.of(file, rowIndex);
                    return new Tuple2<>(key, converter.convert(r, path + " row " + (rowIndex + 1), rowIndex + 1));
                });
        return new DataFrameRows(rows, c.numFeatures, new ParquetLocator(paths)).named(c.featureNames);
    }

    /**
     * The schema Spark wrote into a Parquet file's footer (with vector types and column metadata), read on the
     * driver; null for a file another writer made. Spark's own schema inference runs a job whose results (the
     * footers' schemas) would need every SQL type class registered with Kryo.
     */
    static StructType sparkSchema(String file, Configuration conf) {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file), conf))) {
            String json = reader.getFooter().getFileMetaData().getKeyValueMetaData().get(SPARK_SCHEMA_KEY);
            if (json == null) {
                return null;
            }
            DataType type = DataType.fromJson(json);
            return type instanceof StructType ? (StructType) type : null;
        } catch (IOException | RuntimeException e) {
            return null; // Spark's reader will say what is wrong with the file
        }
    }

    /** Where Spark keeps its schema in the footers of the Parquet files it writes. */
    private static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

    /** Reads any DataFrame, keyed by the rows' content. */
    public static DataFrameRows of(Dataset<Row> df, RowReader.Options o) {
        Columns c = Columns.resolve(df, o, DATAFRAME);
        Converter converter = c.converter();
        JavaPairRDD<Long, ParsedRow> rows = df.select(c.selection().toArray(new Column[0])).javaRDD()
                .mapToPair(r -> {
                    ParsedRow row = converter.convert(r, null, -1);
                    return new Tuple2<>(contentKey(row), row);
                });
        return new DataFrameRows(rows, c.numFeatures, new ContentLocator(rows)).named(c.featureNames);
    }

    /**
     * A hash of what training reads from a row: label, weight and the non-zero features as (index, value), so
     * a dense and a sparse form of one row hash alike; for a bad record, its message. SplitMix64 mixing.
     */
    static long contentKey(ParsedRow r) {
        if (r.isBad()) {
            return RowKey.mix(r.badMessage.hashCode() * 0x9E3779B97F4A7C15L);
        }
        long h = RowKey.mix(Double.doubleToLongBits(r.label + 0.0));
        h = RowKey.mix(h ^ Double.doubleToLongBits(r.weight));
        int n = r.values.length;
        for (int p = 0; p < n; p++) {
            double v = r.values[p];
            if (v != 0.0) {
                int j = r.indices == null ? p : r.indices[p];
                h = RowKey.mix(h ^ j);
                h = RowKey.mix(h ^ Double.doubleToLongBits(v));
            }
        }
        return h;
    }

    /**
     * A total order on rows by content: good rows first, then label, weight, dense before sparse, the stored
     * entries (indices, then values), and bad records by message. Rows it calls equal are identical entry for
     * entry, so swapping them changes no block.
     */
    public static final Comparator<ParsedRow> CONTENT_ORDER = (a, b) -> {
        if (a.isBad() != b.isBad()) {
            return a.isBad() ? 1 : -1;
        }
        if (a.isBad()) {
            return a.badMessage.compareTo(b.badMessage);
        }
        int c = Long.compare(Double.doubleToLongBits(a.label), Double.doubleToLongBits(b.label));
        if (c == 0) {
            c = Long.compare(Double.doubleToLongBits(a.weight), Double.doubleToLongBits(b.weight));
        }
        if (c == 0) {
            c = Boolean.compare(a.indices != null, b.indices != null);
        }
        if (c == 0 && a.indices != null) {
            c = Arrays.compare(a.indices, b.indices);
        }
        if (c == 0) {
            c = Integer.compare(a.values.length, b.values.length);
        }
        for (int p = 0; c == 0 && p < a.values.length; p++) {
            c = Long.compare(Double.doubleToLongBits(a.values[p]), Double.doubleToLongBits(b.values[p]));
        }
        return c;
    };

    /**
     * Within a partition sorted by key, puts each run of rows with the same key in {@link #CONTENT_ORDER}, so
     * the partition's row sequence depends on its rows alone. (Runs are nearly always a single row.)
     */
    public static Iterator<Tuple2<Long, ParsedRow>> orderTies(Iterator<Tuple2<Long, ParsedRow>> sorted) {
        return new Iterator<>() {
            private final List<Tuple2<Long, ParsedRow>> run = new ArrayList<>();
            private Tuple2<Long, ParsedRow> pending;
            private int next;

            @Override
            public boolean hasNext() {
                if (next < run.size()) {
                    return true;
                }
                run.clear();
                next = 0;
                if (pending == null && sorted.hasNext()) {
                    pending = sorted.next();
                }
                if (pending == null) {
                    return false;
                }
                run.add(pending);
                pending = null;
                while (sorted.hasNext()) {
                    Tuple2<Long, ParsedRow> t = sorted.next();
                    if (t._1().longValue() != run.get(0)._1().longValue()) {
                        pending = t;
                        break;
                    }
                    run.add(t);
                }
                if (run.size() > 1) {
                    run.sort((a, b) -> CONTENT_ORDER.compare(a._2(), b._2()));
                }
                return true;
            }

            @Override
            public Tuple2<Long, ParsedRow> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return run.get(next++);
            }
        };
    }

    /** The label, weight and feature columns of a schema, checked, and the d the rows must have. */
    static final class Columns {
        final String source;
        /** Selected columns, in the order the converter reads them: label?, weight?, features... */
        final List<String> names = new ArrayList<>();
        final boolean labeled;
        final boolean weighted;
        final Converter.Features kind;
        final int numFeatures;
        final String numFeaturesSource;
        final double[] acceptedLabels;
        final boolean skipBad;
        final String modelFile;
        /** The features' names: --feature-columns, or a vector column's attribute names; null if unnamed. */
        String[] featureNames;

        private Columns(String source, boolean labeled, boolean weighted, Converter.Features kind, int numFeatures,
                        String numFeaturesSource, RowReader.Options o) {
            this.source = source;
            this.labeled = labeled;
            this.weighted = weighted;
            this.kind = kind;
            this.numFeatures = numFeatures;
            this.numFeaturesSource = numFeaturesSource;
            this.acceptedLabels = o.acceptedLabels;
            this.skipBad = o.skipBadRecords;
            this.modelFile = o.modelFile;
        }

        static Columns resolve(Dataset<Row> df, RowReader.Options o, String source) {
            StructType schema = df.schema();
            String label = o.labeled ? field(schema, o.labelField, "--label-column", source) : null;
            String weight = o.weightField == null ? null : field(schema, o.weightField, "--weight-column", source);
            if (label != null) {
                requireNumeric(schema, label, "the label", source);
            }
            if (weight != null) {
                requireNumeric(schema, weight, "the weight", source);
                if (weight.equals(label)) {
                    throw new BadInputException("--weight-column and --label-column both name column '" + label
                            + "' of " + source + ".");
                }
            }
            Columns c;
            if (o.featureFields != null) {
                List<String> features = new ArrayList<>();
                for (String f : o.featureFields) {
                    String name = field(schema, f, "--feature-columns", source);
                    requireNumeric(schema, name, "feature column '" + name + "'", source);
                    if (name.equals(label) || name.equals(weight)) {
                        throw new BadInputException("--feature-columns lists '" + name + "', the "
                                + (name.equals(label) ? "label" : "weight") + " column of " + source + ".");
                    }
                    features.add(name);
                }
                int d = features.size();
                if (o.numFeatures > 0 && o.numFeatures != d) {
                    throw new BadInputException("--feature-columns lists " + d + " columns, but "
                            + numFeaturesGiven(o) + " is " + o.numFeatures + ".");
                }
                c = new Columns(source, label != null, weight != null, Converter.Features.COLUMNS, d,
                        "--feature-columns", o);
                c.names.addAll(features);
                c.featureNames = features.toArray(new String[0]);
            } else {
                String name = featuresField(schema, o.featuresField, source);
                DataType type = schema.apply(name).dataType();
                Converter.Features kind = type instanceof VectorUDT ? Converter.Features.VECTOR
                        : Converter.Features.ARRAY;
                int d;
                String from;
                if (o.numFeatures > 0) {
                    d = o.numFeatures;
                    from = numFeaturesGiven(o);
                } else {
                    int declared = kind == Converter.Features.VECTOR
                            ? AttributeGroup.fromStructField(schema.apply(name)).size() : -1;
                    if (declared >= 0) {
                        d = declared;
                        from = "the size in column '" + name + "''s metadata";
                    } else {
                        d = firstSize(df, name, kind);
                        from = "the size of the first row's features";
                    }
                }
                c = new Columns(source, label != null, weight != null, kind, d, from, o);
                c.names.add(name);
                c.featureNames = kind == Converter.Features.VECTOR ? attributeNames(schema.apply(name), d) : null;
            }
            if (weight != null) {
                c.names.add(0, weight);
            }
            if (label != null) {
                c.names.add(0, label);
            }
            return c;
        }

        /** The names VectorAssembler records for a vector column's d slots, when every slot has one; else null. */
        private static String[] attributeNames(org.apache.spark.sql.types.StructField field, int d) {
            AttributeGroup group = AttributeGroup.fromStructField(field);
            if (group.size() != d || group.attributes().isEmpty()) {
                return null;
            }
            org.apache.spark.ml.attribute.Attribute[] attributes = group.attributes().get();
            String[] names = new String[d];
            for (int j = 0; j < d; j++) {
                if (attributes[j].name().isEmpty()) {
                    return null;
                }
                names[j] = attributes[j].name().get();
            }
            return names;
        }

        private static String numFeaturesGiven(RowReader.Options o) {
            return o.modelFile != null ? "the model's numFeatures (" + o.modelFile + ")" : "--num-features";
        }

        /** The selected columns, quoted so that names with dots or spaces are taken literally. */
        List<Column> selection() {
            List<Column> out = new ArrayList<>();
            for (String n : names) {
                out.add(functions.col("`" + n.replace("`", "``") + "`"));
            }
            return out;
        }

        Converter converter() {
            return new Converter(this);
        }

        /** The size of the features of the first row that has them; 0 when no row has. */
        private static int firstSize(Dataset<Row> df, String name, Converter.Features kind) {
            Column col = functions.col("`" + name.replace("`", "``") + "`");
            List<Row> first = df.select(col).where(col.isNotNull()).limit(1).collectAsList();
            if (first.isEmpty()) {
                return 0;
            }
            Object v = first.get(0).get(0);
            return kind == Converter.Features.VECTOR ? ((Vector) v).size() : first.get(0).getList(0).size();
        }

        /** A column named, or given by its 0-based position; refuses a missing one, listing the columns. */
        private static String field(StructType schema, String ref, String setting, String source) {
            if (ref.chars().allMatch(Character::isDigit)) {
                int position = Integer.parseInt(ref);
                if (position >= schema.fields().length) {
                    throw new BadInputException(setting + " " + ref + " is beyond the " + schema.fields().length
                            + " columns of " + source + ": " + describe(schema) + ".");
                }
                return schema.fields()[position].name();
            }
            if (!Arrays.asList(schema.fieldNames()).contains(ref)) {
                throw new BadInputException(source + " has no column '" + ref + "' (" + setting + "); its columns: "
                        + describe(schema) + ".");
            }
            return ref;
        }

        private static String featuresField(StructType schema, String name, String source) {
            if (!Arrays.asList(schema.fieldNames()).contains(name)) {
                throw new BadInputException(source + " has no column '" + name + "' (--features-column) for the"
                        + " features; its columns: " + describe(schema) + ". Name the vector column with"
                        + " --features-column, or list numeric columns with --feature-columns a,b,c.");
            }
            DataType type = schema.apply(name).dataType();
            boolean numericArray = type instanceof ArrayType
                    && ((ArrayType) type).elementType() instanceof NumericType;
            if (!(type instanceof VectorUDT) && !numericArray) {
                throw new BadInputException("column '" + name + "' of " + source + " is " + typeName(type)
                        + ": the features column must hold Spark ML vectors (org.apache.spark.ml.linalg) or arrays"
                        + " of numbers. For numeric columns use --feature-columns a,b,c.");
            }
            return name;
        }

        private static void requireNumeric(StructType schema, String name, String what, String source) {
            DataType type = schema.apply(name).dataType();
            if (!(type instanceof NumericType)) {
                throw new BadInputException(what + " (column '" + name + "' of " + source + ") is " + typeName(type)
                        + "; it must be numeric.");
            }
        }

        private static String describe(StructType schema) {
            return Arrays.stream(schema.fields()).map(f -> f.name() + " (" + typeName(f.dataType()) + ")")
                    .collect(Collectors.joining(", "));
        }

        private static String typeName(DataType type) {
            return type instanceof VectorUDT ? "vector" : type.simpleString();
        }
    }

    /** Turns one selected row (label?, weight?, features...) into a ParsedRow, or a bad record. */
    static final class Converter implements Serializable {
        private static final long serialVersionUID = 1L;

        enum Features { VECTOR, ARRAY, COLUMNS }

        private final String[] names;
        private final boolean labeled;
        private final boolean weighted;
        private final Features kind;
        private final int numFeatures;
        private final String numFeaturesSource;
        private final HashSet<Double> accepted;
        private final String acceptedText;
        private final boolean skipBad;
        /** Columns this converter reads; further selected columns (Parquet's _metadata) follow. */
        final int width;

        Converter(Columns c) {
            this.names = c.names.toArray(new String[0]);
            this.labeled = c.labeled;
            this.weighted = c.weighted;
            this.kind = c.kind;
            this.numFeatures = c.numFeatures;
            this.numFeaturesSource = c.numFeaturesSource;
            this.skipBad = c.skipBad;
            this.width = names.length;
            if (c.acceptedLabels == null) {
                this.accepted = null;
                this.acceptedText = null;
            } else {
                this.accepted = new HashSet<>();
                for (double label : c.acceptedLabels) {
                    accepted.add(label + 0.0); // + 0.0: -0.0 finds 0.0
                }
                this.acceptedText = Arrays.stream(c.acceptedLabels).mapToObj(Converter::number)
                        .collect(Collectors.joining(", "));
            }
        }

        /**
         * The row, or (under skip) a bad record to be counted; {@code where} names it ("FILE row N"), or null
         * for a DataFrame row, which is then named by its content.
         */
        ParsedRow convert(Row r, String where, long line) {
            try {
                return parse(r, where);
            } catch (BadInputException e) {
                if (!skipBad) {
                    throw e;
                }
                return ParsedRow.bad(e, line);
            }
        }

        private ParsedRow parse(Row r, String where) {
            int at = 0;
            double label = Double.NaN;
            if (labeled) {
                label = number(r, at, "the label", where);
                if (accepted != null && !accepted.contains(label + 0.0)) {
                    throw bad("label not in model", "label " + number(label) + " is not one of the labels the model"
                            + " was trained on (" + acceptedText + ")", r, where);
                }
                at++;
            }
            double weight = 1.0;
            if (weighted) {
                weight = number(r, at, "the weight", where);
                if (!(weight > 0.0)) {
                    throw bad("weight not positive", "the weight (column '" + names[at] + "') is " + number(weight)
                            + "; instance weights must be positive", r, where);
                }
                at++;
            }
            switch (kind) {
                case COLUMNS: {
                    double[] values = new double[numFeatures];
                    for (int j = 0; j < numFeatures; j++) {
                        values[j] = number(r, at + j, "feature column '" + names[at + j] + "'", where);
                    }
                    return new ParsedRow(label, weight, null, values, -1);
                }
                case ARRAY: {
                    if (r.isNullAt(at)) {
                        throw nullValue("the features", at, r, where);
                    }
                    List<Object> list = r.getList(at);
                    checkSize(list.size(), r, where);
                    double[] values = new double[list.size()];
                    for (int j = 0; j < values.length; j++) {
                        Object v = list.get(j);
                        if (v == null) {
                            throw bad("null value", "feature " + j + " (0-based) of column '" + names[at] + "' is null",
                                    r, where);
                        }
                        values[j] = finite(((Number) v).doubleValue(), "feature " + j + " (0-based)", r, where);
                    }
                    return new ParsedRow(label, weight, null, values, -1);
                }
                case VECTOR: {
                    if (r.isNullAt(at)) {
                        throw nullValue("the features", at, r, where);
                    }
                    Vector v = (Vector) r.get(at);
                    checkSize(v.size(), r, where);
                    if (v instanceof DenseVector) {
                        double[] values = ((DenseVector) v).values();
                        for (int j = 0; j < values.length; j++) {
                            finite(values[j], "feature " + j + " (0-based)", r, where);
                        }
                        return new ParsedRow(label, weight, null, values, -1);
                    }
                    SparseVector s = (SparseVector) v;
                    int[] indices = s.indices();
                    double[] values = s.values();
                    for (int p = 0; p < indices.length; p++) {
                        if (indices[p] < 0 || indices[p] >= s.size() || p > 0 && indices[p] <= indices[p - 1]) {
                            throw bad("malformed vector", "the sparse vector's indices are not increasing within its"
                                    + " size", r, where);
                        }
                        finite(values[p], "feature " + indices[p] + " (0-based)", r, where);
                    }
                    return new ParsedRow(label, weight, indices, values, -1);
                }
                default:
                    throw new AssertionError(kind);
            }
        }

        private void checkSize(int size, Row r, String where) {
            if (size != numFeatures) {
                throw bad("wrong vector size", "the features have size " + size + ", but d is " + numFeatures
                        + " (" + numFeaturesSource + ")", r, where);
            }
        }

        private double number(Row r, int at, String what, String where) {
            if (r.isNullAt(at)) {
                throw nullValue(what, at, r, where);
            }
            return finite(((Number) r.get(at)).doubleValue(), what + " (column '" + names[at] + "')", r, where);
        }

        private double finite(double v, String what, Row r, String where) {
            if (!Double.isFinite(v)) {
                throw bad("not finite", what + " is " + v + "; only finite numbers can be trained on", r, where);
            }
            return v;
        }

        private BadInputException nullValue(String what, int at, Row r, String where) {
            String column = "column '" + names[at] + "'";
            return bad("null value", what + (what.contains(column) ? "" : " (" + column + ")") + " is null", r, where);
        }

        /** "bad row in FILE row N: REASON: [row]." or, for a DataFrame, "bad row of the DataFrame: ...". */
        private BadInputException bad(String category, String reason, Row r, String where) {
            String row = r.toString();
            if (where != null && r.length() > width) {
                // Parquet: leave the _metadata columns out of the quoted row.
                Object[] shown = new Object[width];
                for (int i = 0; i < width; i++) {
                    shown[i] = r.get(i);
                }
                row = Arrays.toString(shown);
            }
            return new BadInputException(category, "bad row " + (where == null ? "of " + DATAFRAME : "in " + where)
                    + ": " + reason + ": " + BadInputException.quote(row) + " (columns " + String.join(", ", names)
                    + ").");
        }

        private static String number(double v) {
            return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
        }
    }

    /** Parquet rows by key: "FILE row N", the row counted from 1 as lines are. */
    static final class ParquetLocator extends RowLocator {
        ParquetLocator(List<String> paths) {
            super(paths);
        }

        @Override
        public String describe(RowRef r) {
            return paths().get(RowKey.fileIndex(r.key)) + " row " + (RowKey.byteOffset(r.key) + 1);
        }
    }

    /**
     * DataFrame rows by key: a DataFrame row has no place to name, so the row is found again by its key (one
     * job, on error paths only) and described by its content.
     */
    static final class ContentLocator extends RowLocator {
        private final JavaPairRDD<Long, ParsedRow> rows;

        ContentLocator(JavaPairRDD<Long, ParsedRow> rows) {
            super(List.of());
            this.rows = rows;
        }

        @Override
        public String describe(RowRef r) {
            long key = r.key;
            try {
                List<ParsedRow> found = rows.filter(t -> t._1() == key).values().take(1);
                return found.isEmpty() ? "a row of " + DATAFRAME : "the row of " + DATAFRAME + " with " + content(
                        found.get(0));
            } catch (RuntimeException e) {
                return "a row of " + DATAFRAME;
            }
        }

        private static String content(ParsedRow r) {
            StringBuilder sb = new StringBuilder("label ").append(Converter.number(r.label));
            if (r.weight != 1.0) {
                sb.append(", weight ").append(Converter.number(r.weight));
            }
            sb.append(", features ");
            int shown = 0;
            sb.append('{');
            for (int p = 0; p < r.values.length && shown < 10; p++) {
                if (r.values[p] != 0.0) {
                    sb.append(shown++ == 0 ? "" : ", ").append(r.indices == null ? p : r.indices[p]).append(": ")
                            .append(r.values[p]);
                }
            }
            return sb.append(shown == 10 ? ", ...}" : "}").toString();
        }
    }
}
