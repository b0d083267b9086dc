package dev.downhill.core.model;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a model is, without its parameters: the one description that train, evaluate, predict, the Java API,
 * the Spark ML stages, checkpoints and model files read, and the only place a model family is chosen
 * ({@link #build()}). Shapes travel; weights do not.
 *
 * <p>Both families are stacks of affine layers z_i = W_i h_{i-1} + b_i, h_0 = x, with an activation between
 * layers and none after the last (the output layer is linear into the objective's loss). A linear model is
 * the one-layer case. The flat parameter vector holds, for each layer i from the input on, W_i row-major
 * ([out, in]) and then b_i ([out]): PyTorch's {@code nn.Linear} layout, so {@link #tensors()} names
 * {@code layers.i.weight} and {@code layers.i.bias} and a linear model keeps its historic layout (K d
 * weights, then K intercepts).
 *
 * <p>A {@link Type#CUSTOM} architecture names a user's {@link dev.downhill.core.custom.CustomModel} class (and
 * the inputs and outputs it is built for); its tensors and parameter count come from the built model.
 */
public final class Architecture implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The model families. */
    public enum Type {
        LINEAR("linear"),
        MLP("mlp"),
        /** A user's {@link dev.downhill.core.custom.CustomModel} subclass, named by {@link #className()}. */
        CUSTOM("custom");

        private final String cliName;

        Type(String cliName) {
            this.cliName = cliName;
        }

        public String cliName() {
            return cliName;
        }

        public static Type fromName(String name) {
            for (Type t : values()) {
                if (t.cliName.equalsIgnoreCase(name.trim())) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown model '" + name + "'; expected linear|mlp|custom");
        }
    }

    private final Type type;
    private final int inputs;
    private final int[] hidden;
    private final ActivationFunction activation;
    private final double negativeSlope;
    private final int outputs;
    private final double dropout;
    /** The model class of a CUSTOM architecture (null otherwise). */
    private final String className;
    /** A CUSTOM architecture's model, built once for its tensors (the class is the user's). */
    private transient volatile Model built;

    private Architecture(Type type, int inputs, int[] hidden, ActivationFunction activation, double negativeSlope,
                         int outputs, double dropout) {
        this(type, inputs, hidden, activation, negativeSlope, outputs, dropout, null);
    }

    private Architecture(Type type, int inputs, int[] hidden, ActivationFunction activation, double negativeSlope,
                         int outputs, double dropout, String className) {
        if (inputs < 0 || outputs < 1) {
            throw new IllegalArgumentException("need inputs >= 0 and outputs >= 1, got " + inputs + " and " + outputs);
        }
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("hidden layer widths must be >= 1, got " + Arrays.toString(hidden));
            }
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (!(Double.isFinite(negativeSlope))) {
            throw new IllegalArgumentException("negative slope must be finite, got " + negativeSlope);
        }
        this.type = type;
        this.inputs = inputs;
        this.hidden = hidden.clone();
        this.activation = activation;
        this.negativeSlope = negativeSlope;
        this.outputs = outputs;
        this.dropout = dropout;
        this.className = className;
        if (type != Type.CUSTOM) {
            numParameters(); // refuses sizes past an int
        }
    }

    /**
     * A user's model: the public {@link dev.downhill.core.custom.CustomModel} subclass {@code className}, built by
     * its constructor (inputs, outputs) with the thread's context class loader.
     */
    public static Architecture custom(String className, int inputs, int outputs) {
        if (className == null || className.isBlank()) {
            throw new IllegalArgumentException("a custom model needs a class name");
        }
        return new Architecture(Type.CUSTOM, inputs, new int[0], null, 0.0, outputs, 0.0, className.trim());
    }

    /** The model class of a custom architecture; null for the built-in families. */
    public String className() {
        return className;
    }

    /** A linear model: one affine layer from {@code inputs} features to {@code outputs} outputs. */
    public static Architecture linear(int inputs, int outputs) {
        return new Architecture(Type.LINEAR, inputs, new int[0], null, 0.0, outputs, 0.0);
    }

    /**
     * A multi-layer perceptron: hidden layers of the given widths, each followed by the activation (and by
     * inverted dropout with probability {@code dropout} while training), then a linear output layer.
     */
    public static Architecture mlp(int inputs, int[] hidden, ActivationFunction activation, double negativeSlope,
                                   int outputs, double dropout) {
        if (hidden.length == 0) {
            throw new IllegalArgumentException("an mlp needs at least one hidden layer");
        }
        Objects.requireNonNull(activation, "activation");
        return new Architecture(Type.MLP, inputs, hidden, activation,
                activation == ActivationFunction.LEAKY_RELU ? negativeSlope : 0.0, outputs, dropout);
    }

    public Type type() {
        return type;
    }

    public int inputs() {
        return inputs;
    }

    public int[] hidden() {
        return hidden.clone();
    }

    /** The hidden activation; null for a linear model. */
    public ActivationFunction activation() {
        return activation;
    }

    /** leaky-relu's slope below zero (0 for other activations). */
    public double negativeSlope() {
        return negativeSlope;
    }

    public int outputs() {
        return outputs;
    }

    /** Dropout probability after each hidden activation while training (0: none). */
    public double dropout() {
        return dropout;
    }

    /** Widths from the input to the output: [inputs, hidden..., outputs]. */
    public int[] layerSizes() {
        int[] sizes = new int[hidden.length + 2];
        sizes[0] = inputs;
        System.arraycopy(hidden, 0, sizes, 1, hidden.length);
        sizes[sizes.length - 1] = outputs;
        return sizes;
    }

    /** Number of affine layers (1 for a linear model). */
    public int numLayers() {
        return hidden.length + 1;
    }

    public int numParameters() {
        if (type == Type.CUSTOM) {
            return build().numParameters();
        }
        int[] s = layerSizes();
        long n = 0;
        for (int i = 0; i + 1 < s.length; i++) {
            n += (s[i] + 1L) * s[i + 1];
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a model of " + Arrays.toString(s) + " units has " + n
                    + " parameters, more than one array can hold");
        }
        return (int) n;
    }

    /** Offset of layer i's weight matrix in the flat vector; its bias follows at + out*in. */
    public int weightOffset(int layer) {
        int[] s = layerSizes();
        int offset = 0;
        for (int i = 0; i < layer; i++) {
            offset += (s[i] + 1) * s[i + 1];
        }
        return offset;
    }

    public int biasOffset(int layer) {
        int[] s = layerSizes();
        return weightOffset(layer) + s[layer] * s[layer + 1];
    }

    /** layers.i.weight [out, in] (penalized) and layers.i.bias [out] (not), in the flat vector's order. */
    public List<ParameterTensor> tensors() {
        if (type == Type.CUSTOM) {
            return build().tensors();
        }
        int[] s = layerSizes();
        List<ParameterTensor> list = new ArrayList<>();
        int offset = 0;
        for (int i = 0; i + 1 < s.length; i++) {
            list.add(new ParameterTensor("layers." + i + ".weight", new int[] {s[i + 1], s[i]}, offset, true));
            offset += s[i] * s[i + 1];
            list.add(new ParameterTensor("layers." + i + ".bias", new int[] {s[i + 1]}, offset, false));
            offset += s[i + 1];
        }
        return list;
    }

    /** The same architecture with another input width (a feature count known only once data is read). */
    public Architecture withInputs(int d) {
        return new Architecture(type, d, hidden, activation, negativeSlope, outputs, dropout, className);
    }

    /** The same architecture with another output count. */
    public Architecture withOutputs(int k) {
        return new Architecture(type, inputs, hidden, activation, negativeSlope, k, dropout, className);
    }

    /** The same architecture with another dropout probability (dropout changes training, not the shapes). */
    public Architecture withDropout(double p) {
        if (type == Type.CUSTOM) {
            return this; // a custom model has no dropout setting
        }
        return new Architecture(type, inputs, hidden, activation, negativeSlope, outputs, p, className);
    }

    /**
     * The model this describes: the one place a family is chosen. A custom model is built once per architecture
     * object (models hold shapes only, so one instance serves every thread); a class that cannot be loaded or
     * built is a {@link dev.downhill.core.custom.CustomModelException} naming it.
     */
    public Model build() {
        switch (type) {
            case LINEAR:
                return new LinearModel(inputs, outputs);
            case MLP:
                return new MlpModel(this);
            case CUSTOM: {
                Model m = built;
                if (m == null) {
                    m = dev.downhill.core.custom.CustomModel.instantiate(className, inputs, outputs);
                    built = m;
                }
                return m;
            }
            default:
                throw new AssertionError(type);
        }
    }

    /** A short description for logs: "linear 20 -> 1" or "mlp 784 -> 128 -> 10 (relu)". */
    public String describe() {
        StringBuilder b = new StringBuilder(type.cliName()).append(' ');
        if (type == Type.CUSTOM) {
            b.append(className).append(' ');
        }
        int[] s = layerSizes();
        for (int i = 0; i < s.length; i++) {
            b.append(i == 0 ? "" : " -> ").append(s[i]);
        }
        if (type == Type.MLP) {
            b.append(" (").append(activation.cliName());
            if (activation == ActivationFunction.LEAKY_RELU) {
                b.append(", negative slope ").append(negativeSlope);
            }
            if (dropout > 0) {
                b.append(", dropout ").append(dropout);
            }
            b.append(')');
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Architecture a && type == a.type && inputs == a.inputs && Arrays.equals(hidden, a.hidden)
                && activation == a.activation && Double.compare(negativeSlope, a.negativeSlope) == 0
                && outputs == a.outputs && Double.compare(dropout, a.dropout) == 0
                && Objects.equals(className, a.className);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, inputs, Arrays.hashCode(hidden), activation, negativeSlope, outputs, dropout,
                className);
    }

    @Override
    public String toString() {
        return describe();
    }
}
