package dev.downhill.core.objective;

import dev.downhill.core.linalg.Gemm;
import dev.downhill.core.model.LinearModel;

/**
 * A full-matrix change of variables theta = A u that makes the objective's Hessian at theta = 0 about the
 * identity: preconditioning by the features' covariance ("whitening"), where {@link Standardization} uses its
 * diagonal only. For each output k, with the intercept moved to the centered features,
 * <pre>
 *   z = w_k . x + b_k = w_k . (x - m) + b'_k,     b'_k = b_k + w_k . m,
 * </pre>
 * the Hessian at theta = 0 in (w_k, b'_k) is block diagonal, diag(c0 C + lambda I, c0), with m and C the
 * features' weighted mean and covariance ({@code FeatureCovariance}), c0 = l''(0) the loss's curvature at the
 * start (1 for least squares, 1/4 logistic, (1/K)(1 - 1/K) for softmax's diagonal class blocks) and lambda
 * the L2 strength (on weights, never intercepts). The map is
 * <pre>
 *   w_k = D^{-1/2} L^{-T} u_k,     b'_k = u_{b,k} / sqrt(c0),     b_k = b'_k - w_k . m,
 * </pre>
 * with D = diag(M), M = c0 C + lambda I, and L L^T = D^{-1/2} M D^{-1/2} + delta I, so A^T H(0) A = I up to
 * the ridge delta: in u the first quasi-Newton step with t = 1 is a Newton step, which lands on the
 * least-squares optimum. Nearly collinear features, which no diagonal scaling helps, are no harder than any.
 *
 * <p>Numerics: the covariance is taken about the mean (never E[x x^T] - m m^T, which cancels when |mean| >>
 * deviation); M is scaled to unit diagonal before the factorization (a feature with M_jj = 0, always constant and
 * unpenalized, keeps its own coordinate); the ridge starts at delta = 1e-13 (some 500 ulps of the unit diagonal) and
 * grows a hundredfold until the factor exists, at most 1e-2. The ridge only turns A^T M A = I into A^T M A <= I: it
 * changes the preconditioner, never the objective. Since l'' <= c (the loss's curvature bound) the Hessian is at most
 * (c / c0) times that of the start, so the problem in u has gradient Lipschitz bound c / c0.
 *
 * <p>{@link #ofOutputs} gives each output its own m, C and c0 (softmax re-whitened per class, where class c's
 * block of the Hessian weighs row i by p_ic (1 - p_ic), see {@code CurvatureCovariance}): the map is block diagonal
 * over the outputs either way, and the formulas above hold per output.
 *
 * <p>Cost: O(d^2) per output for each transform on the driver, and O(d^3) once per distinct factor.
 */
public final class Whitening implements ChangeOfVariables {
    static final double FIRST_RIDGE = 1e-13;
    static final double LAST_RIDGE = 1e-2;

    private final int d;
    private final int k;
    /** The smallest c0 of the outputs' blocks. */
    private final double curvature;
    /** Per output c (shared by all when one matrix whitens every output): m, D^{-1/2}, L (row-major, lower). */
    private final double[][] means;
    private final double[][] invSqrtDs;
    private final double[][] chols;
    private final double[] interceptScales;
    private final double ridge;

    private Whitening(int d, int k, double[] curvatures, double[][] means, Factor[] factors) {
        this.d = d;
        this.k = k;
        this.means = means;
        this.invSqrtDs = new double[k][];
        this.chols = new double[k][];
        this.interceptScales = new double[k];
        double smallest = Double.POSITIVE_INFINITY;
        double largestRidge = 0;
        for (int c = 0; c < k; c++) {
            invSqrtDs[c] = factors[c].invSqrtD;
            chols[c] = factors[c].chol;
            interceptScales[c] = 1.0 / Math.sqrt(curvatures[c]);
            smallest = Math.min(smallest, curvatures[c]);
            largestRidge = Math.max(largestRidge, factors[c].ridge);
        }
        this.curvature = smallest;
        this.ridge = largestRidge;
    }

    private record Factor(double[] invSqrtD, double[] chol, double ridge) {}

    /**
     * The whitening of {@code model}'s parameters for the features' weighted mean and covariance (full
     * symmetric row-major d x d), the loss's curvature c0 at the start and the L2 strength lambda; null when
     * they hold a non-finite value or no factor exists up to the largest ridge (the caller falls back to the
     * diagonal).
     */
    public static Whitening of(LinearModel model, double[] mean, double[] covariance, double curvature,
                               double lambda) {
        int d = model.numFeatures();
        if (mean.length != d || covariance.length != d * d) {
            throw new IllegalArgumentException("need " + d + " means and a " + d + " x " + d + " covariance");
        }
        if (!(curvature > 0) || !(lambda >= 0) || Double.isInfinite(curvature) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("curvature " + curvature + " and L2 strength " + lambda);
        }
        Factor f = factor(d, mean, covariance, curvature, lambda);
        if (f == null) {
            return null;
        }
        int k = model.numOutputs();
        double[][] means = new double[k][];
        Factor[] factors = new Factor[k];
        double[] curvatures = new double[k];
        double[] m = mean.clone();
        for (int c = 0; c < k; c++) {
            means[c] = m;
            factors[c] = f;
            curvatures[c] = curvature;
        }
        return new Whitening(d, k, curvatures, means, factors);
    }

