package dev.downhill.driver.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * The optimizer race on tiny problems, so its code cannot rot: the table and the JSON have their structure,
 * the two independent references agree, ml's objective matches Downhill's at ml's coefficients, and the default
 * rule (lbfgs) reaches 1e-10. No timing is asserted.
 */
class OptimizerRaceTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void raceOnTinyProblems() throws Exception {
        SparkConf conf = DownhillSpark.configure(new SparkConf())
                .setMaster("local[2]")
                .setAppName("OptimizerRaceTest")
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
            RaceOptions o = RaceOptions.parse(Map.of("race-rows", "3000", "race-features", "6", "race-max-iter", "250",
                    "race-optimizers", "lbfgs,gd", "race-dir", dir.toString()), null);
            assertEquals(List.of("logistic", "least-squares"), o.problems);
            o.problems = List.of("logistic", "least-squares", "softmax-image");
            o.warmUp = false;
            o.verifyClock = true;
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            Map<String, Object> section = OptimizerRace.run(spark, jsc, log, o, 7, 2, 256,
                    new PrintStream(text, true, StandardCharsets.UTF_8));
            String printed = text.toString(StandardCharsets.UTF_8);
            System.out.print(printed);
            // For a look after a failure (surefire's working directory is the module).
            new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValue(Path.of("target", "optimizer-race-test.json").toFile(), Json.clean(section));

            Map<String, Object> problems = (Map<String, Object>) section.get("problems");
            assertEquals(List.of("logistic", "least-squares", "softmax-image"), List.copyOf(problems.keySet()));
            Map<String, List<String>> expectedSystems = Map.of(
                    "logistic", List.of("downhill lbfgs", "downhill lbfgs --rewhiten-at 0", "downhill gd",
                            "ml LogisticRegression"),
                    "least-squares", List.of("downhill lbfgs", "downhill gd", "ml LinearRegression l-bfgs",
                            "ml LinearRegression normal"),
                    "softmax-image", List.of("downhill lbfgs", "downhill lbfgs --rewhiten-at 0", "downhill gd",
                            "ml LogisticRegression multinomial"));
            for (String name : problems.keySet()) {
                Map<String, Object> p = (Map<String, Object>) problems.get(name);
                boolean softmax = name.equals("softmax-image");
                assertTrue(printed.contains("== optimizers: " + name + ": 3,000 rows x " + (softmax ? 784 : 6)
                        + " features"), printed);
                double fStar = (Double) p.get("fStar");
                assertTrue(Double.isFinite(fStar) && fStar > 0, name + ": f* " + fStar);
                Map<String, Object> ref = (Map<String, Object>) p.get("reference");
                assertTrue((Double) ref.get("relativeDifference") < 1e-11,
                        name + ": the two references disagree: " + ref);
                if (softmax) {
                    // Two tight lbfgs runs, with and without re-whitening, reach the same optimum.
                    assertTrue(ref.containsKey("plainLbfgsObjective"), name + ref);
                    assertTrue((Double) ref.get("tightLbfgsFinalGradientNorm") < 1e-6, name + ref);
                } else {
                    // Newton's own objective code agrees with Downhill's at Newton's optimum.
                    assertEquals(0.0, ((Double) ref.get("newtonOwnObjective") - (Double) ref.get("newtonObjective"))
                            / fStar, 1e-12, name);
                    assertTrue((Double) p.get("conditionNumberStandardized") > 10,
                            name + ": conditioning by construction");
                }

                Map<String, Object> systems = (Map<String, Object>) p.get("systems");
                assertEquals(expectedSystems.get(name), List.copyOf(systems.keySet()), name);
                for (String system : systems.keySet()) {
                    Map<String, Object> s = (Map<String, Object>) systems.get(system);
                    Map<String, Object> reach = (Map<String, Object>) s.get("reach");
                    assertEquals(List.of("1e-6", "1e-9", "1e-10"), List.copyOf(reach.keySet()), system);
                    for (Object r : reach.values()) {
                        Map<String, Object> e = (Map<String, Object>) r;
                        if ((Boolean) e.get("reached")) {
                            assertTrue((Long) e.get("passes") >= 1 && (Double) e.get("seconds") > 0, system + e);
                        }
                    }
                    assertTrue(printed.lines().anyMatch(l -> l.startsWith(system + " ")), system + " row\n" + printed);
                    // The run never beats the reference optimum by more than rounding.
                    assertTrue((Double) s.get("finalRelativeGap") > -1e-12, system + ": below f*: " + s);
                }

                Map<String, Object> lbfgs = (Map<String, Object>) systems.get("downhill lbfgs");
                Map<String, Object> tight = (Map<String, Object>) ((Map<String, Object>) lbfgs.get("reach"))
                        .get("1e-10");
                assertTrue((Boolean) tight.get("reached"), name + ": lbfgs did not reach 1e-10: " + lbfgs);
                // Passes are the evaluations, each one Spark job (the moments come with loading).
                assertEquals(lbfgs.get("jobs"), ((Long) lbfgs.get("passes")).intValue(), name);
                assertEquals("end of the Spark job of the pass", lbfgs.get("secondsFrom"), name);
                Map<String, Object> trace = (Map<String, Object>) lbfgs.get("trace");
                List<Long> passes = (List<Long>) trace.get("passes");
                assertEquals(((List<?>) trace.get("objective")).size(), passes.size());
                for (int i = 1; i < passes.size(); i++) {
                    assertTrue(passes.get(i) > passes.get(i - 1), "passes grow with the iterations");
                }

                Map<String, Object> checks = (Map<String, Object>) p.get("checks");
                String ml = name.equals("logistic") ? "ml LogisticRegression"
                        : softmax ? "ml LogisticRegression multinomial" : "ml LinearRegression l-bfgs";
                // ml's passes per iterate come from breeze's log; a second fit with maxIter = k agrees.
                Map<String, Object> mlRun = (Map<String, Object>) systems.get(ml);
                assertTrue(((String) mlRun.get("passesFrom")).startsWith("breeze's log line"), name + mlRun);
                Map<String, Object> clock = (Map<String, Object>) mlRun.get("clockCheck");
                assertEquals(((Number) clock.get("refitPassesLessJobsAfterLastIteration")).longValue(),
                        ((Number) clock.get("clockPasses")).longValue(), name + ": " + clock);
                double match = (Double) checks.get(ml + ": reported vs recomputed final f, relative");
                assertTrue(match < 1e-12, name + ": ml's objective is not Downhill's: " + match);
                assertNotNull(checks.get("lbfgs vs " + ml + " to 1e-10"), name);
                assertNotNull(checks.get("lbfgs vs " + ml + " to 1e-9"), name);
            }
            assertFalse(printed.contains("NaN"), printed);
        } finally {
            spark.stop();
        }
    }
}
