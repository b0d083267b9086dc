package dev.downhill.core.custom;

import dev.downhill.core.autodiff.Node;
import dev.downhill.core.autodiff.OperationCheck;
import dev.downhill.core.autodiff.Tape;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.model.Activations;
import dev.downhill.core.model.Architecture;
import dev.downhill.core.model.Model;
import dev.downhill.core.model.ParameterTensor;
import dev.downhill.core.sample.SeededRandom;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Your own model, in Java: extend this class, declare the parameters in the constructor and write the forward
 * pass of a block; the library does the rest (the flat parameter layout, the seeded initialization, the L2
 * penalty's mask, the tape that records the forward pass and the backward pass that walks it, model files,
 * checkpoints, evaluate and predict). {@code train --model-class com.example.MyNet --jars my-model.jar} trains
 * it on a Spark cluster like a built-in model, and checks its gradient against central differences first.
 *
 * <pre>{@code
 * public final class MyNet extends CustomModel {
 *     private final Parameter w1, b1, w2, b2;
 *
 *     public MyNet(int inputs, int outputs) {          // the constructor the library calls
 *         super(inputs, outputs);
 *         w1 = weight("hidden.weight", 32, inputs, Init.he());   // [out, in], L2-penalized
 *         b1 = bias("hidden.bias", 32);                          // zeros, not penalized
 *         w2 = weight("out.weight", outputs, 32, Init.glorot());
 *         b2 = bias("out.bias", outputs);
 *     }
 *
 *     protected Node forward(Forward f) {
 *         Node h = f.apply(new Swish(), f.inputAffine(w1, b1));  // a user-defined Operation
 *         return f.affine(h, w2, b2);                              // rows x outputs, into the objective's loss
 *     }
 * }
 * }</pre>
 *
 * <p>The rules: a public constructor {@code (int inputs, int outputs)} (inputs: the data's feature count d;
 * outputs: what the objective needs, K for softmax, 1 otherwise); parameters declared there, in the order the
 * flat vector holds them (names are the tensor names in model.safetensors, so they must be unique); the forward
 * pass returns a node of rows x outputs, the model's outputs z that the objective's loss reads (logistic: the
 * logit; softmax: K logits; least squares: the prediction). The class must be Java-serializable (it ships to
 * executors inside Spark tasks): keep only settings and {@link Parameter} handles in fields. Operations the tape
 * lacks are {@link dev.downhill.core.autodiff.Operation}s: their forward and vector-Jacobian product.
 *
 * <p>Initialization: tensor t (in declaration order) draws from SeededRandom.of(seed, stream, t), so the start
 * depends on the seed only. The L2 penalty (lambda/2) sum theta_j^2 applies to the parameters declared
 * {@code penalized}.
 */
public abstract class CustomModel implements Model {
    private static final long serialVersionUID = 1L;
    /** Separates the initialization stream from other uses of the seed. */
    private static final long INIT_STREAM = 0x1A17_1A15_0000_00C5L;

    private final int inputs;
    private final int outputs;
    private final List<Parameter> parameters = new ArrayList<>();
    private int numParameters;
    private transient boolean sealed;

    /**
     * @param inputs  the number of features d of the data
     * @param outputs the number of model outputs the objective needs
     */
    protected CustomModel(int inputs, int outputs) {
        if (inputs < 1 || outputs < 1) {
            throw new IllegalArgumentException("a model needs inputs >= 1 and outputs >= 1, got " + inputs + " and "
                    + outputs);
        }
        this.inputs = inputs;
        this.outputs = outputs;
    }

    /**
     * Declares a parameter tensor: its name (unique; the tensor's name in model files), shape, initialization
     * and whether the L2 penalty applies to it. Call from the constructor; the flat vector holds the tensors in
     * declaration order, each row-major.
     */
    protected final Parameter parameter(String name, int[] shape, Init init, boolean penalized) {
        if (sealed) {
            throw new IllegalStateException(getClass().getName() + ": declare parameters in the constructor, not"
                    + " after the model is in use");
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(getClass().getName() + ": a parameter needs a name");
        }
        for (Parameter p : parameters) {
            if (p.name().equals(name)) {
                throw new IllegalArgumentException(getClass().getName() + ": parameter name '" + name
                        + "' is declared twice");
            }
        }
        if (shape.length == 0) {
            throw new IllegalArgumentException(getClass().getName() + ": parameter '" + name + "' needs a shape");
        }
        long size = 1;
        for (int s : shape) {
            if (s < 1) {
                throw new IllegalArgumentException(getClass().getName() + ": parameter '" + name + "' has shape "
                        + Arrays.toString(shape) + "; every dimension must be >= 1");
            }
            size *= s;
        }
        if (numParameters + size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(getClass().getName() + ": more parameters than one array can hold");
        }
        Parameter p = new Parameter(new ParameterTensor(name, shape, numParameters, penalized),
                java.util.Objects.requireNonNull(init, "init"));
        parameters.add(p);
        numParameters += (int) size;
        return p;
    }

