package dev.downhill.driver.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.spark.DriverHeap;
import dev.downhill.driver.spark.ShuffleBytesListener;
import java.io.File;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The scale bench's Spark ml LogisticRegression run, in a JVM of its own (its driver heap is the figure):
 * {@code ScaleMlLr MASTER INPUT FEATURES ITERATIONS REG_PARAM EXECUTOR_MEMORY JSON_OUT}. Reads the LIBSVM folder
 * with Spark's libsvm source, caches it, fits L-BFGS (tol 0, no standardization, maxIter ITERATIONS) and writes
 * seconds per iteration (median gap of breeze's end-of-iteration lines after the first), bytes moved during the
 * fit per iteration, the driver heap's peaks and the objective history as JSON. Spark's own classes only reach
 * the executors, so the default Java serializer needs no registration.
 */
final class ScaleMlLr {
    private ScaleMlLr() {}

    public static void main(String[] args) throws Exception {
        String master = args[0];
        String input = args[1];
        int features = Integer.parseInt(args[2]);
        int iterations = Integer.parseInt(args[3]);
        double reg = Double.parseDouble(args[4]);
        SparkConf conf = new SparkConf().setMaster(master).setAppName("downhill-bench-scale-ml-lr")
                .set("spark.executor.memory", args[5]).set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.driver.maxResultSize", "0");
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        Map<String, Object> m = new LinkedHashMap<>();
        try (DriverHeap heap = DriverHeap.watch()) {
            Dataset<Row> df = spark.read().format("libsvm").option("numFeatures", features).load(input).cache();
            long rows = df.count();
            ShuffleBytesListener bytes = ShuffleBytesListener.attach(spark.sparkContext(), null);
            LogisticRegression lr = new LogisticRegression().setMaxIter(iterations).setTol(0.0).setRegParam(reg)
                    .setElasticNetParam(0.0).setStandardization(false).setFamily("binomial");
            BreezeIterationClock clock = BreezeIterationClock.install();
            long start = System.currentTimeMillis();
            LogisticRegressionModel model;
            try {
                model = lr.fit(df);
            } finally {
                if (clock != null) {
                    clock.close();
                }
            }
            long end = System.currentTimeMillis();
            ShuffleBytesListener.Bytes moved = bytes.take();
            bytes.detach();
            List<Long> ends = clock == null ? List.of() : clock.iterationEnds();
            double[] gaps = new double[ends.size()];
            long prev = start;
            for (int i = 0; i < gaps.length; i++) {
                gaps[i] = (ends.get(i) - prev) / 1e3;
                prev = ends.get(i);
            }
            int n = Math.max(1, gaps.length);
            m.put("rows", rows);
            m.put("iterations", gaps.length);
            m.put("iterationSeconds", gaps);
            m.put("secondsPerIteration", gaps.length > 1 ? Stats.median(Arrays.copyOfRange(gaps, 1, gaps.length))
                    : (end - start) / 1e3 / n);
            m.put("fitSeconds", (end - start) / 1e3);
            m.put("shuffleWriteBytesPerIteration", moved.shuffleWritten() / (double) n);
            m.put("taskResultBytesPerIteration", moved.taskResults() / (double) n);
            m.put("driverHeapPeakBytes", DriverHeap.peakBytes());
            m.put("driverHeapLivePeakBytes", heap.livePeakBytes());
            m.put("driverHeapMaxBytes", DriverHeap.maxBytes());
            m.put("objectiveHistory", model.summary().objectiveHistory());
            m.put("settings", "maxIter " + iterations + ", tol 0, regParam " + reg + ", standardization false");
        } catch (RuntimeException | OutOfMemoryError e) {
            m.put("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            new ObjectMapper().writeValue(new File(args[6]), m);
            spark.stop();
        }
    }
}
