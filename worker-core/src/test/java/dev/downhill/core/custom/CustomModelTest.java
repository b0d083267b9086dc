package dev.downhill.core.custom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.autodiff.Node;
import dev.downhill.core.autodiff.Operation;
import dev.downhill.core.autodiff.ScalarFunctions;
import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.Architecture;
import dev.downhill.core.numdiff.ModelGradientCheck;
import dev.downhill.core.sample.SeededRandom;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class CustomModelTest {

    /** swish(x) = x sigmoid(x); with {@code wrong} its product forgets the x s (1 - s) term. */
    static final class Swish implements Operation {
        private final boolean wrong;

        Swish(boolean wrong) {
            this.wrong = wrong;
        }

        @Override
        public String name() {
            return wrong ? "bad-swish" : "swish";
        }

        @Override
        public void forward(Buffers b) {
            double[] x = b.input(0);
            double[] y = b.output();
            for (int i = 0; i < b.rows() * b.outputColumns(); i++) {
                y[i] = x[i] * ScalarFunctions.sigmoid(x[i]);
            }
        }

        @Override
        public void vectorJacobianProduct(Buffers b) {
            double[] x = b.input(0);
            double[] g = b.outputGradient();
            double[] dx = b.inputGradient(0);
            for (int i = 0; i < b.rows() * b.outputColumns(); i++) {
                double s = ScalarFunctions.sigmoid(x[i]);
                dx[i] = g[i] * (wrong ? s : s + x[i] * s * (1 - s));
            }
        }
    }

    public static class SwishNet extends CustomModel {
        private final Parameter w1;
        private final Parameter b1;
        private final Parameter scale;
        private final Parameter w2;
        private final Parameter b2;
        private final boolean wrong;

        public SwishNet(int inputs, int outputs) {
            this(inputs, outputs, false);
        }

        SwishNet(int inputs, int outputs, boolean wrong) {
            super(inputs, outputs);
            this.wrong = wrong;
            w1 = weight("hidden.weight", 6, inputs, Init.he());
            b1 = parameter("hidden.bias", new int[] {6}, Init.normal(0.1), false);
            scale = parameter("hidden.scale", new int[] {6}, Init.constant(1.5), false);
            w2 = weight("out.weight", outputs, 6, Init.glorot());
            b2 = bias("out.bias", outputs);
        }

        @Override
        protected Node forward(Forward f) {
            Node h = f.apply(new Swish(wrong), f.inputAffine(w1, b1));
            h = f.multiply(h, f.row(scale));
            return f.affine(f.tanh(h), w2, b2);
        }
    }

    public static final class WrongSwishNet extends SwishNet {
        public WrongSwishNet(int inputs, int outputs) {
            super(inputs, outputs, true);
        }
    }

    public static final class NotAModel {
        public NotAModel(int inputs, int outputs) {}
    }

    public static final class Throws extends CustomModel {
        public Throws(int inputs, int outputs) {
            super(inputs, outputs);
            throw new IllegalStateException("needs 784 inputs");
        }

        @Override
        protected Node forward(Forward f) {
            return null;
        }
    }

    static List<DataBlock> blocks(int d, int rows, long seed) {
        SeededRandom rng = SeededRandom.of(seed);
        BlockBuilder b = new BlockBuilder(d);
        for (int i = 0; i < rows; i++) {
            double[] x = new double[d];
            double s = 0;
            for (int j = 0; j < d; j++) {
                x[j] = 2 * rng.nextDouble() - 1;
                s += x[j];
            }
            b.addDenseRow(s > 0 ? 1.0 : 0.0, 1.0, x);
        }
        return List.of(b.build());
    }

    @Test
    void layoutInitializationAndPenalty() {
        SwishNet m = new SwishNet(4, 1);
        assertEquals(6 * 4 + 6 + 6 + 6 + 1, m.numParameters());
        assertEquals(List.of("hidden.weight", "hidden.bias", "hidden.scale", "out.weight", "out.bias"),
                m.tensors().stream().map(t -> t.name()).toList());
        assertTrue(m.isPenalized(0));
        assertFalse(m.isPenalized(24));
        assertTrue(m.isPenalized(36));
        double[] theta = m.initialParameters(7);
        assertEquals(1.5, theta[30]);
        assertEquals(0.0, theta[42]);
        assertNotEquals(0.0, theta[0]);
        assertEquals(java.util.Arrays.toString(theta), java.util.Arrays.toString(m.initialParameters(7)));
        assertNotEquals(theta[0], m.initialParameters(8)[0]);
        assertEquals(Architecture.custom(SwishNet.class.getName(), 4, 1), m.architecture());
    }

    @Test
    void gradientCheckPassesTheRightProductAndNamesTheWrongOne() {
        List<DataBlock> data = blocks(4, 64, 3);
        SwishNet good = new SwishNet(4, 1);
        ModelGradientCheck.Result ok = ModelGradientCheck.check(good, Objective.LOGISTIC.loss(2), data,
                good.initialParameters(1), 5, 40);
        assertTrue(ok.passed(), ok.describeFailure("good"));
        assertTrue(ok.maxRelativeError() < 1e-5, "max relative error " + ok.maxRelativeError());
        assertEquals(1, ok.operations().size());
        assertTrue(ok.operations().get(0).relativeError() < 1e-6);

        WrongSwishNet bad = new WrongSwishNet(4, 1);
        ModelGradientCheck.Result r = ModelGradientCheck.check(bad, Objective.LOGISTIC.loss(2), data,
                bad.initialParameters(1), 5, 40);
        assertFalse(r.passed());
        String message = r.describeFailure(WrongSwishNet.class.getName());
        assertTrue(message.contains("hidden."), message);
        assertTrue(message.contains("bad-swish"), message);
        assertTrue(r.maxRelativeError() > 1e-2, message);
    }

    @Test
    void reluNetworksPassDespiteTheirKinks() {
        // The check re-measures a failing coordinate with h / 10: a kink crossed by one step is not a failure.
        for (long seed = 1; seed <= 3; seed++) {
            dev.downhill.core.model.Model mlp = Architecture.mlp(4, new int[] {16, 8},
                    dev.downhill.core.model.ActivationFunction.RELU, 0.0, 3, 0.0).build();
            ModelGradientCheck.Result r = ModelGradientCheck.check(mlp, Objective.SOFTMAX.loss(3),
                    blocks(4, 256, seed), mlp.initialParameters(seed), seed, 100);
            assertTrue(r.passed(), r.describeFailure("mlp"));
            assertEquals(16 + 16 + 16 + 8 + 16 + 3, r.checked()); // min(size, 100 / 6) from each tensor
            assertTrue(r.operations().isEmpty());
        }
    }

    @Test
    void instantiateNamesTheClassOnEveryFailure() {
        CustomModelException missing = assertThrows(CustomModelException.class,
                () -> CustomModel.instantiate("com.example.Nope", 3, 1));
        assertEquals(CustomModelException.Kind.NOT_FOUND, missing.kind());
        assertTrue(missing.getMessage().contains("com.example.Nope"));
        CustomModelException wrong = assertThrows(CustomModelException.class,
                () -> CustomModel.instantiate(NotAModel.class.getName(), 3, 1));
        assertEquals(CustomModelException.Kind.WRONG_TYPE, wrong.kind());
        CustomModelException threw = assertThrows(CustomModelException.class,
                () -> CustomModel.instantiate(Throws.class.getName(), 3, 1));
        assertEquals(CustomModelException.Kind.INVALID, threw.kind());
        assertTrue(threw.getMessage().contains("needs 784 inputs"), threw.getMessage());
        assertEquals(SwishNet.class, CustomModel.instantiate(SwishNet.class.getName(), 3, 2).getClass());
        assertEquals(3 * 6 + 6 + 6 + 12 + 2, Architecture.custom(SwishNet.class.getName(), 3, 2).numParameters());
    }

    @Test
    void survivesJavaSerializationAsTasksShipIt() throws Exception {
        SwishNet m = new SwishNet(4, 1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(m);
        }
        SwishNet back = (SwishNet) new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray())).readObject();
        DataBlock block = blocks(4, 8, 1).get(0);
        double[] theta = m.initialParameters(2);
        var a1 = m.newActivations(8);
        var a2 = back.newActivations(8);
        m.forward(theta, block, a1);
        back.forward(theta, block, a2);
        for (int i = 0; i < 8; i++) {
            assertEquals(a1.outputs()[i], a2.outputs()[i]);
        }
    }
}