    /** A weight matrix of shape [out, in], L2-penalized. */
    protected final Parameter weight(String name, int out, int in, Init init) {
        return parameter(name, new int[] {out, in}, init, true);
    }

    /** A bias vector of shape [n], zeros, not penalized. */
    protected final Parameter bias(String name, int n) {
        return parameter(name, new int[] {n}, Init.zeros(), false);
    }

    /**
     * The forward pass of one block: build the outputs from {@code f.inputAffine(...)} etc. and return the
     * node of rows x {@link #numOutputs()} values.
     */
    protected abstract Node forward(Forward f);

    /** The declared parameters, in order. */
    public final List<Parameter> parameters() {
        return Collections.unmodifiableList(parameters);
    }

    @Override
    public final Architecture architecture() {
        return Architecture.custom(getClass().getName(), inputs, outputs);
    }

    @Override
    public final List<ParameterTensor> tensors() {
        List<ParameterTensor> list = new ArrayList<>(parameters.size());
        for (Parameter p : parameters) {
            list.add(p.tensor());
        }
        return list;
    }

    @Override
    public final double[] initialParameters(long seed) {
        double[] theta = new double[numParameters];
        for (int t = 0; t < parameters.size(); t++) {
            Parameter p = parameters.get(t);
            p.init().fill(theta, p.offset(), p.shape(), SeededRandom.of(seed, INIT_STREAM, t));
        }
        return theta;
    }

    @Override
    public final int numFeatures() {
        return inputs;
    }

    @Override
    public final int numOutputs() {
        return outputs;
    }

    @Override
    public final int numParameters() {
        return numParameters;
    }

    @Override
    public final boolean isPenalized(int index) {
        if (index < 0 || index >= numParameters) {
            throw new IndexOutOfBoundsException("parameter " + index + " of " + numParameters);
        }
        return tensorAt(index).penalized();
    }

    /** The declared tensor holding flat index {@code index}. */
    public final Parameter tensorAt(int index) {
        for (Parameter p : parameters) {
            if (index < p.offset() + p.size()) {
                return p;
            }
        }
        throw new IndexOutOfBoundsException("parameter " + index + " of " + numParameters);
    }

    @Override
    public final Activations newActivations(int rows) {
        return new CustomActivations(outputs, rows, new Tape(), getClass().getName());
    }

    @Override
    public final void forward(double[] params, DataBlock block, Activations act) {
        sealed = true;
        if (params.length != numParameters) {
            throw new IllegalArgumentException("expected " + numParameters + " parameters, got " + params.length);
        }
        if (block.numFeatures() != inputs) {
            throw new IllegalArgumentException("block has " + block.numFeatures() + " features, model "
                    + getClass().getName() + " has " + inputs);
        }
        CustomActivations scratch = scratch(act);
        int n = block.numRows();
        scratch.tape.begin(n, params);
        scratch.forward.begin(block);
        Node z = forward(scratch.forward);
        if (z == null || z.rows() != n || z.cols() != outputs) {
            throw new IllegalStateException(getClass().getName() + ".forward returned " + (z == null ? "null"
                    : "a node of " + z.rows() + " x " + z.cols()) + "; it must return the block's outputs, " + n
                    + " x " + outputs);
        }
        act.ensureRows(n);
        System.arraycopy(z.value(), 0, act.outputs(), 0, n * outputs);
        scratch.output = z;
        scratch.block = block;
        scratch.params = params;
    }

    @Override
    public final void backward(double[] params, DataBlock block, Activations act, double[] outputGradient,
                               double[] paramGradient) {
        CustomActivations scratch = scratch(act);
        if (scratch.block != block || scratch.params != params || scratch.output == null) {
            throw new IllegalStateException("backward needs the forward pass of the same block and parameters");
        }
        if (paramGradient.length != params.length) {
            throw new IllegalArgumentException("gradient has " + paramGradient.length + " entries, expected "
                    + params.length);
        }
        scratch.tape.backward(scratch.output, outputGradient, paramGradient);
    }

