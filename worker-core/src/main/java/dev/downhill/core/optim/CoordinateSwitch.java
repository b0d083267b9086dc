package dev.downhill.core.optim;

import dev.downhill.core.linalg.Vectors;
import dev.downhill.core.objective.Whitening;

/**
 * Moves an {@link LBFGS} state from the coordinates u of one whitening theta = A u to those u' of another,
 * theta = A' u' (re-whitening at an iterate, see {@code CurvatureCovariance}), without a pass over the data:
 * <pre>
 *   u' = A'^{-1} A u,     grad_u' f = A'^T A^{-T} grad_u f,     f unchanged.
 * </pre>
 * The curvature pairs are dropped: L-BFGS restarts with H_0 = I in u', where the new whitening makes the Hessian
 * about the identity (Nocedal &amp; Wright, Numerical Optimization, 2nd ed., section 7.2: the choice of H_0 is the
 * preconditioner). The {@link Minimizer}'s record moves along: the best iterate is mapped like x; the start's
 * stationarity and the best one are scaled by r = ||grad_u' f|| / ||grad_u f|| at the switch, so the relative
 * gradient tolerance keeps the progress already made (the gradient is measured in the new coordinates from here
 * on). The objective history needs nothing: f does not depend on the coordinates.
 *
 * <p>The state records the switch: the user's parameters at it under {@link #ANCHOR} (whatever computed the new
 * whitening there can recompute it on resume, with the same bits) and the iteration under {@link #AT}.
 */
public final class CoordinateSwitch {
    /** The state's vector of the user's parameters theta at which the new whitening was computed. */
    public static final String ANCHOR = "rewhiten.anchor";
    /** The state's scalar: the iteration of the switch (absent before it; -1 when the switch was skipped). */
    public static final String AT = "rewhiten.at";

    private CoordinateSwitch() {}

    /** The user's parameters at the switch, or null when the state has not switched. */
    public static double[] anchor(OptimizerState state) {
        double[] a = state.vector(ANCHOR);
        return a == null ? null : a.clone();
    }

    /** Whether the state has passed the point of switching (switched, or skipped it). */
    public static boolean decided(OptimizerState state) {
        return !Double.isNaN(state.scalar(AT, Double.NaN));
    }

    /** Records that the switch was skipped (no new whitening existed), so a resumed run does not try again. */
    public static void skip(OptimizerState state) {
        state.putScalar(AT, -1);
    }

    /** Moves {@code state} from {@code from}'s coordinates to {@code to}'s, as above. */
    public static void apply(OptimizerState state, Whitening from, Whitening to) {
        double[] x = state.x();
        double[] theta = from.toUser(x);
        double[] g = state.gradient();
        double before = Vectors.norm2(g);
        double[] moved = to.fromUser(theta);
        double[] gUser = g.clone();
        from.gradientToUser(gUser);
        to.gradientToScaled(gUser);
        System.arraycopy(moved, 0, x, 0, x.length);
        System.arraycopy(gUser, 0, g, 0, g.length);
        new LbfgsHistory(LBFGS.PREFIX, 1).clear(state);
        double ratio = before > 0 && Double.isFinite(before) ? Vectors.norm2(g) / before : 1.0;
        state.putScalar(Minimizer.START, state.scalar(Minimizer.START, 0) * ratio);
        double[] best = state.vector(Minimizer.BEST_X);
        if (best != null) {
            System.arraycopy(to.fromUser(from.toUser(best)), 0, best, 0, best.length);
            state.putScalar(Minimizer.BEST_STATIONARITY, state.scalar(Minimizer.BEST_STATIONARITY, 0) * ratio);
        }
        state.putVector(ANCHOR, theta);
        state.putScalar(AT, state.iteration());
    }
}
