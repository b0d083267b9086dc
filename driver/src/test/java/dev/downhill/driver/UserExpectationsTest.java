package dev.downhill.driver;

import static dev.downhill.driver.TrainCommandLineTest.run;
import static dev.downhill.driver.TrainCommandLineTest.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.TrainCommandLineTest.Run;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user expects of a run (issue 16), through the command line: degenerate labels are refused,
 * separable data without L2 is called what it is, models know their features, the progress and the report
 * tell the truth, and a model kept by validation says which iterate it is.
 */
class UserExpectationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("UserExpectationsTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** n LIBSVM rows with 3 random features, every one labeled {@code label}. */
    private static String oneClass(int n, String label) {
        Random r = new Random(7);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(label);
            for (int j = 1; j <= 3; j++) {
                sb.append(' ').append(j).append(':').append(r.nextGaussian());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static void assertRefused(Run r, Path output, String... parts) {
        assertEquals(ExitCode.BAD_INPUT, r.code(), "stdout: " + r.out() + "\nstderr: " + r.err());
        for (String part : parts) {
            assertTrue(r.err().contains(part), "message lacks '" + part + "': " + r.err());
        }
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(output.resolve("model.json")), "a model was written");
    }

    // ---- 1. one class: refused alike by every classifier ----

    @Test
    void oneClassIsRefusedByLogisticHingeAndSoftmaxAlike() throws Exception {
        Path ones = write(dir.resolve("ones.libsvm"), oneClass(500, "1"));
        for (String objective : new String[] {"logistic", "hinge", "softmax"}) {
            Path out = dir.resolve("one-" + objective);
            assertRefused(run(train(ones, objective, out)), out, "all 500 rows have label 1",
                    "a classifier needs at least two classes");
        }
        Path minus = write(dir.resolve("minus.libsvm"), oneClass(40, "-1"));
        Path out = dir.resolve("minus");
        assertRefused(run(train(minus, "logistic", out, "--binary-labels", "pm1")), out,
                "all 40 rows have label -1", "at least two classes");
    }
}
