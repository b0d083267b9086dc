package dev.downhill.core.objective;

import dev.downhill.core.model.LinearModel;
import dev.downhill.core.model.Model;

/**
 * Feature standardization as a change of variables, never as a change of data or objective. For a
 * {@link LinearModel} with K outputs, scaled parameters u map to the user's parameters theta = A u:
 * <pre>
 *   w_{k,j} = s_j u_{k,j},     b_k = u_{b,k} - sum_j m_j s_j u_{k,j},     s_j = 1 / sigma_j (1 if sigma_j = 0)
 * </pre>
 * so z_k = sum_j u_{k,j} (x_j - m_j) / sigma_j + u_{b,k}: the optimizer sees standardized features while
 * the data and the objective f(theta) stay exactly the user's. The scaled problem g(u) = f(A u) has
 * gradient A^T grad f:
 * <pre>
 *   dg/du_{k,j} = s_j (df/dw_{k,j} - m_j df/db_k),     dg/du_{b,k} = df/db_k
 * </pre>
 * and since A is invertible (u_{k,j} = w_{k,j} / s_j, u_{b,k} = b_k + sum_j m_j w_{k,j}) the minimizer of g
 * maps to the minimizer of f. Every transform is O(K d) on the driver. Centering (m != 0) is optional; it
 * improves conditioning when features have large means. An L1 penalty c |w_{k,j}| becomes c s_j |u_{k,j}|,
 * still separable ({@link #scaledL1}).
 *
 * <p>For a network the same map applies to its first affine layer (K its width, weights [K, d] at the start of
 * the flat vector, then its K biases, as {@link dev.downhill.core.model.Architecture} lays them out); the deeper
 * layers' parameters map to themselves. toUser therefore folds the standardization into the first layer, so a
 * saved network takes the user's raw features.
 */
public final class Standardization implements ChangeOfVariables {
    private final int d;
    private final int k;
    private final double[] scale;
    private final double[] mean;
    private final double[] sigma;

    /** @param mean feature means, or null for scaling only; @param sigma feature standard deviations */
    public Standardization(Model model, double[] mean, double[] sigma) {
        this.d = model.numFeatures();
        this.k = model.architecture().layerSizes()[1];
        if (sigma.length != d || (mean != null && mean.length != d)) {
            throw new IllegalArgumentException("need " + d + " means and standard deviations");
        }
        this.scale = new double[d];
        this.mean = new double[d];
        this.sigma = new double[d];
        for (int j = 0; j < d; j++) {
            this.mean[j] = mean == null || !Double.isFinite(mean[j]) ? 0.0 : mean[j];
            this.sigma[j] = Double.isFinite(sigma[j]) ? sigma[j] : 0.0;
            // A deviation tiny next to the mean is the one-pass formula's rounding, not a scale to trust.
            boolean reliable = this.sigma[j] > 0 && this.sigma[j] * this.sigma[j] > UNRELIABLE * this.mean[j] * this.mean[j];
            scale[j] = reliable && Double.isFinite(1.0 / this.sigma[j]) ? 1.0 / this.sigma[j] : 1.0;
        }
    }

    /** sigma^2 below this times mean^2 is left unscaled: the one-pass variance has no correct digits there. */
    static final double UNRELIABLE = 1e-8;

    /**
     * The trace bound L on the scaled problem's gradient Lipschitz constant (what 1/L steps need there).
     * With weighted moments, the weighted mean over rows of ||x'||^2 + 1 is sum_j s_j^2 sigma_j^2 + 1: 1 for
     * each scaled feature, sigma_j^2 for an unscaled one (bounded by max(sigma_j^2, 1e-8 mean_j^2) where
     * the variance is unreliable). The L2 term (lambda/2) sum s_j^2 u_j^2 adds lambda max_j s_j^2. So
     * L = c (that sum + 1) + lambda max_j s_j^2, with c the loss's curvature bound.
     */
    @Override
    public double lipschitz(double curvatureBound, double lambda) {
        double trace = 1;
        double maxScale2 = 0;
        for (int j = 0; j < d; j++) {
            trace += traceTerm(scale[j], sigma[j], mean[j]);
            maxScale2 = Math.max(maxScale2, scale[j] * scale[j]);
        }
        return curvatureBound * trace + lambda * maxScale2;
    }

    /** Feature j's part of the trace bound: 1 when scaled (s_j^2 sigma_j^2), else max(sigma_j^2, 1e-8 m_j^2). */
    static double traceTerm(double scale, double sigma, double mean) {
        return scale != 1.0 || sigma == 1.0 ? 1 : Math.max(sigma * sigma, UNRELIABLE * mean * mean);
    }

    /** s_j: the scale of feature j (1 / sigma_j, or 1 where sigma_j is zero or unreliable). */
    public double scale(int j) {
        return scale[j];
    }

    /** m_j: the center of feature j (0 without centering). */
    public double mean(int j) {
        return mean[j];
    }

    /** theta = A u. */
    @Override
    public double[] toUser(double[] u) {
        double[] theta = u.clone(); // layers past the first map to themselves
        for (int c = 0; c < k; c++) {
            double shift = 0;
            for (int j = 0; j < d; j++) {
                double w = scale[j] * u[c * d + j];
                theta[c * d + j] = w;
                shift += mean[j] * w;
            }
            theta[k * d + c] = u[k * d + c] - shift;
        }
        return theta;
    }

    /** u = A^{-1} theta. */
    @Override
    public double[] fromUser(double[] theta) {
        double[] u = theta.clone();
        for (int c = 0; c < k; c++) {
            double shift = 0;
            for (int j = 0; j < d; j++) {
                double w = theta[c * d + j];
                u[c * d + j] = w / scale[j];
                shift += mean[j] * w;
            }
            u[k * d + c] = theta[k * d + c] + shift;
        }
        return u;
    }

    /** Overwrites a user-space gradient with A^T of it (the scaled-space gradient). */
    @Override
    public void gradientToScaled(double[] g) {
        for (int c = 0; c < k; c++) {
            double gb = g[k * d + c];
            for (int j = 0; j < d; j++) {
                g[c * d + j] = scale[j] * (g[c * d + j] - mean[j] * gb);
            }
        }
    }

    /** The L1 penalty on user weights, written in scaled coordinates: weights c_j s_j. */
    public L1Penalty scaledL1(L1Penalty user) {
        double[] c = new double[user.dimension()];
        for (int i = (d + 1) * k; i < c.length; i++) {
            c[i] = user.weight(i);
        }
        for (int o = 0; o < k; o++) {
            for (int j = 0; j < d; j++) {
                c[o * d + j] = user.weight(o * d + j) * scale[j];
            }
            c[k * d + o] = user.weight(k * d + o);
        }
        return new L1Penalty(c);
    }
}
