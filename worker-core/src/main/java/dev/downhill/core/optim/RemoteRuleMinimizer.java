package dev.downhill.core.optim;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link Minimizer}'s loop for a {@link ScheduledRule} whose vectors (x, the gradient, the rule's moments) are held
 * by handle {@code V} (in the driver: slices cached on the executors): the same {@link StopCriteria}, tested in the
 * same order by the same code ({@link StopBookkeeping}), the same rise tolerance and best-iterate rule, and the
 * same counters ({@link ScheduledRule#nextUpdate}, then evaluations, step size and iteration as {@link
 * ScheduledRule#step} advances them), all in a small state with no vector of the parameters' size (so a checkpoint
 * of it and the handles continues with the same decisions). Each iteration asks {@link Slices#step} to apply
 * {@link ScheduledRule#update} to every slice and evaluate f, grad f and ||grad f||^2 at the new point. With
 * mini-batches the function of iteration k is {@link Minimizer}'s {@code fs.at(k)}: the slices are told k.
 *
 * <p>Stationarity and the objective are {@link ScheduledRule}'s: without L1, ||grad f|| and f; with an L1 penalty
 * h, which the slices hold and apply (the rule's own, or weights built where each slice is: {@link
 * ScheduledRule#update(double[], double[], double[][], int, ScheduledRule.Update, L1Penalty)}), the norm of the
 * minimum-norm subgradient of f + h and f + h, from the slices' sums. The best iterate (kept only with a
 * validator) is the handle of that iterate's x itself, kept from release: no copy is made.
 *
 * @param <V> the handle type
 */
public final class RemoteRuleMinimizer<V> {
    /**
     * The small state's scalar holding the stationarity at x, ||grad f|| without L1 (the handles' figure, so a
     * restored state has it).
     */
    public static final String GRADIENT_NORM = "remote.gradientNorm";
    /** The small state's scalar holding h(x), the L1 penalty's value at x (0 without). */
    public static final String PENALTY = "remote.l1Value";

    private final ScheduledRule rule;
    private final StopCriteria criteria;

    public RemoteRuleMinimizer(ScheduledRule rule, StopCriteria criteria) {
        this.rule = rule;
        this.criteria = criteria;
    }

    public ScheduledRule rule() {
        return rule;
    }

    /**
     * f, a handle to grad f (the caller releases it), the squared stationarity (||grad f||^2, or with L1 the
     * minimum-norm subgradient's) and h(x) (0 without L1), the slices' sums added in slice order.
     */
    public record Evaluation<V>(double value, V gradient, double gradientSquares, double penalty) {
        /** Without an L1 penalty. */
        public Evaluation(double value, V gradient, double gradientSquares) {
            this(value, gradient, gradientSquares, 0.0);
        }
    }

    /** The new x and rule vectors (in {@link ScheduledRule#stateVectors} order) of a step, and f there. */
    public record Stepped<V>(V x, List<V> vectors, Evaluation<V> evaluation) {
    }

    /** What the loop needs of the handles. */
    public interface Slices<V> {
        /**
         * f and grad f at x (one pass over the data), f the function of the point iteration {@code iteration} ends
         * on ({@link FunctionSequence#at}; 0: the start); x is not released.
         */
        Evaluation<V> evaluate(V x, long iteration);

        /**
         * {@link ScheduledRule#update} with {@code u} applied to each slice of x, the gradient and the rule's
         * {@code vectors} (new handles; the inputs stay valid), then f and grad f at the new x, f that of
         * {@code iteration}, the iteration this step completes.
         */
        Stepped<V> step(V x, V gradient, List<V> vectors, ScheduledRule.Update u, long iteration);

        /** A vector of zeros (the rule's vectors before the first update). */
        V zeros();

        /** The loop no longer needs v. */
        void release(V v);
    }

    /** Told about every completed iteration (progress lines, checkpoints). */
    public interface Listener<V> {
        /** @param state after the iteration: read it, do not keep or release its handles */
        void iterationDone(State<V> state, IterationListener.IterationReport report);

        /** The best iterate is now {@code best} (before the iteration's {@link #iterationDone}); do not release it. */
        default void bestKept(V best) {
        }
    }

    /** The small state (no vector of the parameters' size), x, the gradient and the rule's vectors by handle. */
    public static final class State<V> {
        private final OptimizerState small;
        private V x;
        private V gradient;
        private List<V> vectors;

        /**
         * A state restored from a checkpoint, or built by {@link #initialize}: {@code vectors} in the rule's order;
         * the small state holds ||grad f|| as {@link #GRADIENT_NORM}.
         */
        public State(OptimizerState small, V x, V gradient, List<V> vectors) {
            this.small = small;
            this.x = x;
            this.gradient = gradient;
            this.vectors = List.copyOf(vectors);
        }

        public OptimizerState small() {
            return small;
        }

        public V x() {
            return x;
        }

        public V gradient() {
            return gradient;
        }

        /** The rule's vectors in {@link ScheduledRule#stateVectors} order. */
        public List<V> vectors() {
            return vectors;
        }

        /** The stationarity at x: ||grad f||, or with L1 the norm of the minimum-norm subgradient of f + h. */
        public double gradientNorm() {
            return small.scalar(GRADIENT_NORM, Double.NaN);
        }

        /** The objective at x: f, or with L1 f + h. */
        public double objective() {
            return small.value() + small.scalar(PENALTY, 0.0);
        }

        /** Releases every handle but {@code keep} (the best iterate's x, or null). */
        public void release(Slices<V> slices, V keep) {
            List<V> all = new ArrayList<>(vectors);
            all.add(gradient);
            all.add(x);
            for (V v : all) {
                if (v != keep) {
                    slices.release(v);
                }
            }
        }
    }

    /** The outcome: final state, why it stopped, and the best iterate's x (null without a validator). */
    public record Result<V>(State<V> state, StopReason reason, double gradientNorm, double objective,
                            String detail, V best) {
    }

    /** The state at x0 (one evaluation; x0 becomes the state's and is released with it), the vectors zero. */
    public State<V> initialize(Slices<V> slices, V x0) {
        Evaluation<V> e = slices.evaluate(x0, 0);
        OptimizerState small = new OptimizerState(new double[0], e.value(), new double[0]);
        small.putScalar(GRADIENT_NORM, Math.sqrt(e.gradientSquares()));
        small.putScalar(PENALTY, e.penalty());
        List<V> vectors = new ArrayList<>();
        for (int i = 0; i < rule.stateVectors().size(); i++) {
            vectors.add(slices.zeros());
        }
        return new State<>(small, x0, e.gradient(), vectors);
    }

    /**
     * Continues from {@code state} until a criterion holds; {@code validator} may be null. {@code best}: the best
     * iterate's x kept from before a restart (with a validator), or null.
     */
    public Result<V> run(Slices<V> slices, State<V> state, Listener<V> listener,
                         VectorFreeMinimizer.HandleValidator<V> validator, V best) {
        OptimizerState small = state.small;
        long startNanos = System.nanoTime();
        double stationarity = state.gradientNorm();
        double objective = state.objective();
        if (StopBookkeeping.notStarted(small)) {
            double validation = validator == null ? Double.NaN : validator.loss(state.x);
            if (StopBookkeeping.start(small, criteria, objective, stationarity, validation, validator != null)
                    && validator != null) {
                best = keep(slices, state.x, best, listener);
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
            ScheduledRule.Update u = rule.nextUpdate(small);
            Stepped<V> next = slices.step(state.x, state.gradient, state.vectors, u, small.iteration() + 1);
            state.release(slices, best); // the best iterate's x stays
            state.x = next.x();
            state.gradient = next.evaluation().gradient();
            state.vectors = List.copyOf(next.vectors());
            small.setValue(next.evaluation().value());
            small.putScalar(GRADIENT_NORM, Math.sqrt(next.evaluation().gradientSquares()));
            small.putScalar(PENALTY, next.evaluation().penalty());
            ScheduledRule.advance(small, u.eta());
            stationarity = state.gradientNorm();
            objective = state.objective();
            long nanos = System.nanoTime() - start;
            double validation = validator == null ? Double.NaN : validator.loss(state.x);
            if (StopBookkeeping.afterIteration(small, criteria, previous, objective, stationarity, validation,
                    validator != null) && validator != null) {
                best = keep(slices, state.x, best, listener);
            }
            listener.iterationDone(state, new IterationListener.IterationReport(objective, stationarity, validation,
                    nanos));
        }
    }

    /** x becomes the best iterate; the previous best, no longer any state's x, is released. */
    private static <V> V keep(Slices<V> slices, V x, V previousBest, Listener<V> listener) {
        if (previousBest != null && previousBest != x) {
            slices.release(previousBest);
        }
        listener.bestKept(x);
        return x;
    }
}
