package dev.downhill.core.model;

import dev.downhill.core.data.DataBlock;

/** A multi-layer perceptron (placeholder while the autodiff engine is written; not finished). */
public final class MlpModel implements Model {
    private static final long serialVersionUID = 1L;
    private final Architecture architecture;

    public MlpModel(Architecture architecture) {
        this.architecture = architecture;
    }

    @Override
    public Architecture architecture() {
        return architecture;
    }

    @Override
    public int numFeatures() {
        return architecture.inputs();
    }

    @Override
    public int numOutputs() {
        return architecture.outputs();
    }

    @Override
    public int numParameters() {
        return architecture.numParameters();
    }

    @Override
    public boolean isPenalized(int index) {
        throw new UnsupportedOperationException("not finished");
    }

    @Override
    public Activations newActivations(int rows) {
        throw new UnsupportedOperationException("not finished");
    }

    @Override
    public void forward(double[] params, DataBlock block, Activations act) {
        throw new UnsupportedOperationException("not finished");
    }

    @Override
    public void backward(double[] params, DataBlock block, Activations act, double[] outputGradient,
                         double[] paramGradient) {
        throw new UnsupportedOperationException("not finished");
    }
}
