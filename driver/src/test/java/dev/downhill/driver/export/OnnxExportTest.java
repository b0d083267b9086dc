package dev.downhill.driver.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.ActivationFunction;
import dev.downhill.core.model.Architecture;
import dev.downhill.core.model.Predictor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exported graph, run by ONNX Runtime, gives {@link Predictor}'s scores on the same rows, for every objective
 * and every activation (and linear models): probabilities for softmax and logistic, the decision value for hinge,
 * the value for least squares. Parameters and rows are seeded random numbers of unit to several-unit size, so
 * every activation is exercised on both sides of zero and into saturation.
 */
class OnnxExportTest {
    /** The relative agreement asked for; double against double, the differences found are near 1e-15. */
    static final double REL_TOL = 1e-6;
    /** Absolute floor for scores near zero (a least-squares value that a sum cancels to about 0). */
    static final double ABS_FLOOR = 1e-15;

    static Stream<Arguments> models() {
        List<Arguments> list = new ArrayList<>();
        for (Objective objective : Objective.values()) {
            int classes = classes(objective);
            int k = objective.numOutputs(classes);
            list.add(Arguments.of(objective, Architecture.linear(6, k)));
            for (ActivationFunction f : ActivationFunction.values()) {
                list.add(Arguments.of(objective, Architecture.mlp(6, new int[] {9, 5}, f,
                        ActivationFunction.DEFAULT_NEGATIVE_SLOPE, k, 0.0)));
            }
            // a slope that float32 cannot hold exactly, one above 1, and a model trained with dropout
            list.add(Arguments.of(objective, Architecture.mlp(6, new int[] {7}, ActivationFunction.LEAKY_RELU, 0.3,
                    k, 0.0)));
            list.add(Arguments.of(objective, Architecture.mlp(6, new int[] {7}, ActivationFunction.LEAKY_RELU, 1.7,
                    k, 0.25)));
        }
        return list.stream();
    }

