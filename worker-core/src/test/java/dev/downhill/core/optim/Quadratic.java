package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/** f(x) = (1/2) sum_j a_j x_j^2, minimized at 0, L = max a_j; counts its evaluations. */
final class Quadratic implements DifferentiableFunction {
    final double[] a;
    int evaluations;

    Quadratic(double... a) {
        this.a = a.clone();
    }

    @Override
    public int dimension() {
        return a.length;
    }

    @Override
    public double valueAndGradient(double[] x, double[] gradient) {
        evaluations++;
        double v = 0.0;
        for (int j = 0; j < a.length; j++) {
            gradient[j] = a[j] * x[j];
            v += 0.5 * a[j] * x[j] * x[j];
        }
        return v;
    }
}