    /**
     * The whitening with one matrix per output (a block-diagonal preconditioner over the outputs): output c's weights
     * by c_c C_c + lambda I about m_c, its intercept by c_c; null when any block has no factor or a curvature that
     * is not positive and finite. With every block equal it is {@link #of}.
     */
    public static Whitening ofOutputs(LinearModel model, double[][] means, double[][] covariances,
                                      double[] curvatures, double lambda) {
        int d = model.numFeatures();
        int k = model.numOutputs();
        if (means.length != k || covariances.length != k || curvatures.length != k) {
            throw new IllegalArgumentException("need one mean, covariance and curvature per output (" + k + ")");
        }
        Factor[] factors = new Factor[k];
        double[][] m = new double[k][];
        for (int c = 0; c < k; c++) {
            if (means[c].length != d || covariances[c].length != d * d) {
                throw new IllegalArgumentException("need " + d + " means and a " + d + " x " + d + " covariance");
            }
            if (!(curvatures[c] > 0) || Double.isInfinite(curvatures[c])) {
                return null;
            }
            factors[c] = factor(d, means[c], covariances[c], curvatures[c], lambda);
            if (factors[c] == null) {
                return null;
            }
            m[c] = means[c].clone();
        }
        return new Whitening(d, k, curvatures, m, factors);
    }

    /** D^{-1/2} and L of c0 C + lambda I, or null (see {@link #of}). */
    private static Factor factor(int d, double[] mean, double[] covariance, double curvature, double lambda) {
        for (double m : mean) {
            if (!Double.isFinite(m)) {
                return null;
            }
        }
        double[] invSqrtD = new double[d];
        for (int j = 0; j < d; j++) {
            double djj = curvature * covariance[j * d + j] + lambda;
            invSqrtD[j] = djj > 0 ? 1.0 / Math.sqrt(djj) : 1.0;
            if (!Double.isFinite(djj) || !Double.isFinite(invSqrtD[j]) || invSqrtD[j] == 0) {
                return null;
            }
        }
        double[] unit = new double[d * d];
        for (int j = 0; j < d; j++) {
            for (int l = 0; l < d; l++) {
                double mjl = curvature * covariance[j * d + l] * invSqrtD[j] * invSqrtD[l];
                if (!Double.isFinite(mjl)) {
                    return null;
                }
                unit[j * d + l] = j == l ? 1.0 : mjl;
            }
        }
        for (double ridge = FIRST_RIDGE; ridge <= LAST_RIDGE * 1.0000001; ridge *= 100) {
            double[] chol = cholesky(unit, d, ridge);
            if (chol != null) {
                return new Factor(invSqrtD, chol, ridge);
            }
        }
        return null;
    }

    /** Columns per block of {@link #cholesky}: Gemm's row block, so each trailing update is a few Gemm calls. */
    private static final int CHOLESKY_BLOCK = 96;

    /**
     * L with L L^T = a + ridge I (a with unit diagonal), or null when a pivot is not safely positive. Blocked,
     * right-looking (Golub &amp; Van Loan, Matrix Computations, 4th ed., algorithm 4.2.4): for each block of
     * {@link #CHOLESKY_BLOCK} columns, the diagonal block is factored column by column, the rows below it are
     * solved against it, and the trailing lower triangle is updated by A22 -= L21 L21^T through {@link Gemm}
     * (p^3 / 6 of the p^3 / 6 + O(p^2 b) multiply-adds). The order of operations depends on p only, so the bits
     * are the same on every run.
     */
    static double[] cholesky(double[] a, int p, double ridge) {
        double[] l = new double[p * p];
        for (int i = 0; i < p; i++) {
            System.arraycopy(a, i * p, l, i * p, i + 1);
            l[i * p + i] += ridge;
        }
        double[] panel = new double[Math.min(CHOLESKY_BLOCK, p) * p];
        double[] negated = new double[panel.length];
        for (int jb = 0; jb < p; jb += CHOLESKY_BLOCK) {
            int nb = Math.min(CHOLESKY_BLOCK, p - jb);
            // The diagonal block and the rows below it, column by column, from the updated entries of l.
            for (int j = jb; j < jb + nb; j++) {
                double pivot = l[j * p + j];
                for (int q = jb; q < j; q++) {
                    pivot -= l[j * p + q] * l[j * p + q];
                }
                // Below the ridge the pivot is rounding, not curvature: the factor would not be positive definite.
                if (!(pivot > ridge / 2) || !Double.isFinite(pivot)) {
                    return null;
                }
                double ljj = Math.sqrt(pivot);
                l[j * p + j] = ljj;
                for (int i = j + 1; i < p; i++) {
                    double s = l[i * p + j];
                    for (int q = jb; q < j; q++) {
                        s -= l[i * p + q] * l[j * p + q];
                    }
                    l[i * p + j] = s / ljj;
                }
            }
            int below = p - jb - nb;
            if (below == 0) {
                break;
            }
            // L21 (below x nb) contiguous, and its negation, for A22 += (-L21) L21^T on the lower triangle.
            for (int i = 0; i < below; i++) {
                for (int q = 0; q < nb; q++) {
                    double v = l[(jb + nb + i) * p + jb + q];
                    panel[i * nb + q] = v;
                    negated[i * nb + q] = -v;
                }
            }
            for (int r0 = 0; r0 < below; r0 += CHOLESKY_BLOCK) {
                int rows = Math.min(CHOLESKY_BLOCK, below - r0);
                int start = jb + nb;
                Gemm.multiplyTransposed(rows, r0 + rows, nb, negated, r0 * nb, nb, panel, 0, nb, l,
                        (start + r0) * p + start, p, true);
            }
        }
        for (int i = 0; i < p; i++) {
            java.util.Arrays.fill(l, i * p + i + 1, (i + 1) * p, 0.0);
        }
        return l;
    }

