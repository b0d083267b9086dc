package dev.downhill.core.objective;

/**
 * The per-slice arithmetic of a parameter vector split into contiguous slices (a sharded run keeps slice s,
 * global indices [offset, offset + length), on one executor). Each function does on a slice exactly what the
 * whole-vector code does on those entries, in the same order, so a sharded objective has the same bits entry
 * by entry: the gradient g_i = (sum_r v_r dl_r/dtheta_i) / N + lambda theta_i (penalized i), and the L2 value
 * (lambda / 2) sum_s q_s with q_s a slice's sum of penalized squares.
 */
public final class ParameterSlice {
    private ParameterSlice() {}

    /** The entries of {@code slice} at {@code offsets} (sorted positions within the slice). */
    public static double[] gather(double[] slice, int[] offsets) {
        double[] out = new double[offsets.length];
        for (int i = 0; i < offsets.length; i++) {
            out[i] = slice[offsets[i]];
        }
        return out;
    }

    /** sum[offsets[i]] += piece[i]: one partition's partial gradient added into a slice's sum. */
    public static void addScattered(double[] sum, int[] offsets, double[] piece) {
        for (int i = 0; i < offsets.length; i++) {
            sum[offsets[i]] += piece[i];
        }
    }

    /**
     * The objective's gradient on a slice: the mean data gradient sum_i / N ({@link GradientAccumulator#meanGradient})
     * plus the L2 term ({@link L2Penalty#addGradient}) on the penalized entries, theta the slice's parameters.
     */
    public static double[] objectiveGradient(double[] gradientSum, double weightSum, L2Penalty penalty,
                                             double[] theta, long offset) {
        double inv = 1.0 / weightSum;
        double[] g = new double[gradientSum.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = gradientSum[i] * inv;
        }
        penalty.addGradient(theta, g, offset);
        return g;
    }

    /** sum_k c_k x_k over the slices x_k of the combined vectors, per entry ((c_0 x_0) + c_1 x_1) + .... */
    public static double[] linearCombination(double[] coefficients, double[][] slices) {
        double[] out = new double[slices[0].length];
        double c0 = coefficients[0];
        double[] x0 = slices[0];
        for (int i = 0; i < out.length; i++) {
            out[i] = c0 * x0[i];
        }
        for (int k = 1; k < slices.length; k++) {
            double c = coefficients[k];
            double[] x = slices[k];
            for (int i = 0; i < out.length; i++) {
                out[i] += c * x[i];
            }
        }
        return out;
    }

    /** sum_i |x_i| over one slice. */
    public static double norm1(double[] x) {
        double s = 0.0;
        for (double v : x) {
            s += Math.abs(v);
        }
        return s;
    }

    /**
     * Whether moving from x + t d by up to {@code width} along d changes no entry of the slice beyond rounding:
     * |width d_j| <= eps |x_j + t d_j|, eps = Math.ulp(1.0) (the line search's give-up test, slice by slice).
     */
    public static boolean changesNothing(double[] x, double[] d, double t, double width) {
        for (int j = 0; j < x.length; j++) {
            if (Math.abs(width * d[j]) > Math.ulp(1.0) * Math.abs(x[j] + t * d[j])) {
                return false;
            }
        }
        return true;
    }

    /** x . y over one slice. */
    public static double dot(double[] x, double[] y) {
        double s = 0.0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    /**
     * The objective's value from the aggregated scalars: sum_i v_i l_i / N ({@link GradientAccumulator#meanLoss})
     * plus the L2 penalty of the slices' sums of penalized squares {@code squares}, added in slice order.
     */
    public static double objectiveValue(double lossSum, double weightSum, L2Penalty penalty, double[] squares) {
        if (!(weightSum > 0.0)) {
            throw new IllegalStateException("no rows with positive weight were accumulated (weight sum "
                    + weightSum + ")");
        }
        double q = 0.0;
        for (double s : squares) {
            q += s;
        }
        return lossSum / weightSum + penalty.valueOfSumOfSquares(q);
    }
}
