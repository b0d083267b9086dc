package dev.downhill.driver.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.spark.DownhillSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bench's mlp section at a tiny size, so its code cannot rot: every row is printed and in the JSON (MLPC
 * timed over its iterations, Downhill's train timed or saying why not, the kernels' pass and the limit), with
 * positive rates. No timing is asserted.
 */
class MlpBenchTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void mlpSectionProducesItsRows() throws Exception {
        SparkConf conf = DownhillSpark.configure(new SparkConf())
                .setMaster("local[2]")
                .setAppName("MlpBenchTest")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.kryo.classesToRegister", String.join(",", Bench.SPARK_ML_CLASSES) + ","
                        + String.join(",", SparkMlRace.KRYO_CLASSES));
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            JobLog log = new JobLog();
            jsc.sc().addSparkListener(log);
            BenchOptions bo = BenchOptions.parse(new String[] {"--sections", "mlp", "--mlp-rows", "700",
                "--mlp-side", "8", "--mlp-hidden", "6", "--mlp-iterations", "3", "--mlp-warmup", "1",
                "--mlp-limit-rounds", "1", "--mlp-dir", dir.toString()});
            assertTrue(bo.sections.contains("mlp"));
            assertTrue(MlpBench.warmUpKernels() >= 3, "the kernels' warm-up runs at least 3 s");
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            Map<String, Object> s = MlpBench.run(spark, jsc, log, bo.mlp, 7, 2, 128,
                    new PrintStream(text, true, StandardCharsets.UTF_8));
            String printed = text.toString(StandardCharsets.UTF_8);
            System.out.print(printed);

            assertEquals(700L, s.get("rows"));
            assertEquals(List.of(64, 6, 10), s.get("layers"));
            Map<String, Object> mlpc = (Map<String, Object>) s.get("mlpc");
            assertEquals(4, mlpc.get("iterations"), "MLPC iterations counted from breeze's log: " + mlpc);
            assertTrue((Double) mlpc.get("secondsPerIteration") > 0 && (Double) mlpc.get("gflops") > 0, "" + mlpc);
            Map<String, Object> dh = (Map<String, Object>) s.get("downhill");
            if (dh.get("secondsPerIteration") == null) {
                assertNotNull(dh.get("error"), "a Downhill row that did not run says why: " + dh);
                assertTrue(printed.contains("not run: " + dh.get("error")), printed);
            } else {
                assertTrue((Double) dh.get("secondsPerIteration") > 0 && (Double) dh.get("gflops") > 0, "" + dh);
            }
            Map<String, Object> pass = (Map<String, Object>) s.get("kernelPass");
            assertTrue((Double) pass.get("gflops") > 0, "" + pass);
            double zeros = (Double) pass.get("zeroFraction");
            assertTrue(zeros > 0.35 && zeros < 0.65, "about half the pixels are zero: " + zeros);
            assertEquals(((Number) pass.get("blocks")).longValue(), ((Number) pass.get("denseBlocks")).longValue(),
                    "half-zero data is dense for products");
            Map<String, Object> limit = (Map<String, Object>) s.get("limit");
            assertTrue((Double) limit.get("gflops") > 0 && limit.get("which") != null, "" + limit);
            Map<String, Object> ratios = (Map<String, Object>) s.get("ratios");
            assertTrue((Double) ratios.get("kernelPass/limit") > 0, "" + ratios);
            for (String row : List.of("spark ml MLPC", "downhill train --model mlp", "forward+backward through kernels",
                    "limit: dense multiply")) {
                assertTrue(printed.lines().anyMatch(l -> l.startsWith(row)), row + " row\n" + printed);
            }
        } finally {
            spark.stop();
        }
    }
}
