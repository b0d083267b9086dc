package dev.downhill.core.model;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One named tensor inside a model's flat parameter vector: {@code shape} values, row-major, starting at
 * {@code offset}. Names follow PyTorch's {@code nn.Linear} ({@code layers.0.weight} of shape [out, in],
 * {@code layers.0.bias} of shape [out]), so model files, checkpoints and the L2 penalty all read one list.
 */
public record ParameterTensor(String name, int[] shape, int offset, boolean penalized) implements Serializable {
    public ParameterTensor {
        shape = shape.clone();
    }

    /** Number of values: the product of the shape. */
    public int size() {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        return Math.toIntExact(n);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParameterTensor t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && offset == t.offset && penalized == t.penalized;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape) + offset;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + "@" + offset;
    }
}