    static int classes(Objective objective) {
        return objective == Objective.LEAST_SQUARES ? 0 : objective == Objective.SOFTMAX ? 4 : 2;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("models")
    void onnxRuntimeGivesPredictorsScores(Objective objective, Architecture architecture) throws OrtException {
        Random r = new Random(architecture.hashCode() * 31L + objective.ordinal());
        double[] params = new double[architecture.numParameters()];
        for (int i = 0; i < params.length; i++) {
            params[i] = r.nextGaussian();
        }
        double[][] rows = rows(r, 50, architecture.inputs());
        int classes = classes(objective);
        double[] labels = classes == 0 ? null : new double[classes];
        for (int c = 0; c < classes; c++) {
            labels[c] = c;
        }
        byte[] onnx = OnnxExport.toBytes(objective, architecture, labels, params, "test");
        double[][] got = run(onnx, rows);

        Predictor predictor = new Predictor(objective, architecture, classes, params);
        predictor.predict(block(rows));
        int k = architecture.outputs();
        double worst = 0;
        for (int i = 0; i < rows.length; i++) {
            assertEquals(k, got[i].length);
            for (int c = 0; c < k; c++) {
                double want = predictor.score(i, c);
                double diff = Math.abs(got[i][c] - want);
                assertTrue(diff <= REL_TOL * Math.abs(want) + ABS_FLOOR, "row " + i + " score " + c + ": onnx "
                        + got[i][c] + ", predictor " + want);
                worst = Math.max(worst, diff / Math.max(Math.abs(want), 1e-300));
            }
        }
        System.out.println("onnx vs predictor, " + objective.cliName() + " " + architecture + ": largest relative"
                + " difference " + worst);
    }

    /**
     * Each activation alone (1 -> 1 -> 1, unit weights, zero biases, least squares: the output is f(x)) over
     * [-40, 40], where gelu, sigmoid and softplus reach values near 1e-300 on one side: relative agreement with
     * Predictor to 1e-12 (Cody's erfc in float64 operations against Commons Numbers' erfc, Goldberg's log1p
     * against Math.log1p), not merely absolute.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(ActivationFunction.class)
    void everyActivationKeepsItsRelativePrecisionOverAWideRange(ActivationFunction f) throws OrtException {
        Architecture a = Architecture.mlp(1, new int[] {1}, f, 0.3, 1, 0.0);
        double[] params = {1.0, 0.0, 1.0, 0.0}; // layers.0.weight, layers.0.bias, layers.1.weight, layers.1.bias
        List<double[]> xs = new ArrayList<>();
        for (double x = -40; x <= 40; x += 0.0625 * Math.PI) {
            xs.add(new double[] {x});
        }
        for (double x : new double[] {0.0, 1e-300, -1e-300, 1e-17, -1e-17, 0.46875 * Math.sqrt(2), 4 * Math.sqrt(2),
            -4 * Math.sqrt(2), 36.0, -36.0, 700.0, -700.0}) {
            xs.add(new double[] {x});
        }
        double[][] rows = xs.toArray(new double[0][]);
        double[][] got = run(OnnxExport.toBytes(Objective.LEAST_SQUARES, a, null, params, "test"), rows);
        Predictor predictor = new Predictor(Objective.LEAST_SQUARES, a, 0, params);
        predictor.predict(block(rows));
        double worst = 0;
        for (int i = 0; i < rows.length; i++) {
            double want = predictor.score(i, 0);
            double diff = Math.abs(got[i][0] - want);
            assertTrue(diff <= 1e-12 * Math.abs(want), f.cliName() + "(" + rows[i][0] + "): onnx " + got[i][0]
                    + ", predictor " + want);
            if (want != 0) {
                worst = Math.max(worst, diff / Math.abs(want));
            }
        }
        System.out.println("onnx vs predictor, " + f.cliName() + " alone on [-40, 40]: largest relative difference "
                + worst);
    }

    @Test
    void declaresADynamicBatchOfFloat64FeaturesAndNamedOutputs() throws OrtException {
        Architecture a = Architecture.mlp(3, new int[] {4}, ActivationFunction.GELU, 0.0, 3, 0.0);
        byte[] onnx = OnnxExport.toBytes(Objective.SOFTMAX, a, new double[] {1, 2, 3},
                new double[a.numParameters()], "test");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions())) {
            Map<String, NodeInfo> inputs = session.getInputInfo();
            assertEquals(List.of(OnnxExport.INPUT), List.copyOf(inputs.keySet()));
            TensorInfo in = (TensorInfo) inputs.get(OnnxExport.INPUT).getInfo();
            assertEquals(OnnxJavaType.DOUBLE, in.type);
            assertEquals(-1, in.getShape()[0]); // the symbolic batch dimension N
            assertEquals(3, in.getShape()[1]);
            TensorInfo out = (TensorInfo) session.getOutputInfo().get(OnnxExport.PROBABILITIES).getInfo();
            assertEquals(OnnxJavaType.DOUBLE, out.type);
            assertEquals(3, out.getShape()[1]);
            assertEquals("softmax", session.getMetadata().getCustomMetadata().get("objective"));
            assertEquals("[1.0, 2.0, 3.0]", session.getMetadata().getCustomMetadata().get("classLabels"));
            // all-zero parameters: every class equally likely, for any batch size
            double[][] p = run(onnx, new double[][] {{1, 2, 3}, {0, 0, 0}, {-5, 7, 1e6}});
            for (double[] row : p) {
                for (double v : row) {
                    assertEquals(1.0 / 3, v, 1e-15);
                }
            }
        }
    }

    @Test
    void refusesAModelTooLargeForOneOnnxFile() {
        OnnxExport.checkSize(Architecture.mlp(10_000, new int[] {10_000}, ActivationFunction.RELU, 0, 1, 0));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.checkSize(Architecture.mlp(20_000, new int[] {14_000}, ActivationFunction.RELU, 0,
                        1, 0)));
        assertTrue(e.getMessage().contains("280028001 parameters") && e.getMessage().contains("2 GiB"),
                e.getMessage());
    }

    /** Rows of size several units, a few zeros among them, plus an all-zero row. */
    static double[][] rows(Random r, int n, int d) {
        double[][] x = new double[n][d];
        for (int i = 1; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = r.nextDouble() < 0.15 ? 0.0 : 2.5 * r.nextGaussian();
            }
        }
        return x;
    }

    static DataBlock block(double[][] rows) {
        BlockBuilder b = new BlockBuilder(rows[0].length);
        for (double[] row : rows) {
            b.addDenseRow(0.0, 1.0, row);
        }
        return b.build();
    }

    /** The graph's one output for these rows, from ONNX Runtime. */
    static double[][] run(byte[] onnx, double[][] rows) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(env, rows);
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, x))) {
            assertEquals(1, result.size());
            return (double[][]) result.get(0).getValue();
        }
    }
}
