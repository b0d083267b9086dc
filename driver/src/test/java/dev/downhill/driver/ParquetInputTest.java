package dev.downhill.driver;

import static dev.downhill.driver.BadInputHarness.assertBadInput;
import static dev.downhill.driver.BadInputHarness.assertSuccess;
import static dev.downhill.driver.BadInputHarness.model;
import static dev.downhill.driver.BadInputHarness.run;
import static dev.downhill.driver.BadInputHarness.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.BadInputHarness.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
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

/**
 * Parquet input through the command line: the same rows as a LIBSVM file train the same model (the same bytes
 * with one partition, where both keep file order; to rounding with several, where the keys spread the rows
 * differently), whether the features are a dense or sparse vector column or numeric columns; bad rows are
 * named by file and row and counted under skip. The session has only Downhill's own Kryo registrations, as in
 * production.
 */
class ParquetInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("ParquetInputTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Label, then the features as a vector, in the data's row order, as one Parquet file. */
    static Path writeVectors(TestData t, Path folder, boolean sparse) {
        StructType schema = new StructType(new StructField[] {
            DataTypes.createStructField("label", DataTypes.DoubleType, true),
            DataTypes.createStructField("features", new VectorUDT(), true)});
        return write(schema, t.rows(), i -> RowFactory.create(t.y[i], sparse
                ? Vectors.dense(t.x[i]).toSparse() : Vectors.dense(t.x[i])), folder);
    }

    /** Features f1..fd as columns, then the label last. */
    static Path writeColumns(TestData t, Path folder) {
        List<StructField> fields = new ArrayList<>();
        for (int j = 0; j < t.features(); j++) {
            fields.add(DataTypes.createStructField("f" + (j + 1), DataTypes.DoubleType, true));
        }
        fields.add(DataTypes.createStructField("y", DataTypes.DoubleType, true));
        return write(DataTypes.createStructType(fields), t.rows(), i -> {
            Object[] v = new Object[t.features() + 1];
            for (int j = 0; j < t.features(); j++) {
                v[j] = t.x[i][j];
            }
            v[t.features()] = t.y[i];
            return RowFactory.create(v);
        }, folder);
    }

    /** One Parquet file holding rows 0..n-1 in order (coalesce(1) of an in-memory DataFrame keeps the order). */
    static Path write(StructType schema, int n, IntFunction<Row> row, Path folder) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(row.apply(i));
        }
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(folder.toString());
        return folder;
    }

    private static String featureList(int d) {
        List<String> names = new ArrayList<>();
        for (int j = 1; j <= d; j++) {
            names.add("f" + j);
        }
        return String.join(",", names);
    }

    private static Run trained(Path input, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--l2", "0.01", "--tol", "1e-10", "--max-iter", "5000"));
        args.addAll(List.of(extra));
        Run r = run(train(input, "logistic", out, args));
        assertSuccess(r, out);
        return r;
    }

    /** A model file's text without its featureNames (written only where the input names them). */
    private static String unnamed(String model) {
        String without = model.replaceFirst(",\n  \"featureNames\" : \\[[^\\]]*\\]", "");
        assertTrue(without.length() < model.length(), model);
        return without;
    }

    @Test
    void parquetTrainsTheModelLibsvmTrains() throws Exception {
        TestData t = TestData.binary(400, 5, 21);
        Path libsvm = t.writeLibsvm(dir.resolve("same/data.libsvm"), 0.0);
        // Format by extension: the folder holds part-*.snappy.parquet (and _SUCCESS, which is skipped).
        Path dense = writeVectors(t, dir.resolve("same/dense"), false);
        Path sparse = writeVectors(t, dir.resolve("same/sparse"), true);
        Path columns = writeColumns(t, dir.resolve("same/columns"));

        // One partition: both readers keep file order, so the blocks and the model are the same bits.
        trained(libsvm, dir.resolve("same/m-libsvm-1"), "--partitions", "1");
        Run p = trained(dense, dir.resolve("same/m-dense-1"), "--partitions", "1");
        assertTrue(p.out().contains("(parquet)"), p.out());
        trained(sparse, dir.resolve("same/m-sparse-1"), "--partitions", "1");
        trained(columns, dir.resolve("same/m-columns-1"), "--partitions", "1", "--label-column", "y",
                "--feature-columns", featureList(5));
        String reference = model(dir.resolve("same/m-libsvm-1"));
        assertEquals(reference, model(dir.resolve("same/m-dense-1")));
        assertEquals(reference, model(dir.resolve("same/m-sparse-1")));
        // Named columns: the same model, which also records the columns' names.
        assertEquals(reference, unnamed(model(dir.resolve("same/m-columns-1"))));

        // Three partitions: Parquet keys (file, row) spread the rows differently from (file, byte offset), so
        // the sums run in another order: the same model to the stopping tolerance (L-BFGS takes a slightly
        // different path from rounding-level differences; both stop at ||grad f|| <= 1e-10). Dense, sparse and
        // column input share the keys, hence the bits.
        trained(libsvm, dir.resolve("same/m-libsvm-3"), "--partitions", "3");
        trained(dense, dir.resolve("same/m-dense-3"), "--partitions", "3");
        trained(sparse, dir.resolve("same/m-sparse-3"), "--partitions", "3");
        trained(columns, dir.resolve("same/m-columns-3"), "--partitions", "3", "--label-column", "y",
                "--feature-columns", featureList(5));
        String dense3 = model(dir.resolve("same/m-dense-3"));
        assertEquals(dense3, model(dir.resolve("same/m-sparse-3")));
        assertEquals(dense3, unnamed(model(dir.resolve("same/m-columns-3"))));
        JsonNode a = JSON.readTree(model(dir.resolve("same/m-libsvm-3")));
        JsonNode b = JSON.readTree(dense3);
        assertEquals(a.get("numFeatures"), b.get("numFeatures"));
        for (int j = 0; j < 5; j++) {
            assertEquals(a.get("weights").get(j).asDouble(), b.get("weights").get(j).asDouble(), 1e-8);
        }
        assertEquals(a.get("intercepts").asDouble(), b.get("intercepts").asDouble(), 1e-8);
        assertEquals(a.get("objectiveValue").asDouble(), b.get("objectiveValue").asDouble(), 1e-14);
    }

    @Test
    void weightAndLabelColumnsByNameOrPosition() throws Exception {
        TestData t = TestData.regression(200, 3, 5);
        StructType schema = new StructType(new StructField[] {
            DataTypes.createStructField("target", DataTypes.DoubleType, true),
            DataTypes.createStructField("w", DataTypes.IntegerType, true),
            DataTypes.createStructField("x", new VectorUDT(), true)});
        Path input = write(schema, t.rows(), i -> RowFactory.create(t.y[i], 1 + i % 3, Vectors.dense(t.x[i])),
                dir.resolve("weighted/data"));
        Path byName = dir.resolve("weighted/by-name");
        Path byPosition = dir.resolve("weighted/by-position");
        Path unweighted = dir.resolve("weighted/unweighted");
        assertSuccess(run(train(input, "least-squares", byName, "--label-column", "target", "--weight-column", "w",
                "--features-column", "x", "--tol", "1e-10")), byName);
        assertSuccess(run(train(input, "least-squares", byPosition, "--label-column", "0", "--weight-column", "1",
                "--features-column", "x", "--tol", "1e-10")), byPosition);
        assertSuccess(run(train(input, "least-squares", unweighted, "--label-column", "target",
                "--features-column", "x", "--tol", "1e-10")), unweighted);
        assertEquals(model(byName), model(byPosition));
        // The weights are read: without them the optimum moves.
        assertNotEquals(JSON.readTree(model(byName)).get("weights"), JSON.readTree(model(unweighted)).get("weights"));
    }

    @Test
    void badRowsAreNamedByFileAndRowAndCountedUnderSkip() throws Exception {
        TestData t = TestData.binary(60, 3, 8);
        StructType schema = new StructType(new StructField[] {
            DataTypes.createStructField("label", DataTypes.DoubleType, true),
            DataTypes.createStructField("features", new VectorUDT(), true)});
        // Rows 3, 5 and 7 (1-based) are bad: a null label, a NaN feature, a vector of the wrong size.
        Path mixed = write(schema, t.rows(), i -> RowFactory.create(i == 2 ? null : t.y[i],
                i == 4 ? Vectors.dense(t.x[i][0], Double.NaN, t.x[i][2])
                        : i == 6 ? Vectors.dense(t.x[i][0], t.x[i][1]) : Vectors.dense(t.x[i])),
                dir.resolve("bad/mixed"));
        String file = Files.list(mixed).filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow()
                .getFileName().toString();

        Path failed = dir.resolve("bad/failed");
        assertBadInput(run(train(mixed, "logistic", failed, "--partitions", "1")), failed,
                "bad row in ", file + " row 3", "the label (column 'label') is null");

        // Skipping: the three are counted by kind and left out; the rest trains exactly as a file without them.
        Path skipped = dir.resolve("bad/skipped");
        Run r = run(train(mixed, "logistic", skipped, "--partitions", "1", "--on-bad-record", "skip",
                "--max-bad-fraction", "0.1"));
        assertSuccess(r, skipped);
        assertTrue(r.out().contains("skipped 3 of 60 records"), r.out());
        assertTrue(r.out().contains("1  null value"), r.out());
        assertTrue(r.out().contains("1  not finite"), r.out());
        assertTrue(r.out().contains("1  wrong vector size"), r.out());
        assertTrue(r.out().contains(file + " row 5: feature 1 (0-based) is NaN"), r.out());
        assertTrue(r.out().contains(file + " row 7: the features have size 2, but d is 3 (the size of the first"
                + " row's features)"), r.out());
        Path clean = write(schema, t.rows() - 3, i -> {
            int k = i < 2 ? i : i < 3 ? i + 1 : i < 4 ? i + 2 : i + 3; // rows 0,1,3,5,7,8,...
            return RowFactory.create(t.y[k], Vectors.dense(t.x[k]));
        }, dir.resolve("bad/clean"));
        Path cleanModel = dir.resolve("bad/clean-model");
        assertSuccess(run(train(clean, "logistic", cleanModel, "--partitions", "1")), cleanModel);
        assertEquals(model(cleanModel), model(skipped));
    }

    @Test
    void missingColumnsAndTypesAreNamed() {
        TestData t = TestData.binary(20, 2, 3);
        StructType schema = new StructType(new StructField[] {
            DataTypes.createStructField("label", DataTypes.DoubleType, true),
            DataTypes.createStructField("name", DataTypes.StringType, true),
            DataTypes.createStructField("vec", new VectorUDT(), true)});
        Path input = write(schema, t.rows(), i -> RowFactory.create(t.y[i], "r" + i, Vectors.dense(t.x[i])),
                dir.resolve("columns/data"));
        Path out = dir.resolve("columns/out");
        assertBadInput(run(train(input, "logistic", out)), out, "has no column 'features' (--features-column)",
                "label (double), name (string), vec (vector)", "--feature-columns");
        assertBadInput(run(train(input, "logistic", out, "--features-column", "name")), out,
                "column 'name' of input ", "is string");
        assertBadInput(run(train(input, "logistic", out, "--features-column", "vec", "--label-column", "lbl")), out,
                "has no column 'lbl' (--label-column)");
        assertBadInput(run(train(input, "logistic", out, "--feature-columns", "label,name")), out,
                "--feature-columns lists 'label', the label column");
        // A column name with CSV input: CSV columns are numbered.
        Path csv = dir.resolve("columns/data.csv");
        Run r = run(train(csv, "logistic", out, "--format", "csv", "--label-column", "y"));
        assertEquals(ExitCode.BAD_SETTINGS, r.code(), r.err());
        assertTrue(r.err().contains("--label-column y (a column name) applies to Parquet input"), r.err());
    }

    @Test
    void evaluateAndPredictReadParquetToo() throws Exception {
        TestData t = TestData.binary(120, 3, 12);
        Path libsvm = t.writeLibsvm(dir.resolve("apply/data.libsvm"), 0.0);
        Path parquet = writeVectors(t, dir.resolve("apply/data"), true);
        Path m = dir.resolve("apply/model");
        trained(libsvm, m);
        Run fromText = run(List.of("evaluate", "--model", m.toString(), "--input", libsvm.toString(), "--output",
                dir.resolve("apply/eval-text.json").toString(), "--master", "local[2]"));
        Run fromParquet = run(List.of("evaluate", "--model", m.toString(), "--input", parquet.toString(), "--output",
                dir.resolve("apply/eval-parquet.json").toString(), "--master", "local[2]"));
        assertEquals(0, fromText.code(), fromText.err());
        assertEquals(0, fromParquet.code(), fromParquet.err());
        JsonNode a = JSON.readTree(dir.resolve("apply/eval-text.json").toFile()).get("metrics");
        JsonNode b = JSON.readTree(dir.resolve("apply/eval-parquet.json").toFile()).get("metrics");
        // Sums run in another partition order, so to rounding.
        assertEquals(a.size(), b.size());
        a.fieldNames().forEachRemaining(k -> assertEquals(a.get(k).asDouble(), b.get(k).asDouble(), 1e-12, k));

        Path predicted = dir.resolve("apply/predicted");
        Run p = run(List.of("predict", "--model", m.toString(), "--input", parquet.toString(), "--output",
                predicted.toString(), "--master", "local[2]"));
        assertEquals(0, p.code(), p.err());
        assertEquals(t.rows(), spark.read().option("header", "true").csv(predicted.toString()).count());
    }
}
