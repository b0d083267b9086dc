package dev.downhill.driver.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.driver.TestData;
import dev.downhill.driver.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * DataFrames as training data: rows keyed by content land in the same blocks, in the same order, however the
 * DataFrame is partitioned; ties on the key are put in content order; dense and sparse forms of a row key alike;
 * bad rows are named by their content; Parquet files from another writer (no Spark schema in the footer) are
 * read in a session with Downhill's own Kryo registrations only.
 */
class DataFrameLoadingTest {
    private static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("DataFrameLoadingTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static final StructType SCHEMA = new StructType(new StructField[] {
        DataTypes.createStructField("label", DataTypes.DoubleType, true),
        DataTypes.createStructField("features", new VectorUDT(), true)});

    /** The rows of t with some duplicated (identical rows tie on the key), dense or sparse at random. */
    private static List<Row> rows(TestData t, long seed) {
        Random r = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < t.rows(); i++) {
            int copies = i % 17 == 0 ? 3 : 1;
            for (int c = 0; c < copies; c++) {
                rows.add(RowFactory.create(t.y[i], r.nextBoolean() ? Vectors.dense(t.x[i])
                        : Vectors.dense(t.x[i]).toSparse()));
            }
        }
        return rows;
    }

    private static TrainingDataLoader.Options options(int partitions) {
        TrainingDataLoader.Options o = new TrainingDataLoader.Options();
        o.objective = Objective.LOGISTIC;
        o.partitions = partitions;
        o.blockRows = 16;
        return o;
    }

    /** Every block's rows as (label, weight, dense features), in block and row order. */
    private static List<double[]> contents(TrainingData data) {
        List<double[]> out = new ArrayList<>();
        for (DataBlock b : data.blocks.collect()) {
            for (int i = 0; i < b.numRows(); i++) {
                double[] row = new double[b.numFeatures() + 2];
                row[0] = b.label(i);
                row[1] = b.weight(i);
                double[] x = new double[b.numFeatures()];
                b.axpy(i, 1.0, x, 0);
                System.arraycopy(x, 0, row, 2, x.length);
                out.add(row);
            }
        }
        return out;
    }

    /** Every block's row keys, in block and row order. */
    private static List<Long> rowKeys(TrainingData data) {
        List<Long> out = new ArrayList<>();
        for (DataBlock b : data.blocks.collect()) {
            assertTrue(b.hasRowKeys(), "a block without row keys");
            for (int i = 0; i < b.numRows(); i++) {
                out.add(b.rowKey(i));
            }
        }
        return out;
    }

    @Test
    void theLayoutDependsOnTheRowsAndPartitionCountOnly() {
        TestData t = TestData.binary(300, 4, 3);
        List<Row> rows = rows(t, 1);
        List<Row> shuffled = rows(t, 2); // other dense/sparse choices
        Collections.shuffle(shuffled, new Random(3));
        Dataset<Row> one = spark.createDataFrame(rows, SCHEMA).coalesce(1);
        Dataset<Row> seven = spark.createDataFrame(shuffled, SCHEMA).repartition(7);

        TrainingData a = TrainingDataLoader.load(one, options(3));
        TrainingData b = TrainingDataLoader.load(seven, options(3));
        try {
            assertEquals(3, a.partitions);
            assertEquals(rows.size(), a.rows());
            assertEquals(4, a.numFeatures);
            assertEquals("dataframe", a.format);
            List<double[]> ca = contents(a);
            List<double[]> cb = contents(b);
            assertEquals(ca.size(), cb.size());
            for (int i = 0; i < ca.size(); i++) {
                assertArrayEquals(ca.get(i), cb.get(i), "row " + i);
            }
            assertEquals(a.smoothness.meanAugmentedSquaredNormOrNaN(), b.smoothness.meanAugmentedSquaredNormOrNaN());
            // Every block carries its rows' keys (what seeds dropout masks), the same however the input was split.
            assertEquals(rowKeys(a), rowKeys(b));
            assertEquals(rows.size(), rowKeys(a).size());
            // Without --partitions, an in-memory DataFrame gets 2.
            TrainingData c = TrainingDataLoader.load(one, options(0));
            assertEquals(2, c.partitions);
            c.release();
        } finally {
            a.release();
            b.release();
        }
    }

    @Test
    void denseAndSparseFormsOfARowKeyAlike() {
        double[] x = {0.0, 1.5, 0.0, -2.25};
        ParsedRow dense = new ParsedRow(1.0, 1.0, null, x, -1);
        ParsedRow sparse = new ParsedRow(1.0, 1.0, new int[] {1, 3}, new double[] {1.5, -2.25}, -1);
        ParsedRow other = new ParsedRow(1.0, 1.0, new int[] {1, 3}, new double[] {1.5, -2.5}, -1);
        ParsedRow otherLabel = new ParsedRow(0.0, 1.0, null, x, -1);
        assertEquals(DataFrameRows.contentKey(dense), DataFrameRows.contentKey(sparse));
        assertTrue(DataFrameRows.contentKey(dense) != DataFrameRows.contentKey(other));
        assertTrue(DataFrameRows.contentKey(dense) != DataFrameRows.contentKey(otherLabel));
        // -0.0 and 0.0 labels are one label.
        assertEquals(DataFrameRows.contentKey(otherLabel),
                DataFrameRows.contentKey(new ParsedRow(-0.0, 1.0, null, x, -1)));
    }

    @Test
    void rowsThatTieOnTheKeyComeOutInContentOrder() {
        ParsedRow a = new ParsedRow(0.0, 1.0, null, new double[] {1, 2}, -1);
        ParsedRow b = new ParsedRow(1.0, 1.0, null, new double[] {1, 2}, -1);
        ParsedRow c = new ParsedRow(1.0, 1.0, new int[] {0}, new double[] {3}, -1);
        ParsedRow d = new ParsedRow(1.0, 2.0, null, new double[] {0, 2}, -1);
        // Keys 5 (four rows, scrambled) then 9 (one row): forced ties, as a hash collision would make.
        List<Tuple2<Long, ParsedRow>> in = List.of(new Tuple2<>(5L, c), new Tuple2<>(5L, d), new Tuple2<>(5L, a),
                new Tuple2<>(5L, b), new Tuple2<>(9L, a));
        List<ParsedRow> out = new ArrayList<>();
        Iterator<Tuple2<Long, ParsedRow>> it = DataFrameRows.orderTies(in.iterator());
        while (it.hasNext()) {
            out.add(it.next()._2());
        }
        assertEquals(List.of(a, b, c, d, a), out);
        // Every permutation of the tied rows gives that order.
        List<Tuple2<Long, ParsedRow>> reversed = new ArrayList<>(in.subList(0, 4));
        Collections.reverse(reversed);
        List<ParsedRow> again = new ArrayList<>();
        DataFrameRows.orderTies(reversed.iterator()).forEachRemaining(t -> again.add(t._2()));
        assertEquals(List.of(a, b, c, d), again);
    }

    @Test
    void badDataFrameRowsAreQuoted() {
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create(1.0, Vectors.dense(1, 2)));
        rows.add(RowFactory.create(0.0, null));
        Dataset<Row> df = spark.createDataFrame(rows, SCHEMA);
        BadInputException e = assertThrows(BadInputException.class, () -> {
            try {
                TrainingDataLoader.load(df, options(2));
            } catch (RuntimeException wrapped) {
                for (Throwable c = wrapped; c != null; c = c.getCause()) {
                    if (c instanceof BadInputException) {
                        throw (BadInputException) c;
                    }
                }
                throw wrapped;
            }
        });
        assertTrue(e.getMessage().startsWith("bad row of the DataFrame: the features (column 'features') is null"),
                e.getMessage());
        assertTrue(e.getMessage().contains("\"[0.0,null]\""), e.getMessage());
    }

    @Test
    void parquetFromAnotherWriterIsReadWithDownhillsRegistrationsAlone() throws Exception {
        // No Spark schema in the footer, so Spark infers it in a job whose results Kryo must know.
        MessageType schema = MessageTypeParser.parseMessageType(
                "message row { required double y; required double a; optional int32 b; }");
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve("plain/data.parquet").toUri());
        Configuration conf = new Configuration();
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        TestData t = TestData.binary(80, 2, 9);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(file).withType(schema).withConf(conf).build()) {
            for (int i = 0; i < t.rows(); i++) {
                w.write(groups.newGroup().append("y", t.y[i]).append("a", t.x[i][0])
                        .append("b", (int) Math.round(10 * t.x[i][1])));
            }
        }
        assertEquals(null, DataFrameRows.sparkSchema(file.toString(), conf));
        TrainingDataLoader.Options o = options(2);
        o.input = dir.resolve("plain").toString();
        o.labelField = "y";
        o.featureFields = List.of("a", "b");
        TrainingData data = TrainingDataLoader.load(TestSpark.context(spark), o);
        try {
            assertEquals("parquet", data.format);
            assertEquals(80, data.rows());
            assertEquals(2, data.numFeatures);
        } finally {
            data.release();
        }
    }
}
