package dev.downhill.core.numdiff;

import java.util.function.DoubleUnaryOperator;
import java.util.function.ToDoubleFunction;

/**
 * Numerical derivatives by finite differences.
 * <ul>
 *   <li>forward: f'(x) ~ (f(x + h) - f(x)) / h, error h f''(xi)/2 + O(eps |f| / h): first order in h;</li>
 *   <li>central: f'(x) ~ (f(x + h) - f(x - h)) / (2h), error h^2 f'''(xi)/6 + O(eps |f| / h): second
 *       order, so shrinking h tenfold shrinks the truncation error about a hundredfold.</li>
 * </ul>
 * The rounding term grows as h shrinks; {@link #centralStep} balances the two at h ~ eps^(1/3) max(1, |x|)
 * (about 6e-6 for |x| <= 1), which leaves roughly eps^(2/3) ~ 4e-11 relative error for smooth f.
 * <ul>
 *   <li>five-point central: f'(x) ~ (-f(x+2h) + 8 f(x+h) - 8 f(x-h) + f(x-2h)) / (12h), error
 *       h^4 f^(5)(xi)/30 + O(eps |f| / h): fourth order. At h ~ eps^(1/5) max(1, |x|) (about 7e-4) the
 *       total is about eps^(4/5) ~ 2e-13 relative to |f|, which is what gradient checking uses.</li>
 * </ul>
 */
public final class FiniteDifferences {
    private FiniteDifferences() {}

    private static final double CUBE_ROOT_EPS = Math.cbrt(Math.ulp(1.0));
    private static final double FIFTH_ROOT_EPS = Math.pow(Math.ulp(1.0), 0.2);

    /** The central-difference step for a coordinate at x: eps^(1/3) max(1, |x|). */
    public static double centralStep(double x) {
        return CUBE_ROOT_EPS * Math.max(1.0, Math.abs(x));
    }

    public static double forward(DoubleUnaryOperator f, double x, double h) {
        requireStep(h);
        return (f.applyAsDouble(x + h) - f.applyAsDouble(x)) / h;
    }

    public static double central(DoubleUnaryOperator f, double x, double h) {
        requireStep(h);
        return (f.applyAsDouble(x + h) - f.applyAsDouble(x - h)) / (2.0 * h);
    }

    /**
     * The gradient of f at x by central differences, one coordinate at a time (2n evaluations),
     * each with step {@link #centralStep}(x_j). x is restored before returning.
     */
    public static double[] centralGradient(ToDoubleFunction<double[]> f, double[] x) {
        double[] g = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            double xj = x[j];
            double h = centralStep(xj);
            x[j] = xj + h;
            double up = f.applyAsDouble(x);
            x[j] = xj - h;
            double down = f.applyAsDouble(x);
            x[j] = xj;
            g[j] = (up - down) / (2.0 * h);
        }
        return g;
    }

    /** f'(x) by the five-point central stencil with step h. */
    public static double fivePoint(DoubleUnaryOperator f, double x, double h) {
        requireStep(h);
        return (-f.applyAsDouble(x + 2 * h) + 8 * f.applyAsDouble(x + h) - 8 * f.applyAsDouble(x - h)
                + f.applyAsDouble(x - 2 * h)) / (12.0 * h);
    }

    /**
     * The gradient of f at x by the five-point central stencil (4n evaluations), each coordinate with step
     * eps^(1/5) max(1, |x_j|). x is restored before returning.
     */
    public static double[] fivePointGradient(ToDoubleFunction<double[]> f, double[] x) {
        double[] g = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            final int coordinate = j;
            final double xj = x[j];
            double h = FIFTH_ROOT_EPS * Math.max(1.0, Math.abs(xj));
            g[j] = fivePoint(t -> {
                x[coordinate] = t;
                return f.applyAsDouble(x);
            }, xj, h);
            x[j] = xj;
        }
        return g;
    }

    /**
     * The directional derivative D_u f(x) = lim (f(x + t u) - f(x - t u)) / (2t) by a central difference
     * along the unit vector u = direction / ||direction|| (the direction is normalized here).
     * For differentiable f it equals grad f(x) . u.
     */
    public static double directionalDerivative(ToDoubleFunction<double[]> f, double[] x, double[] direction) {
        double norm = 0.0;
        double xScale = 1.0;
        for (int j = 0; j < x.length; j++) {
            norm += direction[j] * direction[j];
            xScale = Math.max(xScale, Math.abs(x[j]));
        }
        norm = Math.sqrt(norm);
        if (!(norm > 0.0)) {
            throw new IllegalArgumentException("direction must be a non-zero vector");
        }
        double t = CUBE_ROOT_EPS * xScale;
        double[] up = new double[x.length];
        double[] down = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            double u = direction[j] / norm;
            up[j] = x[j] + t * u;
            down[j] = x[j] - t * u;
        }
        return (f.applyAsDouble(up) - f.applyAsDouble(down)) / (2.0 * t);
    }

    private static void requireStep(double h) {
        if (!(h > 0.0) || Double.isInfinite(h)) {
            throw new IllegalArgumentException("step h must be positive and finite, got " + h);
        }
    }
}
