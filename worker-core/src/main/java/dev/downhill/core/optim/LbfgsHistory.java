package dev.downhill.core.optim;

/**
 * The last m curvature pairs s_i = x_{i+1} - x_i, y_i = grad f(x_{i+1}) - grad f(x_i) of limited-memory
 * BFGS, kept in an {@link OptimizerState} as a ring buffer, and the two-loop recursion that multiplies a
 * vector by the inverse-Hessian approximation H they define (Nocedal &amp; Wright, Algorithm 7.4):
 *
 * <pre>
 *   q = v
 *   for i = newest .. oldest:  rho_i = 1 / (y_i . s_i),  alpha_i = rho_i s_i . q,  q = q - alpha_i y_i
 *   r = gamma q,  gamma = s_newest . y_newest / y_newest . y_newest      (H_0 = gamma I)
 *   for i = oldest .. newest:  beta = rho_i y_i . r,  r = r + (alpha_i - beta) s_i
 *   H v = r
 * </pre>
 *
 * which equals applying the BFGS inverse update H_{i+1} = (I - rho_i s_i y_i^T) H_i (I - rho_i y_i s_i^T)
 * + rho_i s_i s_i^T once per stored pair, oldest first, to H_0. H stays positive definite as long as every
 * pair has s . y > 0; a pair with s . y <= 1e-10 ||s|| ||y|| (curvature too small to trust after rounding,
 * or negative on a non-convex f) is not stored.
 *
 * <p>State names, with the rule's prefix p ("lbfgs." or "owlqn."): vectors p + "s0" .. p + "s{m-1}" and
 * p + "y0" .., scalars p + "pairs" (how many are stored) and p + "newest" (slot of the newest pair). A state
 * whose layout does not fit this history size (written with a larger m) is treated as empty: the history
 * starts over, which is always a valid L-BFGS restart.
 */
final class LbfgsHistory {
    /** A pair is stored only if s . y > CURVATURE_EPSILON ||s|| ||y||. */
    static final double CURVATURE_EPSILON = 1e-10;

    private final String prefix;
    private final int capacity;

