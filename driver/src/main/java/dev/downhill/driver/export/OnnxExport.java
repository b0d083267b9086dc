package dev.downhill.driver.export;

import com.google.protobuf.ByteString;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.ActivationFunction;
import dev.downhill.core.model.Architecture;
import dev.downhill.driver.export.onnx.OnnxProto.AttributeProto;
import dev.downhill.driver.export.onnx.OnnxProto.GraphProto;
import dev.downhill.driver.export.onnx.OnnxProto.ModelProto;
import dev.downhill.driver.export.onnx.OnnxProto.NodeProto;
import dev.downhill.driver.export.onnx.OnnxProto.OperatorSetIdProto;
import dev.downhill.driver.export.onnx.OnnxProto.StringStringEntryProto;
import dev.downhill.driver.export.onnx.OnnxProto.TensorProto;
import dev.downhill.driver.export.onnx.OnnxProto.TensorShapeProto;
import dev.downhill.driver.export.onnx.OnnxProto.TypeProto;
import dev.downhill.driver.export.onnx.OnnxProto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A trained model (linear or MLP) as an ONNX graph (opset {@value #OPSET}, IR version {@value #IR_VERSION}), built
 * with the classes protoc generates from ONNX's own {@code onnx.proto3}.
 *
 * <p>The graph takes one input, {@value #INPUT}: float64 [N, d], N a dynamic batch dimension and d the model's
 * feature count, the raw features as the data hold them (standardization or whitening is already folded into the
 * saved first layer, so nothing else is applied). float64 because Downhill computes in double: the graph then
 * gives {@code predict}'s scores to rounding, where float32 would add a relative error of about 1e-7 per operation
 * (more where a sum cancels). Every layer is {@code Gemm(h, W_i, b_i, transB=1)} = h W_i^T + b_i, with W_i [out,
 * in] and b_i [out] stored as float64 initializers named as in model.safetensors ({@code layers.i.weight},
 * {@code layers.i.bias}). Between layers the activation:
 * <ul>
 *   <li>relu: {@code Relu}; tanh: {@code Tanh};</li>
 *   <li>sigmoid: as {@code Predictor}'s, e / (1 + e) or 1 / (1 + e) with e = exp(-|x|) ({@link #sigmoid}), which
 *       keeps its relative precision in the tails where ONNX Runtime's float64 {@code Sigmoid} does not;</li>
 *   <li>leaky-relu(x) = relu(x) - a relu(-x), with a the model's negative slope as a float64 constant (exact:
 *       one of the two terms is 0); ONNX's {@code LeakyRelu} takes alpha as a float32 attribute, which would round
 *       the slope;</li>
 *   <li>softplus(x) = relu(x) + log1p(exp(-|x|)) (never overflows), with log1p from Log and a correction
 *       ({@link #log1p}; ONNX has no log1p);</li>
 *   <li>gelu(x) = x Phi(x), Phi the exact normal CDF, from Cody's rational approximations of erf and erfc in
 *       elementary operations ({@link #normalCdf}; opset 13 has no {@code Gelu}, and ONNX Runtime has no float64
 *       {@code Erf}).</li>
 * </ul>
 * The one output, float64 [N, k], is what {@code predict} writes as score:
 * <ul>
 *   <li>softmax: {@value #PROBABILITIES} [N, K], {@code Softmax(axis=1)} of the last layer;</li>
 *   <li>logistic: {@value #PROBABILITIES} [N, 1], the probability of class 1, the sigmoid of the last layer
 *       evaluated as {@code Predictor} does, with full relative precision in the tails ({@link #sigmoid});</li>
 *   <li>hinge: {@value #DECISION} [N, 1], the decision value (class 1 iff &gt; 0);</li>
 *   <li>least squares: {@value #VALUE} [N, 1], the predicted value.</li>
 * </ul>
 * Every operation used has a float64 kernel in ONNX Runtime's CPU provider. The model's metadata_props record
 * the objective, the class labels (class k of the output is the data's label
 * classLabels[k]) and the architecture.
 */
public final class OnnxExport {
    /** The operator set imported (the default domain only). */
    public static final int OPSET = 13;
    /** The IR version that goes with opset 13 (ONNX 1.8), which every current runtime reads. */
    public static final long IR_VERSION = 7;
    public static final String INPUT = "features";
    public static final String PROBABILITIES = "probabilities";
    public static final String DECISION = "decision";
    public static final String VALUE = "value";
    /** The batch dimension's symbolic name. */
    public static final String BATCH = "N";

    private OnnxExport() {}

    /** What one ONNX file holds: a protobuf message is at most 2 GiB, and external data files are not written. */
    static final long MAX_PARAMETER_BYTES = (1L << 31) - (64L << 20);

    /** Refuses a model whose float64 parameters do not fit in one ONNX file, naming its size. */
    static void checkSize(Architecture architecture) {
        long bytes = (long) architecture.numParameters() * Double.BYTES;
        if (bytes > MAX_PARAMETER_BYTES) {
            throw new IllegalArgumentException("the model (" + architecture.describe() + ") has "
                    + architecture.numParameters() + " parameters, " + bytes + " bytes as float64: more than one ONNX"
                    + " file holds (a protobuf message is at most 2 GiB; export writes no external data files).");
        }
    }

    /** The name of the graph's output for an objective. */
    public static String outputName(Objective objective) {
        switch (objective) {
            case SOFTMAX:
            case LOGISTIC:
                return PROBABILITIES;
            case HINGE:
                return DECISION;
            case LEAST_SQUARES:
                return VALUE;
            default:
                throw new AssertionError(objective);
        }
    }

    /**
     * The ONNX model of a trained model.
     *
     * @param classLabels the data's label of each class, null for least squares
     * @param params      laid out as {@link Architecture#tensors()}
     */
    public static ModelProto toModel(Objective objective, Architecture architecture, double[] classLabels,
                                     double[] params, String producerVersion) {
        if (architecture.type() == Architecture.Type.CUSTOM) {
            throw new IllegalArgumentException("model class " + architecture.className() + " (--model-class) has no"
                    + " ONNX form: its forward pass and any user-defined operations are Java code; export writes"
                    + " linear models and MLPs.");
        }
        if (params.length != architecture.numParameters()) {
            throw new IllegalArgumentException(architecture.describe() + " has " + architecture.numParameters()
                    + " parameters, got " + params.length);
        }
        checkSize(architecture);
        Graph g = new Graph();
        int[] sizes = architecture.layerSizes();
        String h = INPUT;
        for (int i = 0; i + 1 < sizes.length; i++) {
            int in = sizes[i];
            int out = sizes[i + 1];
            String w = "layers." + i + ".weight";
            String b = "layers." + i + ".bias";
            g.initializer(w, new long[] {out, in}, params, architecture.weightOffset(i), out * in);
            g.initializer(b, new long[] {out}, params, architecture.biasOffset(i), out);
            String z = i + 2 == sizes.length ? "logits" : "layers." + i + ".output";
            g.node("Gemm", "layers." + i, new String[] {h, w, b}, z, AttributeProto.newBuilder().setName("transB")
                    .setType(AttributeProto.AttributeType.INT).setI(1).build());
            h = i + 2 == sizes.length ? z : activation(g, architecture, z, "layers." + i + ".activation");
        }
        String output = outputName(objective);
        switch (objective) {
            case SOFTMAX:
                g.node("Softmax", "softmax", new String[] {h}, output, AttributeProto.newBuilder().setName("axis")
                        .setType(AttributeProto.AttributeType.INT).setI(1).build());
                break;
            case LOGISTIC:
                g.node("Identity", "output", new String[] {sigmoid(g, h, "sigmoid")}, output);
                break;
            case HINGE:
            case LEAST_SQUARES:
                g.node("Identity", "output", new String[] {h}, output);
                break;
            default:
                throw new AssertionError(objective);
        }
        GraphProto graph = g.graph
                .setName("downhill_" + architecture.type().cliName() + "_" + objective.cliName().replace('-', '_'))
                .setDocString(architecture.describe() + ", " + objective.cliName() + "; input " + INPUT + " float64 ["
                        + BATCH + ", " + architecture.inputs() + "] raw features, output " + output + " float64 ["
                        + BATCH + ", " + architecture.outputs() + "]")
                .addInput(matrix(INPUT, architecture.inputs()))
                .addOutput(matrix(output, architecture.outputs()))
                .build();
        ModelProto.Builder model = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("downhill")
                .setProducerVersion(producerVersion == null ? "" : producerVersion)
                .setGraph(graph);
        meta(model, "objective", objective.cliName());
        meta(model, "architecture", architecture.describe());
        if (classLabels != null) {
            meta(model, "classLabels", Arrays.toString(classLabels));
        }
        return model.build();
    }

    /** The serialized model: the bytes of a .onnx file. */
    public static byte[] toBytes(Objective objective, Architecture architecture, double[] classLabels,
                                 double[] params, String producerVersion) {
        return toModel(objective, architecture, classLabels, params, producerVersion).toByteArray();
    }

    /** Adds the hidden activation applied to z; returns the name of its result. */
    private static String activation(Graph g, Architecture a, String z, String name) {
        ActivationFunction f = a.activation();
        switch (f) {
            case RELU:
                return g.node("Relu", name, new String[] {z}, name);
            case TANH:
                return g.node("Tanh", name, new String[] {z}, name);
            case SIGMOID:
                return sigmoid(g, z, name);
            case LEAKY_RELU: {
                // relu(x) - a relu(-x): x above zero, a x below, with a in double.
                String slope = g.scalar(name + ".negative_slope", a.negativeSlope());
                String pos = g.node("Relu", name + ".relu", new String[] {z}, name + ".relu");
                String neg = g.node("Neg", name + ".neg", new String[] {z}, name + ".neg");
                String negRelu = g.node("Relu", name + ".neg_relu", new String[] {neg}, name + ".neg_relu");
                String scaled = g.node("Mul", name + ".scaled", new String[] {negRelu, slope}, name + ".scaled");
                return g.node("Sub", name, new String[] {pos, scaled}, name);
            }
            case SOFTPLUS: {
                // relu(x) + log1p(exp(-|x|)): exp never overflows, and the tail keeps its relative precision.
                String e = g.op("Exp", name + ".exp", g.op("Neg", name + ".neg_abs", g.op("Abs", name + ".abs", z)));
                return g.op("Add", name, g.op("Relu", name + ".relu", z), log1p(g, e, name + ".log1p"));
            }
            case GELU:
                return g.op("Mul", name, z, normalCdf(g, z, name + ".phi"));
            default:
                throw new AssertionError(f);
        }
    }

    /**
     * sigma(z) = 1 / (1 + e) for z &gt;= 0 and e / (1 + e) below, e = exp(-|z|), as {@code Predictor}: exp never
     * overflows and a tiny probability keeps its relative precision (ONNX Runtime's float64 {@code Sigmoid} is
     * accurate only absolutely there).
     */
    private static String sigmoid(Graph g, String z, String name) {
        String one = g.scalar(name + ".one", 1.0);
        String e = g.op("Exp", name + ".exp", g.op("Neg", name + ".neg_abs", g.op("Abs", name + ".abs", z)));
        String numerator = g.op("Where", name + ".numerator",
                g.op("Less", name + ".negative", z, g.scalar(name + ".zero", 0.0)), e, one);
        return g.op("Div", name, numerator, g.op("Add", name + ".one_plus", one, e));
    }

    /**
     * log(1 + v) for v &gt;= 0 to a few ulps without a log1p operation (Goldberg, "What every computer scientist
     * should know about floating-point arithmetic", 1991, theorem 4): with w = 1 + v rounded, log1p(v) = v where
     * w = 1, else log(w) v / (w - 1); the quotient corrects log(w) for the rounding of w.
     */
    private static String log1p(Graph g, String v, String name) {
        String one = g.scalar(name + ".one", 1.0);
        String w = g.op("Add", name + ".w", one, v);
        String wMinusOne = g.op("Sub", name + ".w_minus_one", w, one);
        String corrected = g.op("Mul", name + ".corrected", g.op("Log", name + ".log", w),
                g.op("Div", name + ".ratio", v, wMinusOne));
        return g.op("Where", name, g.op("Equal", name + ".w_is_one", wMinusOne, g.scalar(name + ".zero", 0.0)), v,
                corrected);
    }

    // W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969) 631-638,
    // as in his CALERF (netlib specfun): erf on |u| <= 0.46875, erfc on (0.46875, 4] and beyond 4. Highest
    // degree first.
    private static final double CODY_SPLIT = 0.46875;
    private static final double[] CODY_A = {1.85777706184603153e-1, 3.16112374387056560e0, 1.13864154151050156e2,
        3.77485237685302021e2, 3.20937758913846947e3};
    private static final double[] CODY_B = {1.0, 2.36012909523441209e1, 2.44024637934444173e2,
        1.28261652607737228e3, 2.84423683343917062e3};
    private static final double[] CODY_C = {2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e0,
        6.61191906371416295e1, 2.98635138197400131e2, 8.81952221241769090e2, 1.71204761263407058e3,
        2.05107837782607147e3, 1.23033935479799725e3};
    private static final double[] CODY_D = {1.0, 1.57449261107098347e1, 1.17693950891312499e2,
        5.37181101862009858e2, 1.62138957456669019e3, 3.29079923573345963e3, 4.36261909014324716e3,
        3.43936767414372164e3, 1.23033935480374942e3};
    private static final double[] CODY_P = {1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
        1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4};
    private static final double[] CODY_Q = {1.0, 2.56852019228982242e0, 1.87295284992346047e0,
        5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3};
    private static final double ONE_OVER_SQRT_PI = 5.6418958354775628695e-1;

    /**
     * Phi(x) = erfc(-x / sqrt 2) / 2, the exact normal CDF, from elementary float64 operations (ONNX Runtime has
     * no float64 {@code Erf}, and 1 + erf would lose the left tail): with u = x / sqrt 2 and y = |u|, Cody's
     * rational approximations give erf(u) for y &lt;= 0.46875 (then Phi = (1 + erf u) / 2) and erfc(y) beyond
     * (then Phi = erfc(y) / 2 for u &lt; 0 and 1 - erfc(y) / 2 otherwise), to about 1e-15 relative.
     */
    private static String normalCdf(Graph g, String x, String name) {
        String one = g.scalar(name + ".one", 1.0);
        String half = g.scalar(name + ".half", 0.5);
        String u = g.op("Mul", name + ".u", x, g.scalar(name + ".sqrt_half", Math.sqrt(0.5)));
        String y = g.op("Abs", name + ".y", u);
        String y2 = g.op("Mul", name + ".y2", y, y);
        // |u| <= 0.46875: erf(u) = u A(y^2) / B(y^2)
        String erf = g.op("Div", name + ".erf", g.op("Mul", name + ".erf_num", u, g.horner(name + ".a", y2, CODY_A)),
                g.horner(name + ".b", y2, CODY_B));
        String phiSmall = g.op("Mul", name + ".phi_small", half, g.op("Add", name + ".one_plus_erf", one, erf));
        // |u| in (0.46875, 4]: erfc(y) = exp(-y^2) C(y) / D(y)
        String gauss = g.op("Exp", name + ".gauss", g.op("Neg", name + ".neg_y2", y2));
        String erfcMid = g.op("Mul", name + ".erfc_mid", gauss, g.op("Div", name + ".cd",
                g.horner(name + ".c", y, CODY_C), g.horner(name + ".d", y, CODY_D)));
        // |u| > 4: erfc(y) = exp(-y^2) (1/sqrt(pi) - t P(t) / Q(t)) / y, t = 1 / y^2 (y clamped to >= 4 here, so
        // the branch not taken never divides by zero)
        String four = g.scalar(name + ".four", 4.0);
        String yt = g.op("Max", name + ".y_tail", y, four);
        String t = g.op("Div", name + ".t", one, g.op("Mul", name + ".y_tail2", yt, yt));
        String pq = g.op("Div", name + ".pq", g.op("Mul", name + ".tp", t, g.horner(name + ".p", t, CODY_P)),
                g.horner(name + ".q", t, CODY_Q));
        String erfcTail = g.op("Mul", name + ".erfc_tail", gauss, g.op("Div", name + ".tail_ratio",
                g.op("Sub", name + ".tail_series", g.scalar(name + ".one_over_sqrt_pi", ONE_OVER_SQRT_PI), pq), yt));
        String erfc = g.op("Where", name + ".erfc", g.op("Greater", name + ".beyond_four", y, four), erfcTail,
                erfcMid);
        String halfErfc = g.op("Mul", name + ".half_erfc", half, erfc);
        String phiLarge = g.op("Where", name + ".phi_large", g.op("Less", name + ".negative", u,
                g.scalar(name + ".zero", 0.0)), halfErfc, g.op("Sub", name + ".one_minus", one, halfErfc));
        return g.op("Where", name, g.op("Greater", name + ".beyond_split", y, g.scalar(name + ".split", CODY_SPLIT)),
                phiLarge, phiSmall);
    }

    private static ValueInfoProto matrix(String name, int columns) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(columns))
                .build();
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.DOUBLE_VALUE).setShape(shape)))
                .build();
    }

    private static void meta(ModelProto.Builder model, String key, String value) {
        model.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value));
    }

    /** A graph under construction. */
    private static final class Graph {
        final GraphProto.Builder graph = GraphProto.newBuilder();

        /** Adds a node with one output; returns the output's name. */
        String node(String op, String name, String[] inputs, String output, AttributeProto... attributes) {
            NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(output);
            for (String in : inputs) {
                n.addInput(in);
            }
            for (AttributeProto a : attributes) {
                n.addAttribute(a);
            }
            graph.addNode(n);
            return output;
        }

        /** A node named as its output, which is returned. */
        String op(String op, String name, String... inputs) {
            return node(op, name, inputs, name);
        }

        /** c[0] x^n + c[1] x^(n-1) + ... + c[n] by Horner's rule (no multiply for a leading 1); returns its name. */
        String horner(String name, String x, double[] c) {
            String acc = c[0] == 1.0 ? x : op("Mul", name + ".m0", x, scalar(name + ".c0", c[0]));
            for (int i = 1; i < c.length; i++) {
                acc = op("Add", name + ".s" + i, acc, scalar(name + ".c" + i, c[i]));
                if (i + 1 < c.length) {
                    acc = op("Mul", name + ".m" + i, acc, x);
                }
            }
            return acc;
        }

        /** A float64 tensor of the given shape from values[offset .. offset + count), as raw little-endian data. */
        void initializer(String name, long[] dims, double[] values, int offset, int count) {
            ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(count, Double.BYTES))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                buf.putDouble(values[offset + i]);
            }
            buf.flip();
            TensorProto.Builder t = TensorProto.newBuilder().setName(name)
                    .setDataType(TensorProto.DataType.DOUBLE_VALUE).setRawData(ByteString.copyFrom(buf));
            for (long d : dims) {
                t.addDims(d);
            }
            graph.addInitializer(t);
        }

        /** A float64 scalar constant (broadcast by the element-wise ops); returns its name. */
        String scalar(String name, double value) {
            initializer(name, new long[0], new double[] {value}, 0, 1);
            return name;
        }
    }
}
