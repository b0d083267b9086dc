package dev.downhill.core.optim;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything an optimizer needs to continue: the current point x, f(x), grad f(x), the iteration count,
 * the last step size, the number of function evaluations, and any rule-specific vectors (moments,
 * history) under names the rule chooses. It is a plain value: copying it, writing it out and reading it
 * back gives an optimizer that continues with identical steps. Nothing is hidden in the optimizer object.
 */
public final class OptimizerState implements Serializable {
    private static final long serialVersionUID = 1L;

    private final double[] x;
    private final double[] gradient;
    private double value;
    private long iteration;
    private long evaluations;
    private double lastStepSize;
    private final SortedMap<String, double[]> vectors = new TreeMap<>();

    public OptimizerState(double[] x, double value, double[] gradient) {
        if (x.length != gradient.length) {
            throw new IllegalArgumentException("x and gradient lengths differ");
        }
        this.x = x;
        this.value = value;
        this.gradient = gradient;
        this.evaluations = 1;
    }

    /** The current point; optimizers update it in place. */
    public double[] x() {
        return x;
    }

    /** grad f at {@link #x()}; optimizers update it in place. */
    public double[] gradient() {
        return gradient;
    }

    /** f at {@link #x()}. */
    public double value() {
        return value;
    }

    public void setValue(double value) {
        this.value = value;
    }

    /** Completed iterations. */
    public long iteration() {
        return iteration;
    }

    public void setIteration(long iteration) {
        this.iteration = iteration;
    }

    /** Evaluations of f (each one distributed pass over the data in the driver). */
    public long evaluations() {
        return evaluations;
    }

    public void addEvaluations(long n) {
        evaluations += n;
    }

    public double lastStepSize() {
        return lastStepSize;
    }

    public void setLastStepSize(double lastStepSize) {
        this.lastStepSize = lastStepSize;
    }

    /** A named rule-specific vector, or null. */
    public double[] vector(String name) {
        return vectors.get(name);
    }

    public void putVector(String name, double[] v) {
        vectors.put(name, v);
    }

    public SortedMap<String, double[]> vectors() {
        return vectors;
    }

    /** A deep copy. */
    public OptimizerState copy() {
        OptimizerState c = new OptimizerState(x.clone(), value, gradient.clone());
        c.iteration = iteration;
        c.evaluations = evaluations;
        c.lastStepSize = lastStepSize;
        vectors.forEach((k, v) -> c.vectors.put(k, v.clone()));
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OptimizerState)) {
            return false;
        }
        OptimizerState s = (OptimizerState) o;
        if (!Arrays.equals(x, s.x) || !Arrays.equals(gradient, s.gradient)
                || Double.doubleToLongBits(value) != Double.doubleToLongBits(s.value)
                || iteration != s.iteration || evaluations != s.evaluations
                || Double.doubleToLongBits(lastStepSize) != Double.doubleToLongBits(s.lastStepSize)
                || !vectors.keySet().equals(s.vectors.keySet())) {
            return false;
        }
        for (String k : vectors.keySet()) {
            if (!Arrays.equals(vectors.get(k), s.vectors.get(k))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(x) * 31 + Long.hashCode(iteration);
    }
}
