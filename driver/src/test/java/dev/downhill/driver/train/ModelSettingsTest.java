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

    /**
     * The executors' memory: local-cluster's MiB per executor and its cores as concurrent tasks, a cluster's
     * spark.executor.memory and spark.executor.cores; the tape scales with the rows per block (never more than the
     * data's rows). Linear models are not checked here (the loader checks their size against the driver).
     */
    @Test
    void aNetworkMustFitTheExecutorsHeap() {
        // 2 -> 30000 -> 1: 120,001 parameters; a block of 512 rows holds 512 x 30,001 x 64 B = 938 MiB of tape,
        // more than the 724 MiB a 1 GiB executor leaves after Spark's 300 MiB reserve.
        Settings s = train("--model", "mlp", "--hidden", "30000");
        Architecture a = ModelSettings.architecture(s, 2, 1);
        org.apache.spark.SparkConf oneGiB = new org.apache.spark.SparkConf().set("spark.master",
                "local-cluster[2,1,1024]");
        String m = assertThrows(SettingsException.class, () -> ModelSettings.checkFits(a, s, 100_000, oneGiB))
                .getMessage();
        assertTrue(m.startsWith("--hidden 30000: the network mlp 2 -> 30000 -> 1 (relu) (120001 parameters) needs"
                + " about 0.9 GiB per executor"), m);
        assertTrue(m.contains("1 concurrent task(s)") && m.contains("a block of 512 rows (--block-rows)")
                && m.contains("the executors' heap of 1024 MiB (local-cluster) (0.7 GiB usable)"), m);
        // Fewer rows than a block: the tape is the data's rows (549 MiB); two cores per executor need two tapes.
        ModelSettings.checkFits(a, s, 300, oneGiB);
        org.apache.spark.SparkConf twoCores = new org.apache.spark.SparkConf().set("spark.master",
                "local-cluster[1,2,1024]");
        assertThrows(SettingsException.class, () -> ModelSettings.checkFits(a, s, 300, twoCores));
        ModelSettings.checkFits(a, s, 100, twoCores);
        ModelSettings.checkFits(a, train("--model", "mlp", "--hidden", "30000", "--block-rows", "64"), 100_000,
                oneGiB);
        // A cluster: spark.executor.memory and spark.executor.cores.
        org.apache.spark.SparkConf yarn = new org.apache.spark.SparkConf().set("spark.master", "yarn")
                .set("spark.executor.memory", "3g").set("spark.executor.cores", "4");
        String y = assertThrows(SettingsException.class, () -> ModelSettings.checkFits(a, s, 100_000, yarn))
                .getMessage();
        assertTrue(y.contains("each of its 4 concurrent task(s)") && y.contains("more than spark.executor.memory"),
                y);
        ModelSettings.checkFits(a, s, 100_000, yarn.set("spark.executor.cores", "2"));
        ModelSettings.checkFits(Architecture.linear(10_000_000, 1), train(), 100_000, oneGiB);
    }

    /** --hidden alone: a lower bound on the parameters, refused before Spark starts when it cannot fit. */
    @Test
    void hiddenLayersAloneMustFitOneArrayAndTheDriver() {
        assertTrue(refused("--model", "mlp", "--hidden", "50000,50000").contains("more than one array can hold"));
        String m = assertThrows(SettingsException.class, () -> ModelSettings.checkHiddenFits(new int[] {1000, 1000},
                100L << 20)).getMessage();
        assertTrue(m.startsWith("--hidden 1000,1000 makes at least 1003001 parameters, about 0.2 GiB of driver"
                + " memory"), m);
        ModelSettings.checkHiddenFits(new int[] {1000, 1000}, 1L << 30);
    }
}