    /** The ridge delta that made the factor exist (1e-13 unless M is singular to rounding). */
    public double ridge() {
        return ridge;
    }

    /** c / c0: the problem in u has Hessian at most this times I. */
    @Override
    public double lipschitz(double curvatureBound, double lambda) {
        return Math.max(1.0, curvatureBound / curvature);
    }

    @Override
    public double[] toUser(double[] u) {
        double[] theta = new double[u.length];
        for (int c = 0; c < k; c++) {
            int o = c * d;
            double[] mean = means[c];
            double[] invSqrtD = invSqrtDs[c];
            double[] chol = chols[c];
            double interceptScale = interceptScales[c];
            // Solve L^T z = u_c by back substitution, then w = D^{-1/2} z.
            for (int j = d - 1; j >= 0; j--) {
                double s = u[o + j];
                for (int l = j + 1; l < d; l++) {
                    s -= chol[l * d + j] * theta[o + l];
                }
                theta[o + j] = s / chol[j * d + j];
            }
            double shift = 0;
            for (int j = 0; j < d; j++) {
                theta[o + j] *= invSqrtD[j];
                shift += mean[j] * theta[o + j];
            }
            theta[k * d + c] = u[k * d + c] * interceptScale - shift;
        }
        return theta;
    }

    @Override
    public double[] fromUser(double[] theta) {
        double[] u = new double[theta.length];
        for (int c = 0; c < k; c++) {
            int o = c * d;
            double[] mean = means[c];
            double[] invSqrtD = invSqrtDs[c];
            double[] chol = chols[c];
            double interceptScale = interceptScales[c];
            double shift = 0;
            for (int j = 0; j < d; j++) {
                shift += mean[j] * theta[o + j];
            }
            // u_c = L^T D^{1/2} w.
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int l = j; l < d; l++) {
                    s += chol[l * d + j] * (theta[o + l] / invSqrtD[l]);
                }
                u[o + j] = s;
            }
            u[k * d + c] = (theta[k * d + c] + shift) / interceptScale;
        }
        return u;
    }

    /**
     * The inverse of {@link #gradientToScaled}: overwrites a gradient in u with A^{-T} of it, the gradient in the
     * user's coordinates: g_b = sqrt(c0) g'_b, g_w = D^{1/2} L g'_w + g_b m. Moving a state to another whitening
     * takes no pass over the data this way (see {@code CoordinateSwitch}).
     */
    public void gradientToUser(double[] g) {
        for (int c = 0; c < k; c++) {
            int o = c * d;
            double[] mean = means[c];
            double[] invSqrtD = invSqrtDs[c];
            double[] chol = chols[c];
            double interceptScale = interceptScales[c];
            double gb = g[k * d + c] / interceptScale;
            // Multiply by L from the bottom row up, so every g'_l read is still the input.
            for (int j = d - 1; j >= 0; j--) {
                double s = 0;
                for (int l = 0; l <= j; l++) {
                    s += chol[j * d + l] * g[o + l];
                }
                g[o + j] = s / invSqrtD[j] + gb * mean[j];
            }
            g[k * d + c] = gb;
        }
    }

    @Override
    public void gradientToScaled(double[] g) {
        for (int c = 0; c < k; c++) {
            int o = c * d;
            double[] mean = means[c];
            double[] invSqrtD = invSqrtDs[c];
            double[] chol = chols[c];
            double interceptScale = interceptScales[c];
            double gb = g[k * d + c];
            // d/dw at fixed b' is g_w - g_b m; then A^T = L^{-1} D^{-1/2} by forward substitution.
            for (int j = 0; j < d; j++) {
                double s = (g[o + j] - gb * mean[j]) * invSqrtD[j];
                for (int l = 0; l < j; l++) {
                    s -= chol[j * d + l] * g[o + l];
                }
                g[o + j] = s / chol[j * d + j];
            }
            g[k * d + c] = gb * interceptScale;
        }
    }
}
