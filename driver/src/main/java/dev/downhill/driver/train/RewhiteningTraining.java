package dev.downhill.driver.train;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.Whitening;
import dev.downhill.core.optim.CoordinateSwitch;
import dev.downhill.core.optim.FunctionSequence;
import dev.downhill.core.optim.IterationListener;
import dev.downhill.core.optim.Minimizer;
import dev.downhill.core.optim.Optimizer;
import dev.downhill.core.optim.OptimizerState;
import dev.downhill.core.optim.StopCriteria;
import dev.downhill.core.optim.StopReason;
import dev.downhill.core.optim.Validator;
import dev.downhill.driver.io.TrainingData;
import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Function;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * train's lbfgs run on a whitened linear logistic or softmax model with re-whitening (--rewhiten-at, issue #15):
 * L-BFGS runs to iteration {@code at}, then one pass takes the curvature-weighted covariance at the iterate
 * ({@code CurvatureCovariance}, the Fisher-scoring weights of IRLS; for softmax with --rewhiten-per-class one
 * matrix per class, the Hessian's class blocks) and the run goes on in the coordinates that whiten it
 * ({@link CoordinateSwitch}) until the stopping rules end it.
 *
 * <p>The state records the switch (its iteration and the user's parameters there), so {@code --resume} rebuilds the
 * same whitening from the same bits; a run resumed at or before {@code at} without it switches at {@code at}, as the
 * uninterrupted run did. A re-whitening with no factor (no curvature left) is skipped, and so recorded.
 */
final class RewhiteningTraining {
    private final JavaSparkContext jsc;
    private final TrainingData data;
    private final LinearModel model;
    private final Objective objective;
    private final double l2;
    private final PrintStream out;
    private final long at;
    private final boolean perClass;

    RewhiteningTraining(JavaSparkContext jsc, TrainingData data, LinearModel model, Objective objective, double l2,
                        PrintStream out, long at, boolean perClass) {
        if (at < 1) {
            throw new IllegalArgumentException("re-whitening needs an iteration >= 1, got " + at);
        }
        this.jsc = jsc;
        this.data = data;
        this.model = model;
        this.objective = objective;
        this.l2 = l2;
        this.out = out;
        this.at = at;
        this.perClass = perClass;
    }

    /**
     * Runs {@code minimizer} from {@code state} (in {@code start}'s coordinates, or, when the state has switched,
     * in those of its re-whitening) with the switch. {@code functions} gives the objective in the coordinates of a
     * whitening; it is called whenever the run starts in or switches to one, so the caller knows which coordinates
     * the state is in.
     */
    Minimizer.Result run(Minimizer minimizer, Optimizer optimizer, OptimizerState state, Whitening start,
                         Function<Whitening, FunctionSequence> functions, IterationListener listener,
                         Validator validator) {
        Whitening current = start;
        double[] anchor = CoordinateSwitch.anchor(state);
        if (anchor != null) { // resumed after the switch: the same whitening, from the same point
            current = Preconditioning.rewhiten(jsc, data, model, objective, l2, anchor, perClass);
            if (current == null) {
                throw new IllegalStateException("the checkpoint's re-whitening has no factor now");
            }
        }
        FunctionSequence running = functions.apply(current);
        StopCriteria all = minimizer.criteria();
        if (CoordinateSwitch.decided(state) || state.iteration() > at || at >= all.maxIterations()) {
            return minimizer.run(running, state, listener, validator);
        }
        long phaseStart = System.nanoTime();
        if (state.iteration() < at) {
            Minimizer.Result first = new Minimizer(optimizer, all.withMaxIterations(at))
                    .run(running, state, listener, validator);
            if (first.reason() != StopReason.MAX_ITERATIONS) {
                return first;
            }
        }
        Whitening w = Preconditioning.rewhiten(jsc, data, model, objective, l2, current.toUser(state.x()), perClass);
        state.addEvaluations(1); // the covariance pass
        if (w == null) {
            CoordinateSwitch.skip(state);
        } else {
            CoordinateSwitch.apply(state, current, w);
            running = functions.apply(w);
            out.printf(Locale.ROOT, "preconditioner: re-whitened at iteration %d by the curvature-weighted covariance%s"
                    + " (ridge %.0e)%n", state.iteration(),
                    Preconditioning.byClass(perClass, objective, model) ? " of each class" : "", w.ridge());
        }
        Minimizer rest = minimizer;
        if (Double.isFinite(all.timeBudgetSeconds())) { // the budget is the whole run's
            double left = all.timeBudgetSeconds() - (System.nanoTime() - phaseStart) / 1e9;
            rest = new Minimizer(optimizer, all.withTimeBudget(Math.max(left, 1e-9)));
        }
        return rest.run(running, state, listener, validator);
    }
}
