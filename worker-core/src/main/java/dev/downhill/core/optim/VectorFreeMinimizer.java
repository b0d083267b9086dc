package dev.downhill.core.optim;

import java.util.List;

/**
 * {@link Minimizer}'s loop for {@link VectorFreeLBFGS}: the same {@link StopCriteria}, tested in the same order by
 * the same code ({@link StopBookkeeping}), the same rise tolerance and best-iterate rule, the bookkeeping in the
 * state's small part under "stop." (so a checkpoint continues with the same decisions). Stationarity is ||grad f||
 * (with L1, the minimum-norm subgradient's norm) from Gram entries, so checking it costs no pass; the objective is
 * f, or f + h with L1.
 *
 * <p>The best iterate (lowest validation loss with a validator, else lowest objective) is kept as a handle, a copy
 * of x (one combine) each time it improves; {@link Result#best} gives it and {@link Result#releaseBest} frees it.
 *
 * @param <V> the handle type
 */
public final class VectorFreeMinimizer<V> {
    private final VectorFreeLBFGS<V> optimizer;
    private final StopCriteria criteria;
    private final boolean copiesBestWithoutValidator;

    public VectorFreeMinimizer(VectorFreeLBFGS<V> optimizer, StopCriteria criteria) {
        this(optimizer, criteria, true);
    }

    private VectorFreeMinimizer(VectorFreeLBFGS<V> optimizer, StopCriteria criteria, boolean copiesBest) {
        this.optimizer = optimizer;
        this.criteria = criteria;
        this.copiesBestWithoutValidator = copiesBest;
    }

    /**
     * The same loop keeping no copy of the best iterate when it runs without a validator, for a caller that takes
     * the final iterate: the Wolfe search accepts only steps that lower f, so the final iterate is also the one of
     * lowest objective, and each copy would cost a vector and, on sharded vectors, a job per iteration.
     * {@link Result#best} is then null and {@link Result#bestFigures} still gives the figures.
     */
    public VectorFreeMinimizer<V> withoutBestCopy() {
        return new VectorFreeMinimizer<>(optimizer, criteria, false);
    }

    public VectorFreeLBFGS<V> optimizer() {
        return optimizer;
    }

    public StopCriteria criteria() {
        return criteria;
    }

    /** Told about every completed iteration (progress lines, checkpoints). */
    @FunctionalInterface
    public interface Listener<V> {
        /**
         * @param state the state after the iteration (iteration, value, evaluations, handles); read it, do not
         *              keep or release its handles
         * @param report objective, ||grad f||, validation loss (NaN without a validator), wall time
         */
        void iterationDone(VectorFreeLBFGS.State<V> state, IterationListener.IterationReport report);

        /**
         * The best iterate's copy has just been replaced by {@code best} (before the iteration's
         * {@link #iterationDone}), so a checkpoint written then can save it; do not release it.
         */
        default void bestKept(V best) {
        }
    }

    /** Loss on held-out rows at a point given by handle (lower is better); it must not release x. */
    @FunctionalInterface
    public interface HandleValidator<V> {
        double loss(V x);
    }

    /**
     * The outcome: final state, why it stopped, and the best iterate's handle (null if none was finite, or with
     * {@link #withoutBestCopy} and no validator).
     */
    public record Result<V>(VectorFreeLBFGS.State<V> state, StopReason reason, double gradientNorm, double objective,
                            String detail, V best) {
        /**
         * The best iterate's figures, from the small state: objective, stationarity, iteration, validation loss; its
         * x is null (the point is the handle {@link #best}). Null when no iterate was finite.
         */
        public Minimizer.Best bestFigures() {
            OptimizerState s = state.small();
            if (!Double.isFinite(s.scalar(Minimizer.BEST_OBJECTIVE, Double.NaN))) {
                return null;
            }
            return new Minimizer.Best(null, s.scalar(Minimizer.BEST_OBJECTIVE, Double.NaN),
                    s.scalar(Minimizer.BEST_STATIONARITY, Double.NaN), (long) s.scalar(Minimizer.BEST_ITERATION, 0),
                    s.scalar(Minimizer.BEST_VALIDATION, Double.NaN));
        }
    }

    /**
     * Continues from {@code state} (fresh from {@link VectorFreeLBFGS#initialize} or restored) on f;
     * {@code validator} may be null. With a validator its loss is computed at the start (if not yet recorded) and
     * after every iteration. {@code best}: the best iterate's handle kept from before a restart, or null (the loop
     * then keeps one from the next improvement on).
     */
    public Result<V> run(RemoteFunction<V> f, VectorFreeLBFGS.State<V> state, Listener<V> listener,
                         HandleValidator<V> validator, V best) {
        RemoteVectors<V> vectors = optimizer.vectors();
        OptimizerState small = state.small();
        long startNanos = System.nanoTime();
        double stationarity = state.stationarity();
        double objective = state.objective();
        if (StopBookkeeping.notStarted(small)) {
            double validation = validator == null ? Double.NaN : validator.loss(state.x());
            if (StopBookkeeping.start(small, criteria, objective, stationarity, validation, validator != null)
                    && keepsCopy(validator)) {
                best = copy(vectors, state.x(), best);
                listener.bestKept(best);
            }
        }
        while (true) {
            StopCriteria.Verdict verdict = StopBookkeeping.verdict(small, criteria, objective, stationarity,
                    (System.nanoTime() - startNanos) / 1e9);
            if (verdict != null) {
                return new Result<>(state, verdict.reason(), stationarity, objective, verdict.detail(), best);
            }
            long start = System.nanoTime();
            double previous = objective;
            if (!optimizer.step(f, state)) {
                return new Result<>(state, StopReason.NO_PROGRESS, stationarity, objective,
                        StopBookkeeping.NO_PROGRESS_DETAIL, best);
            }
            stationarity = state.stationarity();
            objective = state.objective();
            long nanos = System.nanoTime() - start;
            double validation = validator == null ? Double.NaN : validator.loss(state.x());
            if (StopBookkeeping.afterIteration(small, criteria, previous, objective, stationarity, validation,
                    validator != null) && keepsCopy(validator)) {
                best = copy(vectors, state.x(), best);
                listener.bestKept(best);
            }
            listener.iterationDone(state, new IterationListener.IterationReport(objective, stationarity, validation,
                    nanos));
        }
    }

    private boolean keepsCopy(HandleValidator<V> validator) {
        return validator != null || copiesBestWithoutValidator;
    }

    /** A copy of x (1 x, exact) replacing the previous best, which is released. */
    private static <V> V copy(RemoteVectors<V> vectors, V x, V previousBest) {
        V copy = vectors.combine(new double[] {1.0}, List.of(x));
        if (previousBest != null) {
            vectors.release(previousBest);
        }
        return copy;
    }
}
