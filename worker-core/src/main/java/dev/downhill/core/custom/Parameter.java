package dev.downhill.core.custom;

import dev.downhill.core.model.ParameterTensor;
import java.io.Serializable;
import java.util.Arrays;

/**
 * A handle on one declared parameter tensor of a {@link CustomModel}: where it lies in the flat parameter vector
 * and its shape. A weight of shape [out, in] is row-major (entry (o, i) at offset + o in + i), as
 * {@code nn.Linear} stores it.
 */
public final class Parameter implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ParameterTensor tensor;
    private final Init init;

    Parameter(ParameterTensor tensor, Init init) {
        this.tensor = tensor;
        this.init = init;
    }

    public String name() {
        return tensor.name();
    }

    public int[] shape() {
        return tensor.shape();
    }

    /** Number of values. */
    public int size() {
        return tensor.size();
    }

    /** Position of the first value in the flat parameter vector. */
    public int offset() {
        return tensor.offset();
    }

    public boolean penalized() {
        return tensor.penalized();
    }

    public Init init() {
        return init;
    }

    ParameterTensor tensor() {
        return tensor;
    }

    @Override
    public String toString() {
        return tensor.name() + Arrays.toString(tensor.shape());
    }
}
