package dev.downhill.driver;

import static dev.downhill.driver.BadInputHarness.run;
import static dev.downhill.driver.BadInputHarness.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.BadInputHarness.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Networks that cannot train: too large for the driver or the executors (exit 2, naming --hidden and what to
 * change, before Spark starts where --hidden alone decides it), a setting only checkable once the data is read
 * (exit 2, not an internal error), and a diverging network (exit 4, the best parameters kept in
 * last-good-model.json with last-good-model.safetensors, no model.json).
 */
class NetworkBadInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static void assertRefused(Run r, Path output, String... parts) {
        assertEquals(ExitCode.BAD_SETTINGS, r.code(), r::describe);
        assertTrue(r.err().startsWith("downhill: error: "), r::describe);
        for (String s : parts) {
            assertTrue(r.err().contains(s), () -> "the message lacks '" + s + "':\n" + r.err());
        }
        assertFalse(r.err().contains("\tat "), () -> "a stack trace was printed:\n" + r.err());
        assertFalse(Files.exists(output.resolve("model.json")), "a model was written");
    }

    @Test
    void hiddenLayersPastOneArrayAreRefusedBeforeSparkStarts() throws Exception {
        Path input = TestData.binary(40, 2, 1).writeLibsvm(dir.resolve("small.libsvm"), 0.0);
        Path out = dir.resolve("huge");
        // 10^10 weights between the hidden layers, whatever the data.
        Run r = run(train(input, "logistic", out, "--model", "mlp", "--hidden", "100000,100000",
                "--master", "spark-must-not-start://nowhere"));
        assertRefused(r, out, "--hidden 100000,100000 makes at least 10000300001 parameters",
                "more than one array can hold", "narrower --hidden");
        assertEquals("", r.out(), "refused before Spark starts");
        assertFalse(Files.exists(out));
    }

    @Test
    void hiddenLayersPastTheDriversHeapAreRefusedBeforeSparkStarts() throws Exception {
        Path input = TestData.binary(40, 2, 1).writeLibsvm(dir.resolve("small.libsvm"), 0.0);
        Path out = dir.resolve("large");
        // 9 x 10^8 parameters: 7 GB each copy, 170 GB with the optimizer's state.
        Run r = run(train(input, "logistic", out, "--model", "mlp", "--hidden", "30000,30000",
                "--master", "spark-must-not-start://nowhere"));
        assertRefused(r, out, "--hidden 30000,30000 makes at least 900090001 parameters", "GiB of driver memory",
                "more than this driver's", "--driver-memory");
        assertEquals("", r.out(), "refused before Spark starts");
    }

    @Test
    void activationsPastTheExecutorsHeapAreRefusedNamingHiddenAndBlockRows() throws Exception {
        // 800,001 parameters fit; a block of 512 rows x 200,000 units of tape is about 6.1 GiB per task.
        Path input = TestData.regression(600, 2, 2).writeLibsvm(dir.resolve("rows.libsvm"), 0.0);
        Path out = dir.resolve("wide");
        Run r = run(train(input, "least-squares", out, "--model", "mlp", "--hidden", "200000"));
        assertRefused(r, out, "--hidden 200000: the network mlp 2 -> 200000 -> 1 (relu) (800001 parameters) needs",
                "a block of 512 rows (--block-rows)", "the driver's heap, which local mode's tasks share",
                "a smaller --block-rows");
        // With blocks of 8 rows the same network fits the check (and trains, briefly).
        Path ok = dir.resolve("wide-small-blocks");
        Run fits = run(train(input, "least-squares", ok, "--model", "mlp", "--hidden", "200000", "--block-rows", "8",
                "--max-iter", "1", "--batch-fraction", "0.02"));
        assertEquals(0, fits.code(), fits::describe);
    }

    @Test
    void aSettingCheckedOnceTheDataIsReadIsExit2NotAnInternalError() throws Exception {
        // 100 mini-batches per epoch from 40 rows in 1 block: only known after loading.
        Path input = TestData.binary(40, 2, 3).writeLibsvm(dir.resolve("few.libsvm"), 0.0);
        Path out = dir.resolve("batches");
        Run r = run(train(input, "logistic", out, "--model", "mlp", "--hidden", "3", "--batch-fraction", "0.01"));
        assertRefused(r, out, "--batch-fraction 0.01 asks for 100 mini-batches per epoch");
    }

    @Test
    void aDivergingNetworkStopsWithExit4AndKeepsTheLastGoodModelFiles() throws Exception {
        TestData t = TestData.regression(200, 3, 4);
        Path input = t.writeLibsvm(dir.resolve("diverge.libsvm"), 0.0);
        Path out = dir.resolve("diverge");
        Run r = run(train(input, "least-squares", out, "--model", "mlp", "--hidden", "4", "--activation", "tanh",
                "--optimizer", "gd", "--step", "1e6", "--max-iter", "50", "--divergence-rises", "3",
                "--tol", "0", "--seed", "3"));
        assertEquals(ExitCode.DIVERGED, r.code(), r::describe);
        assertTrue(r.err().startsWith("downhill: error: training diverged at iteration "), r::describe);
        assertTrue(r.err().contains("try a smaller --step"), r::describe);
        assertTrue(r.err().contains("last-good-model.json"), r::describe);
        assertFalse(r.err().contains("\tat "), r::describe);
        assertFalse(Files.exists(out.resolve("model.json")));
        assertFalse(Files.exists(out.resolve("model.safetensors")));
        JsonNode lastGood = JSON.readTree(out.resolve("last-good-model.json").toFile());
        assertEquals("diverged", lastGood.get("stopReason").asText());
        assertEquals("last-good-model.safetensors", lastGood.get("parameters").asText());
        assertEquals("mlp", lastGood.get("architecture").get("type").asText());
        // The kept parameters are readable and are the objective they claim: rebuilt by the reference.
        Path copy = Files.createDirectories(dir.resolve("last-good"));
        Files.copy(out.resolve("last-good-model.json"), copy.resolve("model.json"));
        Files.copy(out.resolve("last-good-model.safetensors"), copy.resolve("last-good-model.safetensors"));
        NetworkTrainingTest.Reference ref = new NetworkTrainingTest.Reference(copy);
        double f = ref.objective(t);
        assertTrue(Double.isFinite(f));
        assertEquals(f, lastGood.get("objectiveValue").asDouble(), 1e-9 * f);
    }
}