    LbfgsHistory(String prefix, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("L-BFGS history must hold at least 1 pair, got " + capacity);
        }
        this.prefix = prefix;
        this.capacity = capacity;
    }

    int capacity() {
        return capacity;
    }

    private String sName(int slot) {
        return prefix + "s" + slot;
    }

    private String yName(int slot) {
        return prefix + "y" + slot;
    }

    /** Stored pairs, 0 .. m; 0 (after clearing it) when the state's layout does not fit. */
    int size(OptimizerState state) {
        int pairs = (int) state.scalar(prefix + "pairs", 0);
        int newest = (int) state.scalar(prefix + "newest", 0);
        if (pairs == 0) {
            return 0;
        }
        boolean fits = pairs <= capacity && newest >= 0 && newest < capacity;
        for (int k = 0; fits && k < pairs; k++) {
            int slot = slot(newest, k);
            double[] s = state.vector(sName(slot));
            double[] y = state.vector(yName(slot));
            fits = s != null && y != null && s.length == state.x().length && y.length == s.length;
        }
        if (!fits) {
            clear(state);
            return 0;
        }
        return pairs;
    }

    /** The slot of the k-th newest pair (k = 0: newest). */
    private int slot(int newest, int k) {
        return Math.floorMod(newest - k, capacity);
    }

    /** Forgets every pair (the vectors are removed, so the state shrinks back). */
    void clear(OptimizerState state) {
        state.vectors().keySet().removeIf(name -> name.startsWith(prefix + "s") || name.startsWith(prefix + "y"));
        state.putScalar(prefix + "pairs", 0);
        state.putScalar(prefix + "newest", 0);
    }

    /**
     * Stores s = xNew - x, y = gNew - g as the newest pair, dropping the oldest when full, unless the
     * curvature test fails. Returns whether it was stored.
     */
    boolean add(OptimizerState state, double[] x, double[] xNew, double[] g, double[] gNew) {
        double sy = 0;
        double ss = 0;
        double yy = 0;
        for (int j = 0; j < x.length; j++) {
            double s = xNew[j] - x[j];
            double y = gNew[j] - g[j];
            sy += s * y;
            ss += s * s;
            yy += y * y;
        }
        if (!storesPair(sy, ss, yy)) {
            return false;
        }
        int pairs = size(state);
        int slot = pairs == 0 ? 0 : slot((int) state.scalar(prefix + "newest", 0), -1);
        double[] s = vectorFor(state, sName(slot), x.length);
        double[] y = vectorFor(state, yName(slot), x.length);
        for (int j = 0; j < x.length; j++) {
            s[j] = xNew[j] - x[j];
            y[j] = gNew[j] - g[j];
        }
        state.putScalar(prefix + "pairs", Math.min(pairs + 1, capacity));
        state.putScalar(prefix + "newest", slot);
        return true;
    }

    /** The curvature test on s . y, s . s, y . y: whether the pair is stored. */
    static boolean storesPair(double sy, double ss, double yy) {
        return sy > CURVATURE_EPSILON * Math.sqrt(ss) * Math.sqrt(yy) && Double.isFinite(sy)
                && Double.isFinite(ss * yy);
    }

    /**
     * Moves the state to a point the line search accepted: stores the pair from the state's x, grad f to
     * xNew, gNew (see {@link #add}), then x = xNew, grad f = gNew, f = {@code value} (the smooth part),
     * last step size = {@code step}, iteration + 1.
     */
    void moveTo(OptimizerState state, double[] xNew, double[] gNew, double value, double step) {
        double[] x = state.x();
        double[] g = state.gradient();
        add(state, x, xNew, g, gNew);
        System.arraycopy(xNew, 0, x, 0, x.length);
        System.arraycopy(gNew, 0, g, 0, g.length);
        state.setValue(value);
        state.setLastStepSize(step);
        state.setIteration(state.iteration() + 1);
    }

    private static double[] vectorFor(OptimizerState state, String name, int length) {
        double[] v = state.vector(name);
        if (v == null || v.length != length) {
            v = new double[length];
            state.putVector(name, v);
        }
        return v;
    }

    /** out = H v by the two-loop recursion; out = v (H = I) when no pair is stored. out may be v. */
    void multiplyInverseHessian(OptimizerState state, double[] v, double[] out) {
        if (out != v) {
            System.arraycopy(v, 0, out, 0, v.length);
        }
        int pairs = size(state);
        if (pairs == 0) {
            return;
        }
        int newest = (int) state.scalar(prefix + "newest", 0);
        double[] alpha = new double[pairs];
        double[] rho = new double[pairs];
        for (int k = 0; k < pairs; k++) {
            double[] s = state.vector(sName(slot(newest, k)));
            double[] y = state.vector(yName(slot(newest, k)));
            rho[k] = 1.0 / dot(y, s);
            alpha[k] = rho[k] * dot(s, out);
            axpy(-alpha[k], y, out);
        }
        double[] sNewest = state.vector(sName(newest));
        double[] yNewest = state.vector(yName(newest));
        double gamma = dot(sNewest, yNewest) / dot(yNewest, yNewest);
        for (int j = 0; j < out.length; j++) {
            out[j] *= gamma;
        }
        for (int k = pairs - 1; k >= 0; k--) {
            double[] s = state.vector(sName(slot(newest, k)));
            double[] y = state.vector(yName(slot(newest, k)));
            double beta = rho[k] * dot(y, out);
            axpy(alpha[k] - beta, s, out);
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0.0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    /** out += a v. */
    private static void axpy(double a, double[] v, double[] out) {
        for (int j = 0; j < out.length; j++) {
            out[j] += a * v[j];
        }
    }
}
