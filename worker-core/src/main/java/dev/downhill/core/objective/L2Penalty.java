package dev.downhill.core.objective;

import dev.downhill.core.model.Model;

/**
 * The L2 penalty (lambda/2) sum_{j penalized} theta_j^2 with gradient lambda theta_j on penalized
 * entries; which entries are penalized is the model's to say (weights yes, intercepts never).
 * It is applied once, on the driver, to the aggregated data term.
 */
public final class L2Penalty implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final double lambda;
    private final Model model;

    public L2Penalty(double lambda, Model model) {
        if (!(lambda >= 0.0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("L2 strength must be finite and >= 0, got " + lambda);
        }
        this.lambda = lambda;
        this.model = model;
    }

    public double lambda() {
        return lambda;
    }

    public double value(double[] params) {
        if (lambda == 0.0) {
            return 0.0;
        }
        double s = 0.0;
        for (int j = 0; j < params.length; j++) {
            if (model.isPenalized(j)) {
                s += params[j] * params[j];
            }
        }
        return 0.5 * lambda * s;
    }

    /** gradient += lambda theta on penalized entries. */
    public void addGradient(double[] params, double[] gradient) {
        if (lambda == 0.0) {
            return;
        }
        for (int j = 0; j < params.length; j++) {
            if (model.isPenalized(j)) {
                gradient[j] += lambda * params[j];
            }
        }
    }

    /** sum of theta_j^2 over the penalized entries of a slice starting at global index {@code offset}. */
    public double sumOfSquares(double[] slice, long offset) {
        double s = 0.0;
        for (int i = 0; i < slice.length; i++) {
            if (model.isPenalized(Math.toIntExact(offset + i))) {
                s += slice[i] * slice[i];
            }
        }
        return s;
    }

    /** The penalty's value from the sum of penalized squares: (lambda/2) q. */
    public double valueOfSumOfSquares(double q) {
        return lambda == 0.0 ? 0.0 : 0.5 * lambda * q;
    }

    /** gradient += lambda theta on the penalized entries of a slice starting at global index {@code offset}. */
    public void addGradient(double[] slice, double[] gradient, long offset) {
        if (lambda == 0.0) {
            return;
        }
        for (int i = 0; i < slice.length; i++) {
            if (model.isPenalized(Math.toIntExact(offset + i))) {
                gradient[i] += lambda * slice[i];
            }
        }
    }
}
