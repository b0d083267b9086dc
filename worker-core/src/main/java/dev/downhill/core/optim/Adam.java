package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/**
 * Adam (Kingma and Ba, "Adam: a method for stochastic optimization", ICLR 2015, Algorithm 1), elementwise
 * with g_k = grad f(x_k) and the bias-corrected moment estimates:
 *
 * <pre>
 *   m_k = beta1 m_{k-1} + (1 - beta1) g_k,        v_k = beta2 v_{k-1} + (1 - beta2) g_k^2,   m_0 = v_0 = 0,
 *   mhat_k = m_k / (1 - beta1^k),                 vhat_k = v_k / (1 - beta2^k),
 *   x_{k+1} = x_k - eta_k mhat_k / (sqrt(vhat_k) + eps)
 * </pre>
 *
 * with the paper's defaults beta1 = 0.9, beta2 = 0.999, eps = 1e-8 (and learning rate alpha = 0.001,
 * {@link #PAPER_LEARNING_RATE}, which the caller's schedule supplies). eta_k is the schedule's step of
 * iteration k = 1, 2, .... The moments are "adam.m", "adam.v"; the count k of Adam updates behind the
 * bias correction is "adam.t". The paper's regret bound (its Theorem 4.1) has a flawed proof (Reddi, Kale
 * and Kumar, ICLR 2018), so no convergence guarantee is claimed here.
 */
public final class Adam implements Optimizer {
    /** The paper's suggested alpha. */
    public static final double PAPER_LEARNING_RATE = 0.001;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;

    static final String FIRST_MOMENT = "adam.m";
    static final String SECOND_MOMENT = "adam.v";
    static final String UPDATES = "adam.t";

    private final StepSchedule schedule;
    private final double beta1;
    private final double beta2;
    private final double epsilon;

    /** beta1 = 0.9, beta2 = 0.999, eps = 1e-8. */
    public Adam(StepSchedule schedule) {
        this(schedule, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON);
    }

    /**
     * @param beta1 decay of the first moment, in [0, 1)
     * @param beta2 decay of the second moment, in [0, 1)
     * @param epsilon positive and finite
     */
    public Adam(StepSchedule schedule, double beta1, double beta2, double epsilon) {
        if (schedule == null) {
            throw new IllegalArgumentException("step schedule must not be null");
        }
        this.schedule = schedule;
        this.beta1 = HyperParameters.fraction(beta1, "Adam beta1");
        this.beta2 = HyperParameters.fraction(beta2, "Adam beta2");
        this.epsilon = HyperParameters.positive(epsilon, "Adam epsilon");
    }

    public double beta1() {
        return beta1;
    }

    public double beta2() {
        return beta2;
    }

    public double epsilon() {
        return epsilon;
    }

    public StepSchedule schedule() {
        return schedule;
    }

    @Override
    public String name() {
        return "adam";
    }

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        double eta = schedule.step(state.iteration() + 1);
        double[] x = state.x();
        double[] g = state.gradient();
        double[] m = Moments.vector(state, FIRST_MOMENT);
        double[] v = Moments.vector(state, SECOND_MOMENT);
        double t = state.scalar(UPDATES, 0) + 1;
        double correction1 = 1 - Math.pow(beta1, t);
        double correction2 = 1 - Math.pow(beta2, t);
        for (int j = 0; j < x.length; j++) {
            m[j] = beta1 * m[j] + (1 - beta1) * g[j];
            v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j];
            double mHat = m[j] / correction1;
            double vHat = v[j] / correction2;
            x[j] -= eta * mHat / (Math.sqrt(vHat) + epsilon);
        }
        state.putScalar(UPDATES, t);
        state.setValue(f.valueAndGradient(x, g));
        state.addEvaluations(1);
        state.setLastStepSize(eta);
        state.setIteration(state.iteration() + 1);
        return true;
    }
}