    /**
     * Checks the user-defined operations of the last forward pass in {@code act} against central differences of
     * their forward ({@link Tape#checkOperations}).
     */
    public final List<OperationCheck> checkOperations(Activations act, long seed) {
        return scratch(act).tape.checkOperations(seed);
    }

    private CustomActivations scratch(Activations act) {
        if (!(act instanceof CustomActivations)) {
            throw new IllegalArgumentException(getClass().getName() + " needs the Activations of its own"
                    + " newActivations()");
        }
        return (CustomActivations) act;
    }

    /** The outputs plus the tape of the last forward pass, reused block after block. */
    static final class CustomActivations extends Activations {
        final Tape tape;
        final Forward forward;
        Node output;
        DataBlock block;
        double[] params;

        CustomActivations(int numOutputs, int capacityRows, Tape tape, String modelName) {
            super(numOutputs, capacityRows);
            this.tape = tape;
            this.forward = new Forward(tape, modelName);
        }
    }

    /**
     * Finds {@code className} with the thread's context class loader and checks it is a public, concrete
     * CustomModel with a public constructor (int inputs, int outputs), without building it: what a command checks
     * before Spark starts. Failures are {@link CustomModelException}s (NOT_FOUND, WRONG_TYPE) naming the class.
     */
    public static Constructor<? extends CustomModel> load(String className) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = CustomModel.class.getClassLoader();
        }
        Class<?> c;
        try {
            c = Class.forName(className, true, loader);
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            throw new CustomModelException(CustomModelException.Kind.NOT_FOUND, className, "model class "
                    + className + " was not found: give the jar that holds it with --jars (" + e + ")", e);
        } catch (ExceptionInInitializerError e) {
            throw new CustomModelException(CustomModelException.Kind.INVALID, className, "model class " + className
                    + " failed to initialize: " + e.getCause(), e);
        } catch (LinkageError e) {
            throw new CustomModelException(CustomModelException.Kind.NOT_FOUND, className, "model class "
                    + className + " cannot be loaded: " + e, e);
        }
        if (!CustomModel.class.isAssignableFrom(c)) {
            throw new CustomModelException(CustomModelException.Kind.WRONG_TYPE, className, "model class "
                    + className + " does not extend " + CustomModel.class.getName() + " (it is a "
                    + (c.getSuperclass() == null ? c.toString() : "subclass of " + c.getSuperclass().getName())
                    + "); see the README's 'Your own model'", null);
        }
        if (Modifier.isAbstract(c.getModifiers()) || !Modifier.isPublic(c.getModifiers())) {
            throw new CustomModelException(CustomModelException.Kind.WRONG_TYPE, className, "model class "
                    + className + " must be public and not abstract", null);
        }
        try {
            return c.asSubclass(CustomModel.class).getConstructor(int.class, int.class);
        } catch (NoSuchMethodException e) {
            throw new CustomModelException(CustomModelException.Kind.WRONG_TYPE, className, "model class "
                    + className + " has no public constructor (int inputs, int outputs)", e);
        }
    }

    /**
     * Loads {@code className} with the thread's context class loader (which holds the jars a command was given)
     * and builds it for {@code inputs} features and {@code outputs} outputs. Every failure is a
     * {@link CustomModelException} naming the class.
     */
    public static CustomModel instantiate(String className, int inputs, int outputs) {
        Constructor<? extends CustomModel> constructor = load(className);
        CustomModel model;
        try {
            model = constructor.newInstance(inputs, outputs);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new CustomModelException(CustomModelException.Kind.INVALID, className, "model class "
                    + className + " threw in its constructor (" + inputs + " inputs, " + outputs + " outputs): "
                    + cause, cause);
        } catch (ReflectiveOperationException e) {
            throw new CustomModelException(CustomModelException.Kind.WRONG_TYPE, className, "model class "
                    + className + " cannot be constructed: " + e, e);
        }
        if (model.numParameters() == 0) {
            throw new CustomModelException(CustomModelException.Kind.INVALID, className, "model class "
                    + className + " declares no parameters: nothing to train", null);
        }
        if (model.numFeatures() != inputs || model.numOutputs() != outputs) {
            throw new CustomModelException(CustomModelException.Kind.INVALID, className, "model class "
                    + className + " passed (" + model.numFeatures() + ", " + model.numOutputs() + ") to super,"
                    + " but was built for " + inputs + " inputs and " + outputs + " outputs", null);
        }
        return model;
    }
}
