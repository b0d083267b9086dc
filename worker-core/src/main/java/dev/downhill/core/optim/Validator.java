package dev.downhill.core.optim;

/** Loss on held-out rows, for early stopping: lower is better. */
@FunctionalInterface
public interface Validator {
    double loss(double[] x);
}
