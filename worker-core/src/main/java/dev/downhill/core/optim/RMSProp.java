package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/**
 * RMSProp (Tieleman and Hinton, COURSERA: Neural Networks for Machine Learning, lecture 6.5, 2012):
 * divide the gradient by a running root mean square of recent gradients,
 *
 * <pre>  E_k = rho E_{k-1} + (1 - rho) g_k^2,   x_{k+1} = x_k - eta_k g_k / (sqrt(E_k) + eps),   E_0 = 0,</pre>
 *
 * elementwise, with g_k = grad f(x_k) and eta_k the schedule's step of iteration k = 1, 2, .... rho = 0.9
 * is the lecture's; the lecture has no eps, so eps = 1e-8 (as in PyTorch's torch.optim.RMSprop) only
 * guards against dividing by 0. The average E is "rmsprop.meanSquare".
 */
public final class RMSProp implements Optimizer {
    /** rho when none is given. */
    public static final double DEFAULT_DECAY = 0.9;
    /** eps when none is given. */
    public static final double DEFAULT_EPSILON = 1e-8;

    static final String MEAN_SQUARE = "rmsprop.meanSquare";

    private final StepSchedule schedule;
    private final double decay;
    private final double epsilon;

    /** rho = 0.9, eps = 1e-8. */
    public RMSProp(StepSchedule schedule) {
        this(schedule, DEFAULT_DECAY, DEFAULT_EPSILON);
    }

    /**
     * @param decay rho in [0, 1)
     * @param epsilon eps, positive and finite
     */
    public RMSProp(StepSchedule schedule, double decay, double epsilon) {
        if (schedule == null) {
            throw new IllegalArgumentException("step schedule must not be null");
        }
        this.schedule = schedule;
        this.decay = HyperParameters.fraction(decay, "RMSProp decay rho");
        this.epsilon = HyperParameters.positive(epsilon, "RMSProp epsilon");
    }

    public double decay() {
        return decay;
    }

    public double epsilon() {
        return epsilon;
    }

    public StepSchedule schedule() {
        return schedule;
    }

    @Override
    public String name() {
        return "rmsprop";
    }

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        double eta = schedule.step(state.iteration() + 1);
        double[] x = state.x();
        double[] g = state.gradient();
        double[] meanSquare = Moments.vector(state, MEAN_SQUARE);
        for (int j = 0; j < x.length; j++) {
            meanSquare[j] = decay * meanSquare[j] + (1 - decay) * g[j] * g[j];
            x[j] -= eta * g[j] / (Math.sqrt(meanSquare[j]) + epsilon);
        }
        state.setValue(f.valueAndGradient(x, g));
        state.addEvaluations(1);
        state.setLastStepSize(eta);
        state.setIteration(state.iteration() + 1);
        return true;
    }
}
