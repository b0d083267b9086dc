package dev.downhill.core.objective;

/**
 * The non-smooth penalty h(theta) = sum_j c_j |theta_j| with per-coordinate weights c_j >= 0 (lambda_1 on
 * weights, 0 on intercepts; lambda_1 / sigma_j after standardization rescales coordinate j). It is never
 * differentiated: proximal rules apply its proximal operator, soft-thresholding
 * prox_{t h}(v)_j = sign(v_j) max(|v_j| - t c_j, 0), and optimality is measured by the minimum-norm
 * subgradient of f + h: g_j + c_j sign(theta_j) where theta_j != 0, and sign(g_j) max(|g_j| - c_j, 0)
 * where theta_j = 0.
 *
 * <p>A penalty may hold the weights of coordinates offset .. offset + n - 1 only ({@link #slice}: one slice of a
 * sharded vector); its array arguments then hold those coordinates, and {@link #weight} takes the global index.
 */
public final class L1Penalty implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final double[] weights;
    /** The global index of weights[0]. */
    private final long offset;

    public L1Penalty(double[] weights) {
        this(weights, 0);
    }

    private L1Penalty(double[] weights, long offset) {
        for (double c : weights) {
            if (!(c >= 0) || Double.isInfinite(c)) {
                throw new IllegalArgumentException("L1 weights must be finite and >= 0, got " + c);
            }
        }
        this.weights = weights.clone();
        this.offset = offset;
    }

    /** The penalty of coordinates offset .. offset + weights.length - 1, weights[i] that of coordinate offset + i. */
    public static L1Penalty slice(double[] weights, long offset) {
        return new L1Penalty(weights, offset);
    }

    /** lambda on the entries the model penalizes (weights), 0 on the others (intercepts). */
    public static L1Penalty of(double lambda, dev.downhill.core.model.Model model) {
        double[] c = new double[model.numParameters()];
        for (int j = 0; j < c.length; j++) {
            c[j] = model.isPenalized(j) ? lambda : 0.0;
        }
        return new L1Penalty(c);
    }

    public int dimension() {
        return weights.length;
    }

    /** c_j, j the global index. */
    public double weight(long j) {
        return weights[(int) (j - offset)];
    }

    public boolean isZero() {
        for (double c : weights) {
            if (c != 0) {
                return false;
            }
        }
        return true;
    }

    public double value(double[] theta) {
        double s = 0;
        for (int j = 0; j < theta.length; j++) {
            s += weights[j] * Math.abs(theta[j]);
        }
        return s;
    }

    /** theta := prox_{t h}(theta), soft-thresholding in place. */
    public void prox(double[] theta, double t) {
        for (int j = 0; j < theta.length; j++) {
            double threshold = t * weights[j];
            double v = theta[j];
            theta[j] = v > threshold ? v - threshold : v < -threshold ? v + threshold : 0.0;
        }
    }

    /** Writes the minimum-norm subgradient of f + h at theta (g = grad f) into {@code out}. */
    public void minimumNormSubgradient(double[] theta, double[] g, double[] out) {
        for (int j = 0; j < theta.length; j++) {
            double c = weights[j];
            if (theta[j] > 0) {
                out[j] = g[j] + c;
            } else if (theta[j] < 0) {
                out[j] = g[j] - c;
            } else {
                out[j] = g[j] > c ? g[j] - c : g[j] < -c ? g[j] + c : 0.0;
            }
        }
    }

    /** ||minimum-norm subgradient of f + h|| at theta; 0 exactly at a minimizer of a convex f + h. */
    public double stationarity(double[] theta, double[] g) {
        double s = 0;
        for (int j = 0; j < theta.length; j++) {
            double c = weights[j];
            double r;
            if (theta[j] > 0) {
                r = g[j] + c;
            } else if (theta[j] < 0) {
                r = g[j] - c;
            } else {
                r = g[j] > c ? g[j] - c : g[j] < -c ? g[j] + c : 0.0;
            }
            s += r * r;
        }
        return Math.sqrt(s);
    }

    /**
     * OWL-QN's projection of a search direction onto the signs of -v (v the minimum-norm subgradient), in place:
     * d_j = 0 where c_j > 0 and d_j v_j >= 0. Unpenalized coordinates are left alone.
     */
    public void projectDirection(double[] d, double[] v) {
        for (int j = 0; j < d.length; j++) {
            if (weights[j] > 0 && d[j] * v[j] >= 0) {
                d[j] = 0.0;
            }
        }
    }

    /**
     * OWL-QN's trial point x + t d projected onto the orthant xi_j = sign(x_j), or sign(-v_j) where x_j = 0:
     * out_j = x_j + t d_j, or 0 where c_j > 0 and that leaves the orthant. Returns v . (out - x), the predicted
     * change the sufficient-decrease test uses, summed in index order.
     */
    public double orthantPoint(double[] x, double[] d, double[] v, double t, double[] out) {
        double predicted = 0;
        for (int j = 0; j < x.length; j++) {
            double next = x[j] + t * d[j];
            double orthant = x[j] != 0 ? Math.signum(x[j]) : -Math.signum(v[j]);
            if (weights[j] > 0 && orthant * next <= 0) {
                next = 0.0;
            }
            out[j] = next;
            predicted += v[j] * (next - x[j]);
        }
        return predicted;
    }
}
