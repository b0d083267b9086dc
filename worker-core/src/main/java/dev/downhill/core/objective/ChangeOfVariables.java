package dev.downhill.core.objective;

/**
 * A linear change of variables theta = A u with A invertible: the optimizer works on u while the data and the
 * objective f(theta) stay the user's. The problem it sees is g(u) = f(A u), with gradient A^T grad f(A u), and
 * the minimizer of g maps to the minimizer of f. Only the conditioning changes, never the optimum.
 */
public interface ChangeOfVariables {
    /** theta = A u. */
    double[] toUser(double[] u);

    /** u = A^{-1} theta. */
    double[] fromUser(double[] theta);

    /** Overwrites a user-space gradient with A^T of it (the gradient in u). */
    void gradientToScaled(double[] g);

    /**
     * An upper bound on the gradient's Lipschitz constant of g(u) = f(A u) (what 1/L steps need in u), for a
     * loss with l'' <= {@code curvatureBound} and L2 strength {@code lambda}.
     */
    double lipschitz(double curvatureBound, double lambda);

    /** g(u) = f(A u) with gradient A^T grad f(A u). */
    default DifferentiableFunction scaled(DifferentiableFunction f) {
        return new DifferentiableFunction() {
            @Override
            public int dimension() {
                return f.dimension();
            }

            @Override
            public double valueAndGradient(double[] u, double[] gradient) {
                double value = f.valueAndGradient(toUser(u), gradient);
                gradientToScaled(gradient);
                return value;
            }

            @Override
            public double value(double[] u) {
                return f.value(toUser(u));
            }
        };
    }
}
