package dev.downhill.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.api.Downhill;
import dev.downhill.driver.api.DownhillModel;
import dev.downhill.driver.io.OutputException;
import dev.downhill.driver.io.OutputLock;
import dev.downhill.driver.ml.DownhillClassificationModel;
import dev.downhill.driver.ml.DownhillClassifier;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
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

/**
 * The command line's output rules (README "The output folder") in the Java API and the Spark ML stages: a
 * folder another writer holds is refused naming its lock; an earlier model is not replaced without overwrite;
 * overwrite removes only Downhill's (and Spark's metadata) files. And the Java API's sharded aggregation reaches
 * the tree aggregation's optimum.
 */
class ApiOutputSafetyTest {
    private static SparkSession spark;
    private static Dataset<Row> data;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.startWithSparkLibraries("ApiOutputSafetyTest");
        data = sparseBinary(240, 12, 5);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Labels from a logistic model on features that are mostly zero, as sparse vectors. */
    private static Dataset<Row> sparseBinary(int n, int d, long seed) {
        Random r = new Random(seed);
        double[] w = new double[d];
        for (int j = 0; j < d; j++) {
            w[j] = r.nextGaussian();
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] x = new double[d];
            double z = -0.2;
            for (int j = 0; j < d; j++) {
                x[j] = r.nextDouble() < 0.7 ? 0.0 : r.nextGaussian();
                z += w[j] * x[j];
            }
            double y = r.nextDouble() < 1.0 / (1.0 + Math.exp(-z)) ? 1.0 : 0.0;
            rows.add(RowFactory.create(y, Vectors.dense(x).toSparse()));
        }
        StructType schema = new StructType(new StructField[] {
            DataTypes.createStructField("label", DataTypes.DoubleType, false),
            DataTypes.createStructField("features", new VectorUDT(), false)});
        return spark.createDataFrame(rows, schema);
    }

    private static Downhill.Builder logistic(double l2) {
        return Downhill.builder().objective("logistic").l2(l2).maxIter(30).partitions(2).quiet();
    }

    /** Another writer of {@code folder}, in this process: it holds the lock as a running train does. */
    private static OutputLock otherWriter(Path folder) throws IOException {
        return OutputLock.acquire(new org.apache.hadoop.fs.Path(folder.toUri()), new Configuration(),
                new PrintStream(OutputStream.nullOutputStream()));
    }

    private static void assertNamesTheLock(Path folder, RuntimeException e) {
        String m = e.getMessage();
        assertTrue(m.contains(folder.toString()) && m.contains(folder.resolve(OutputLock.NAME).toString())
                && m.contains("in use by another"), m);
    }

    @Test
    void javaApiTrainTakesTheLockAndRefusesAFolderAnotherWriterHolds() throws IOException {
        Path out = dir.resolve("api-locked");
        try (OutputLock held = otherWriter(out)) {
            OutputException e = assertThrows(OutputException.class,
                    () -> logistic(0.1).output(out.toString()).build().train(data));
            assertNamesTheLock(out, e);
            assertFalse(Files.exists(out.resolve("model.json")), "nothing written while the other run holds it");
        }
        logistic(0.1).output(out.toString()).build().train(data);
        assertTrue(Files.exists(out.resolve("model.json")));
        assertFalse(Files.exists(out.resolve(OutputLock.NAME)), "the lock is released when training ends");
    }

    @Test
    void javaApiTrainRefusesAnEarlierModelUnlessOverwriteWhichKeepsOtherFiles() throws IOException {
        Path out = dir.resolve("api-model");
        logistic(0.1).output(out.toString()).build().train(data);
        Path model = out.resolve("model.json");
        byte[] first = Files.readAllBytes(model);
        Path notes = Files.writeString(out.resolve("notes.txt"), "mine");

        OutputException e = assertThrows(OutputException.class,
                () -> logistic(0.5).output(out.toString()).build().train(data));
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("already holds a trained model")
                && e.getMessage().contains("overwrite(true)") && !e.getMessage().contains("--overwrite"),
                e.getMessage());
        assertArrayEquals(first, Files.readAllBytes(model), "the earlier model is left as it was");

        DownhillModel replaced = logistic(0.5).overwrite(true).output(out.toString()).build().train(data);
        assertNotEquals(new String(first), Files.readString(model), "overwrite wrote the new model");
        assertEquals(replaced.objectiveValue(), DownhillModel.load(out.toString()).objectiveValue());
        assertEquals("mine", Files.readString(notes), "overwrite leaves files Downhill did not write");
        assertFalse(Files.exists(out.resolve(OutputLock.NAME)));
    }

    @Test
    void downhillModelSaveFollowsTheSameRules() throws IOException {
        DownhillModel m = logistic(0.1).build().train(data);
        DownhillModel other = logistic(0.5).build().train(data);
        Path out = dir.resolve("api-save");
        m.save(out.toString());
        Path notes = Files.writeString(out.resolve("notes.txt"), "mine");
        byte[] first = Files.readAllBytes(out.resolve("model.json"));

        OutputException e = assertThrows(OutputException.class, () -> other.save(out.toString()));
        assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("save(dir, true)")
                && !e.getMessage().contains("resume"), e.getMessage());
        assertArrayEquals(first, Files.readAllBytes(out.resolve("model.json")));

        try (OutputLock held = otherWriter(out)) {
            assertNamesTheLock(out, assertThrows(OutputException.class, () -> other.save(out.toString(), true)));
        }
        other.save(out.toString(), true);
        assertEquals(other.objectiveValue(), DownhillModel.load(out.toString()).objectiveValue());
        assertEquals("mine", Files.readString(notes));
        assertFalse(Files.exists(out.resolve(OutputLock.NAME)));
    }

    @Test
    void sparkMlStagesKeepSparksRulesTakeTheLockAndOverwriteOnlyTheirOwnFiles() throws IOException {
        DownhillClassifier classifier = new DownhillClassifier().setMaxIter(30).setRegParam(0.1).setNumPartitions(2);
        DownhillClassificationModel fitted = classifier.fit(data);
        Path out = dir.resolve("stage");
        fitted.save(out.toString());

        // Spark's MLWriter rule: an existing path is refused without overwrite().
        IOException exists = assertThrows(IOException.class, () -> fitted.save(out.toString()));
        assertTrue(exists.getMessage().contains(out.toString()) && exists.getMessage().contains("overwrite()"),
                exists.getMessage());

        // overwrite() replaces the stage, not the files beside it (Spark's own writer would delete them).
        Path notes = Files.writeString(out.resolve("notes.txt"), "mine");
        Path dataNotes = Files.writeString(out.resolve("data/notes.txt"), "mine too");
        fitted.write().overwrite().save(out.toString());
        assertEquals("mine", Files.readString(notes));
        assertEquals("mine too", Files.readString(dataNotes));
        DownhillClassificationModel loaded = DownhillClassificationModel.load(out.toString());
        assertArrayEquals(fitted.trainingResult().parameters, loaded.trainingResult().parameters);
        assertFalse(Files.exists(out.resolve(OutputLock.NAME)), "the lock is released after the save");

        try (OutputLock held = otherWriter(out)) {
            assertNamesTheLock(out, assertThrows(OutputException.class,
                    () -> fitted.write().overwrite().save(out.toString())));
        }

        // Two writers at once: one saves, the other is refused (by the lock, or by the path the first wrote).
        Path raced = dir.resolve("raced");
        java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(2);
        // Two threads of their own: the common pool may have one, and both must reach the barrier.
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        List<java.util.concurrent.CompletableFuture<Exception>> writers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            writers.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    barrier.await();
                    fitted.save(raced.toString());
                    return null;
                } catch (Exception e) {
                    return e;
                }
            }, threads));
        }
        List<Exception> failures = new ArrayList<>();
        for (java.util.concurrent.CompletableFuture<Exception> w : writers) {
            if (w.join() != null) {
                failures.add(w.join());
            }
        }
        threads.shutdown();
        assertEquals(1, failures.size(), "exactly one of two writers saves: " + failures);
        String why = failures.get(0).getMessage();
        assertTrue(why.contains(raced.toString()) && (why.contains(OutputLock.NAME) || why.contains("already exists")),
                why);
        assertArrayEquals(fitted.trainingResult().parameters,
                DownhillClassificationModel.load(raced.toString()).trainingResult().parameters);

        // The estimator's writer: the same rules.
        Path estimator = dir.resolve("estimator");
        classifier.save(estimator.toString());
        assertThrows(IOException.class, () -> classifier.save(estimator.toString()));
        Path own = Files.writeString(estimator.resolve("notes.txt"), "mine");
        classifier.setMaxIter(7).write().overwrite().save(estimator.toString());
        assertEquals("mine", Files.readString(own));
        assertEquals(7, DownhillClassifier.load(estimator.toString()).getMaxIter());
    }

    @Test
    void shardedAggregationReachesTheTreeAggregationsObjective() {
        Downhill.Builder common = Downhill.builder().objective("logistic").l2(0.05).optimizer("lbfgs").tol(1e-9)
                .maxIter(500).partitions(2).quiet();
        DownhillModel tree = common.aggregation("tree").build().train(data);
        Path out = dir.resolve("sharded");
        DownhillModel sharded = common.aggregation("sharded").shards(3).output(out.toString()).build().train(data);
        double f = tree.objectiveValue();
        assertTrue(Math.abs(sharded.objectiveValue() - f) <= 1e-10 * Math.abs(f),
                "sharded f = " + sharded.objectiveValue() + ", tree f = " + f);
        assertTrue(tree.gradientNorm() <= 1e-9 && sharded.gradientNorm() <= 1e-9,
                "both converged: " + tree.gradientNorm() + ", " + sharded.gradientNorm());
        // The sharded model's parameters came to the driver, where it predicts as the tree model does.
        org.apache.spark.ml.linalg.Vector x = data.first().getAs("features");
        assertEquals(tree.probabilities(x)[1], sharded.probabilities(x)[1], 1e-6);
        // The folder holds the command line's sharded model, which loads as the model returned.
        assertTrue(Files.isDirectory(out.resolve("model-shards")), "model-shards written");
        assertArrayEquals(sharded.weights(0), DownhillModel.load(out.toString()).weights(0));
    }
}
