package dev.downhill.driver;

import static dev.downhill.driver.BadInputHarness.assertBadInput;
import static dev.downhill.driver.BadInputHarness.assertSuccess;
import static dev.downhill.driver.BadInputHarness.model;
import static dev.downhill.driver.BadInputHarness.run;
import static dev.downhill.driver.BadInputHarness.train;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.downhill.driver.BadInputHarness.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs that once ended in an internal error (exit 1), a wrong model or a misleading message. */
class BadInputRegressionTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("BadInputRegressionTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void featureValuesTooLargeForDoublePrecisionAreBadInputNotACrash() throws Exception {
        Path in = Files.writeString(dir.resolve("huge.libsvm"), "1 1:1e200\n0 1:0.5\n1 1:0.25\n");
        Path out = dir.resolve("huge");
        assertBadInput(run(train(in, "logistic", out)), out, "too large", "Rescale the features");
    }

    @Test
    void labelsTooLargeToSquareAreBadInputNotDivergence() throws Exception {
        Path in = Files.writeString(dir.resolve("big-label.libsvm"), "1e200 1:1\n0 1:0.5\n1 1:0.25\n");
        Path out = dir.resolve("big-label");
        assertBadInput(run(train(in, "least-squares", out)), out, "at the starting point", "rescale");
        assertEquals(false, Files.exists(out.resolve("last-good-model.json")));
    }

    @Test
    void aRowSkippedForItsLabelDoesNotWidenTheModel() throws Exception {
        Path withBad = Files.writeString(dir.resolve("wide.libsvm"), "1 1:0.5\n0 1:0.25\n2 1:0.5 9:1\n1 2:0.5\n0 1:1\n");
        Path clean = Files.writeString(dir.resolve("clean.libsvm"), "1 1:0.5\n0 1:0.25\n1 2:0.5\n0 1:1\n");
        Run skipped = run(train(withBad, "logistic", dir.resolve("a"), "--on-bad-record", "skip",
                "--max-bad-fraction", "0.5", "--partitions", "1", "--max-iter", "10"));
        Run plain = run(train(clean, "logistic", dir.resolve("b"), "--partitions", "1", "--max-iter", "10"));
        assertSuccess(skipped, dir.resolve("a"));
        assertSuccess(plain, dir.resolve("b"));
        assertEquals(model(dir.resolve("b")), model(dir.resolve("a")));
    }

    @Test
    void aHugeSoftmaxLabelIsNamedNotMistakenForOneClass() throws Exception {
        Path in = Files.writeString(dir.resolve("huge-class.libsvm"), "0 1:0.5\n1e300 1:0.25\n1 1:1\n");
        Path out = dir.resolve("huge-class");
        assertBadInput(run(train(in, "softmax", out)), out, "huge-class.libsvm line 2", "is not a class index");
    }

    @Test
    void anIndexTooLargeForAnIntegerSaysSo() throws Exception {
        Path in = Files.writeString(dir.resolve("big-index.libsvm"), "0 1:0.5\n1 2147483648:1\n");
        Path out = dir.resolve("big-index");
        assertBadInput(run(train(in, "logistic", out)), out, "big-index.libsvm line 2", "is too large");
    }

    @Test
    void aHeaderInTheMiddleOfACsvSaysWhatItIs() throws Exception {
        Path in = Files.writeString(dir.resolve("mid.csv"), "y,a\n1,2\ny,a\n0,1\n");
        Path out = dir.resolve("mid");
        assertBadInput(run(train(in, "logistic", out)), out, "mid.csv line 3", "looks like a header",
                "only be the first line");
    }
}
