package dev.downhill.core.objective;

/**
 * {@link Standardization}'s change of variables theta = A u on one slice of a linear model's parameters (global
 * indices [offset, offset + n), K outputs of d features: weight (c, j) at c d + j, intercept c at K d + c), for a
 * run whose parameters are split into slices. {@code scale} and {@code mean} are aligned with the slice: s_j and
 * m_j of the feature of each weight entry (ignored on intercept entries). The arithmetic is Standardization's,
 * entry by entry:
 * <pre>
 *   w_{c,j} = s_j u_{c,j},   b_c = u_{b,c} - sum_j m_j w_{c,j},   dg/du_{c,j} = s_j (df/dw_{c,j} - m_j df/db_c)
 * </pre>
 * with the shift sum_j m_j w_{c,j} added slice by slice ({@link #shiftPartials}, then the slices in order).
 */
public final class StandardizationSlice {
    private StandardizationSlice() {}

    /** This slice's part of sum_j m_j s_j u_{c,j} for each output c (K values). */
    public static double[] shiftPartials(double[] u, double[] scale, double[] mean, long offset, int d, int k) {
        double[] shift = new double[k];
        long weights = (long) k * d;
        for (int i = 0; i < u.length; i++) {
            long g = offset + i;
            if (g < weights) {
                double w = scale[i] * u[i];
                shift[(int) (g / d)] += mean[i] * w;
            }
        }
        return shift;
    }

    /** theta = A u on the slice, given the K shifts sum_j m_j w_{c,j}. */
    public static double[] toUser(double[] u, double[] scale, long offset, int d, int k, double[] shift) {
        double[] theta = new double[u.length];
        long weights = (long) k * d;
        for (int i = 0; i < u.length; i++) {
            long g = offset + i;
            theta[i] = g < weights ? scale[i] * u[i] : u[i] - shift[(int) (g - weights)];
        }
        return theta;
    }

    /**
     * This slice's part of sum_j m_j w_{c,j} for each output c (K values), from the user's weights theta: the
     * shifts {@link #fromUser} adds back to the intercepts.
     */
    public static double[] userShiftPartials(double[] theta, double[] mean, long offset, int d, int k) {
        double[] shift = new double[k];
        long weights = (long) k * d;
        for (int i = 0; i < theta.length; i++) {
            long g = offset + i;
            if (g < weights) {
                shift[(int) (g / d)] += mean[i] * theta[i];
            }
        }
        return shift;
    }

    /**
     * u = A^{-1} theta on the slice, given the K shifts sum_j m_j w_{c,j} ({@link #userShiftPartials} added over
     * the slices in order): u_{c,j} = w_{c,j} / s_j, u_{b,c} = b_c + sum_j m_j w_{c,j} (Standardization.fromUser).
     */
    public static double[] fromUser(double[] theta, double[] scale, long offset, int d, int k, double[] shift) {
        double[] u = new double[theta.length];
        long weights = (long) k * d;
        for (int i = 0; i < theta.length; i++) {
            long g = offset + i;
            u[i] = g < weights ? theta[i] / scale[i] : theta[i] + shift[(int) (g - weights)];
        }
        return u;
    }

    /** A^T g on the slice (the scaled-space gradient), given the K intercept derivatives df/db_c. */
    public static double[] gradientToScaled(double[] g, double[] scale, double[] mean, long offset, int d, int k,
                                            double[] interceptGradient) {
        double[] out = new double[g.length];
        long weights = (long) k * d;
        for (int i = 0; i < g.length; i++) {
            long gi = offset + i;
            out[i] = gi < weights ? scale[i] * (g[i] - mean[i] * interceptGradient[(int) (gi / d)]) : g[i];
        }
        return out;
    }

    /**
     * The scale s_j and center m_j of each weight entry of a slice from its features' sums S_j and Q_j over rows
     * of total weight V ({@link dev.downhill.core.data.FeatureMoments}: m_j = S_j / V, sigma_j = sqrt(max(Q_j / V -
     * m_j^2, 0))), with {@link Standardization}'s rules (s_j = 1 where sigma_j is zero or unreliable); intercept
     * entries get 0. Returns {scale, mean, {the slice's part of the trace bound, its largest s_j^2}}, the last
     * over the entries of the first output's row (each feature once), for {@link #lipschitz}.
     */
    public static double[][] scaleAndMean(double[] sum, double[] sumSquares, double weightSum, long offset, int d,
                                          int k) {
        double[] scale = new double[sum.length];
        double[] mean = new double[sum.length];
        long weights = (long) k * d;
        double trace = 0;
        double maxScale2 = 0;
        for (int i = 0; i < sum.length; i++) {
            if (offset + i >= weights) {
                continue;
            }
            double m = weightSum > 0 ? sum[i] / weightSum : 0;
            double sigma = weightSum > 0 ? Math.sqrt(Math.max(sumSquares[i] / weightSum - m * m, 0.0)) : 0;
            m = Double.isFinite(m) ? m : 0.0;
            sigma = Double.isFinite(sigma) ? sigma : 0.0;
            boolean reliable = sigma > 0 && sigma * sigma > Standardization.UNRELIABLE * m * m;
            scale[i] = reliable && Double.isFinite(1.0 / sigma) ? 1.0 / sigma : 1.0;
            mean[i] = m;
            if (offset + i < d) {
                trace += Standardization.traceTerm(scale[i], sigma, m);
                maxScale2 = Math.max(maxScale2, scale[i] * scale[i]);
            }
        }
        return new double[][] {scale, mean, {trace, maxScale2}};
    }

    /**
     * {@link Standardization#lipschitz}'s bound L = c (sum_j t_j + 1) + lambda max_j s_j^2 from the slices' parts
     * of {@link #scaleAndMean} (in slice order, the trace's parts added in that order): the same figure, up to the
     * rounding of a sum of the features' terms in another grouping (none when every term is 1, a scaled feature).
     */
    public static double lipschitz(java.util.List<double[]> parts, double curvatureBound, double lambda) {
        double trace = 1;
        double maxScale2 = 0;
        for (double[] p : parts) {
            trace += p[0];
            maxScale2 = Math.max(maxScale2, p[1]);
        }
        return curvatureBound * trace + lambda * maxScale2;
    }
}
