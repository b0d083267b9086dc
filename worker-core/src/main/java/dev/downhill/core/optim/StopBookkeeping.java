package dev.downhill.core.optim;

import java.util.Arrays;
import java.util.Locale;

/**
 * The stopping bookkeeping of a minimization loop, on scalars only, so that {@link Minimizer} (arrays) and
 * {@link VectorFreeMinimizer} (handles) decide alike: the stationarity at the start, the count of rises in a row,
 * the window of objectives, the best iterate's figures and the iterations since it, all kept in an
 * {@link OptimizerState} under names starting with "stop." (so a checkpoint continues with the same decisions),
 * and the test of the {@link StopCriteria} in their documented order. A rise counts only when it exceeds
 * {@link Minimizer#RISE_TOLERANCE} |f|.
 */
final class StopBookkeeping {
    static final String NO_PROGRESS_DETAIL = "the line search found no decrease";

    private StopBookkeeping() {
    }

    /** Whether the loop has not yet recorded its start in this state. */
    static boolean notStarted(OptimizerState state) {
        return Double.isNaN(state.scalar(Minimizer.START, Double.NaN));
    }

    /** Records the start; returns whether the start became the best iterate (the caller keeps its point). */
    static boolean start(OptimizerState state, StopCriteria criteria, double objective, double stationarity,
                         double validation, boolean byValidation) {
        state.putScalar(Minimizer.START, stationarity);
        state.putScalar(Minimizer.RISES, 0);
        state.putScalar(Minimizer.SINCE_BEST, 0);
        pushHistory(state, criteria.objectiveWindow(), objective);
        return recordBest(state, objective, stationarity, validation, byValidation);
    }

    /**
     * Records a completed iteration that moved the objective from {@code previous} to {@code objective}; returns
     * whether it became the best iterate (the caller keeps its point).
     */
    static boolean afterIteration(OptimizerState state, StopCriteria criteria, double previous, double objective,
                                  double stationarity, double validation, boolean byValidation) {
        int rises = (int) state.scalar(Minimizer.RISES, 0);
        boolean rose = objective - previous > Minimizer.RISE_TOLERANCE * Math.abs(previous);
        state.putScalar(Minimizer.RISES, rose ? rises + 1 : 0);
        pushHistory(state, criteria.objectiveWindow(), objective);
        return recordBest(state, objective, stationarity, validation, byValidation);
    }

    /** The first of the criteria that holds before an iteration, or null to take it. */
    static StopCriteria.Verdict verdict(OptimizerState state, StopCriteria criteria, double objective,
                                        double stationarity, double elapsedSeconds) {
        double threshold = Math.max(criteria.gradientTolerance(),
                criteria.relativeGradientTolerance() * state.scalar(Minimizer.START, 0));
        if (!Double.isFinite(objective) || !Double.isFinite(stationarity)) {
            String what = !Double.isFinite(objective) ? "the objective became " + objective
                    : "the gradient became " + (Double.isNaN(stationarity) ? "NaN" : "infinite");
            return new StopCriteria.Verdict(StopReason.DIVERGED, what);
        }
        int rises = (int) state.scalar(Minimizer.RISES, 0);
        if (rises >= criteria.maxRises()) {
            return new StopCriteria.Verdict(StopReason.DIVERGED,
                    "the objective rose " + rises + " iterations in a row");
        }
        if (stationarity <= threshold) {
            return new StopCriteria.Verdict(StopReason.GRADIENT_TOLERANCE, null);
        }
        double change = objectiveChange(state);
        if (change < criteria.objectiveTolerance()) {
            return new StopCriteria.Verdict(StopReason.OBJECTIVE_TOLERANCE, String.format(Locale.ROOT,
                    "relative change %.3e over %d iterations", change, criteria.objectiveWindow()));
        }
        if (state.scalar(Minimizer.SINCE_BEST, 0) >= criteria.patience()) {
            return new StopCriteria.Verdict(StopReason.EARLY_STOPPING, String.format(Locale.ROOT,
                    "no better validation loss for %d iterations; the best was %.12g at iteration %d",
                    criteria.patience(), state.scalar(Minimizer.BEST_VALIDATION, 0),
                    (long) state.scalar(Minimizer.BEST_ITERATION, 0)));
        }
        if (state.iteration() >= criteria.maxIterations()) {
            return new StopCriteria.Verdict(StopReason.MAX_ITERATIONS, null);
        }
        if (elapsedSeconds >= criteria.timeBudgetSeconds()) {
            return new StopCriteria.Verdict(StopReason.TIME_BUDGET, null);
        }
        return null;
    }

    private static void pushHistory(OptimizerState state, int window, double objective) {
        double[] h = state.vector(Minimizer.HISTORY);
        int w = window + 1;
        if (h == null || h.length != w) {
            double[] fresh = new double[w];
            Arrays.fill(fresh, Double.NaN);
            if (h != null) {
                int keep = Math.min(h.length, w);
                System.arraycopy(h, h.length - keep, fresh, w - keep, keep);
            }
            h = fresh;
            state.putVector(Minimizer.HISTORY, h);
        }
        System.arraycopy(h, 1, h, 0, w - 1);
        h[w - 1] = objective;
    }

    /** |f_{k-w} - f_k| / max(|f_k|, 1e-300); infinite until w iterations are recorded. */
    private static double objectiveChange(OptimizerState state) {
        double[] h = state.vector(Minimizer.HISTORY);
        double oldest = h[0];
        double newest = h[h.length - 1];
        if (Double.isNaN(oldest)) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.abs(oldest - newest) / Math.max(Math.abs(newest), 1e-300);
    }

    /** Records the iterate's figures if it is the best so far (a finite first iterate always is). */
    private static boolean recordBest(OptimizerState state, double objective, double stationarity, double validation,
                                      boolean byValidation) {
        if (!Double.isFinite(objective) || !Double.isFinite(stationarity)) {
            return false;
        }
        boolean none = Double.isNaN(state.scalar(Minimizer.BEST_OBJECTIVE, Double.NaN));
        boolean better = none || (byValidation
                ? validation < state.scalar(Minimizer.BEST_VALIDATION, Double.POSITIVE_INFINITY)
                : objective < state.scalar(Minimizer.BEST_OBJECTIVE, Double.POSITIVE_INFINITY));
        if (better) {
            state.putScalar(Minimizer.BEST_OBJECTIVE, objective);
            state.putScalar(Minimizer.BEST_STATIONARITY, stationarity);
            state.putScalar(Minimizer.BEST_ITERATION, state.iteration());
            state.putScalar(Minimizer.BEST_VALIDATION, validation);
            state.putScalar(Minimizer.SINCE_BEST, 0);
        } else {
            state.putScalar(Minimizer.SINCE_BEST, state.scalar(Minimizer.SINCE_BEST, 0) + 1);
        }
        return better;
    }
}
