package dev.downhill.driver;

import static dev.downhill.driver.TrainCommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.TrainCommandLineTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --initial-model: a run starts from a saved model's parameters; a model that does not fit is refused. */
class WarmStartTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static String[] train(Path input, Path out, String... extra) {
        return TrainCommandLineTest.train(input, "softmax", out, extra);
    }

    @Test
    void aNetworkStartsFromTheGivenParametersAndAMismatchNamesBothShapes() throws Exception {
        Path input = TestData.multiclass(300, 4, 3, 41).writeLibsvm(dir.resolve("w.libsvm"), 0.0);
        String[] net = {"--model", "mlp", "--hidden", "6", "--activation", "tanh", "--l2", "1e-3"};
        Run first = run(train(input, dir.resolve("first"), concat(net, "--max-iter", "30")));
        assertEquals(0, first.code(), first.err());

        // No iterations: the saved parameters are the initial model's (through the change of variables and back).
        Run zero = run(train(input, dir.resolve("zero"), concat(net, "--max-iter", "0", "--initial-model",
                dir.resolve("first").toString())));
        assertEquals(0, zero.code(), zero.err());
        assertTrue(zero.out().contains("initial model: " + dir.resolve("first")), zero.out());
        Map<String, double[]> a = NetworkTrainingTest.readSafetensors(dir.resolve("first/model.safetensors"));
        Map<String, double[]> b = NetworkTrainingTest.readSafetensors(dir.resolve("zero/model.safetensors"));
        for (String name : a.keySet()) {
            double[] x = a.get(name);
            double[] y = b.get(name);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1e-12 * Math.max(1, Math.abs(x[i])), name + "[" + i + "]");
            }
        }
        double f0 = JSON.readTree(dir.resolve("first/model.json").toFile()).get("objectiveValue").asDouble();
        assertEquals(f0, JSON.readTree(dir.resolve("zero/model.json").toFile()).get("objectiveValue").asDouble(),
                1e-12 * f0);
        // A bare safetensors file works the same way.
        Run bare = run(train(input, dir.resolve("bare"), concat(net, "--max-iter", "0", "--initial-model",
                dir.resolve("first/model.safetensors").toString())));
        assertEquals(0, bare.code(), bare.err());
        assertEquals(f0, JSON.readTree(dir.resolve("bare/model.json").toFile()).get("objectiveValue").asDouble(),
                1e-12 * f0);

        // Another width: refused, naming both shapes.
        Run wider = run(train(input, dir.resolve("wider"), "--model", "mlp", "--hidden", "8", "--activation",
                "tanh", "--initial-model", dir.resolve("first").toString()));
        assertEquals(ExitCode.BAD_INPUT, wider.code(), wider.out());
        assertTrue(wider.err().contains("layers.0.weight[6, 4]") && wider.err().contains("layers.0.weight[8, 4]"),
                wider.err());
        Run bareWider = run(train(input, dir.resolve("bare-wider"), "--model", "mlp", "--hidden", "8",
                "--initial-model", dir.resolve("first/model.safetensors").toString()));
        assertEquals(ExitCode.BAD_INPUT, bareWider.code(), bareWider.out());
        assertTrue(bareWider.err().contains("has shape [6, 4], but the architecture needs [8, 4]"), bareWider.err());
    }

    @Test
    void aLinearModelAtItsOptimumNeedsNoFurtherSteps() throws Exception {
        Path input = TestData.multiclass(300, 4, 3, 42).writeLibsvm(dir.resolve("lin.libsvm"), 0.0);
        Run first = run(train(input, dir.resolve("lin"), "--l2", "1e-2", "--tol", "1e-10"));
        assertEquals(0, first.code(), first.err());
        JsonNode m = JSON.readTree(dir.resolve("lin/model.json").toFile());
        assertTrue(m.get("iterations").asInt() > 3, "the cold start takes steps");
        Run warm = run(train(input, dir.resolve("lin-warm"), "--l2", "1e-2", "--tol", "1e-9",
                "--initial-model", dir.resolve("lin").toString()));
        assertEquals(0, warm.code(), warm.err());
        JsonNode w = JSON.readTree(dir.resolve("lin-warm/model.json").toFile());
        assertEquals(0, w.get("iterations").asInt(), warm.out());
        assertEquals(m.get("objectiveValue").asDouble(), w.get("objectiveValue").asDouble(),
                1e-12 * m.get("objectiveValue").asDouble());
        // Another objective's model is refused by name.
        Run other = run(TrainCommandLineTest.train(TestData.binary(200, 4, 43)
                        .writeLibsvm(dir.resolve("bin.libsvm"), 0.0), "logistic", dir.resolve("other"),
                "--initial-model", dir.resolve("lin").toString()));
        assertEquals(ExitCode.BAD_INPUT, other.code(), other.out());
        assertTrue(other.err().contains("linear 4 -> 3") && other.err().contains("linear 4 -> 1"), other.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
