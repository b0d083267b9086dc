package dev.downhill.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.model.ActivationFunction;
import dev.downhill.core.model.Architecture;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** --model and its settings: one architecture from them, family defaults, and every mistake named before Spark. */
class ModelSettingsTest {
    private static Settings train(String... extra) {
        List<String> args = new ArrayList<>(List.of("--input", "in", "--objective", "softmax", "--output", "out"));
        args.addAll(List.of(extra));
        return Settings.parse("train", args);
    }

    private static String refused(String... extra) {
        return assertThrows(SettingsException.class, () -> TrainCommand.validate(train(extra))).getMessage();
    }

    @Test
    void theSettingsDescribeOneArchitecture() {
        Settings s = train("--model", "mlp", "--hidden", "256, 128", "--activation", "leaky-relu",
                "--negative-slope", "0.2", "--dropout", "0.5");
        TrainCommand.validate(s);
        Architecture a = ModelSettings.architecture(s, 784, 10);
        assertEquals(Architecture.Type.MLP, a.type());
        assertArrayEquals(new int[] {784, 256, 128, 10}, a.layerSizes());
        assertEquals(ActivationFunction.LEAKY_RELU, a.activation());
        assertEquals(0.2, a.negativeSlope());
        assertEquals(0.5, a.dropout());
        assertEquals(785 * 256 + 257 * 128 + 129 * 10, a.numParameters());
        assertEquals(ActivationFunction.RELU, ModelSettings.architecture(train("--model", "mlp", "--hidden", "8"),
                3, 2).activation(), "auto is relu");
        assertEquals(Architecture.linear(5, 1), ModelSettings.architecture(train(), 5, 1), "linear by default");
    }

    @Test
    void familyDefaults() {
        Settings net = train("--model", "mlp", "--hidden", "16");
        assertEquals("adam", OptimizerChoice.resolve(net, dev.downhill.core.loss.Objective.SOFTMAX, 1.0,
                ModelSettings.batchFraction(net, 60_000)).name);
        assertEquals(1.0 / 29, ModelSettings.batchFraction(net, 60_000), 1e-15, "about 2048 rows a batch");
        assertEquals(1.0, ModelSettings.batchFraction(net, 1_000), "small data: the full batch");
        assertEquals(512, ModelSettings.blockRows(net, true));
        assertEquals(4096, ModelSettings.blockRows(net, false), "evaluate and predict keep large blocks");
        Settings lbfgs = train("--model", "mlp", "--hidden", "16", "--optimizer", "lbfgs");
        assertEquals(1.0, ModelSettings.batchFraction(lbfgs, 60_000), "lbfgs needs the full gradient");
        Settings linear = train();
        assertEquals(1.0, ModelSettings.batchFraction(linear, 60_000));
        assertEquals(4096, ModelSettings.blockRows(linear, true));
        assertEquals("lbfgs", OptimizerChoice.resolve(linear, dev.downhill.core.loss.Objective.SOFTMAX, 1.0).name);
    }

    @Test
    void mistakesAreNamedBeforeSparkStarts() {
        assertTrue(refused("--model", "mlp").contains("--model mlp needs --hidden"));
        assertTrue(refused("--model", "mlp", "--hidden", "").contains("--hidden"));
        assertTrue(refused("--model", "mlp", "--hidden", "128,0").contains("'0' is not"));
        assertTrue(refused("--model", "mlp", "--hidden", "128,,64").contains("--hidden 128,,64"));
        assertTrue(refused("--model", "mlp", "--hidden", "12x").contains("'12x' is not"));
        assertTrue(refused("--model", "mlp", "--hidden", "8", "--activation", "swish")
                .contains("--activation swish is not an activation: use one of relu|leaky-relu|tanh|sigmoid|gelu"));
        assertTrue(refused("--hidden", "8").contains("--hidden applies to --model mlp only"));
        assertTrue(refused("--activation", "tanh").contains("--activation applies to --model mlp only"));
        assertTrue(refused("--dropout", "0.5").contains("--dropout applies to --model mlp only"));
        assertTrue(refused("--model", "cnn").contains("--model cnn is not a model family"));
        assertTrue(refused("--model", "mlp", "--hidden", "8", "--dropout", "0.5", "--optimizer", "lbfgs")
                .contains("--dropout makes every iteration's objective different"));
        assertTrue(refused("--model", "mlp", "--hidden", "8", "--l1", "0.1").contains("--l1 applies to linear"));
        assertThrows(SettingsException.class, () -> train("--model", "mlp", "--hidden", "8", "--dropout", "1"),
                "dropout 1 would zero every unit");
    }
}
