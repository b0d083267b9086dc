package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.objective.L1Penalty;

/**
 * The step {@link Adam} and {@link AdamW} share: elementwise, with g_k = grad f(x_k),
 *
 * <pre>
 *   m_k = beta1 m_{k-1} + (1 - beta1) g_k,        v_k = beta2 v_{k-1} + (1 - beta2) g_k^2,   m_0 = v_0 = 0,
 *   mhat_k = m_k / (1 - beta1^k),                 vhat_k = v_k / (1 - beta2^k),
 * </pre>
 *
 * then the subclass's {@link #move} of each coordinate with mhat_{k,j} and the scale sqrt(vhat_{k,j}) + eps,
 * then (with L1) soft-thresholding at eta_k c_j / (sqrt(vhat_{k,j}) + eps). The moments and the count k of
 * updates live in the state under the subclass's names.
 */
abstract class AdamMoments extends ScheduledRule {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final String firstMoment;
    private final String secondMoment;
    private final String updates;

    /**
     * @param rule the rule's name in error messages ("Adam", "AdamW")
     * @param firstMoment the state name of m
     * @param secondMoment the state name of v
     * @param updates the state name of the count k
     */
    AdamMoments(StepSchedule schedule, double beta1, double beta2, double epsilon, L1Penalty l1, String rule,
                String firstMoment, String secondMoment, String updates) {
        super(schedule, l1);
        this.beta1 = HyperParameters.fraction(beta1, rule + " beta1");
        this.beta2 = HyperParameters.fraction(beta2, rule + " beta2");
        this.epsilon = HyperParameters.positive(epsilon, rule + " epsilon");
        this.firstMoment = firstMoment;
        this.secondMoment = secondMoment;
        this.updates = updates;
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

    /** x_{k+1,j} before any soft-thresholding, from x_{k,j}, eta_k, mhat_{k,j} and sqrt(vhat_{k,j}) + eps. */
    abstract double move(int j, double x, double eta, double mHat, double scale);

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        double eta = nextStep(state);
        L1Penalty l1 = l1();
        double[] x = state.x();
        double[] g = state.gradient();
        double[] m = Moments.vector(state, firstMoment);
        double[] v = Moments.vector(state, secondMoment);
        SoftThreshold.checkDimension(l1, x.length);
        double t = state.scalar(updates, 0) + 1;
        double correction1 = 1 - Math.pow(beta1, t);
        double correction2 = 1 - Math.pow(beta2, t);
        for (int j = 0; j < x.length; j++) {
            m[j] = beta1 * m[j] + (1 - beta1) * g[j];
            v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j];
            double mHat = m[j] / correction1;
            double vHat = v[j] / correction2;
            double scale = Math.sqrt(vHat) + epsilon;
            x[j] = move(j, x[j], eta, mHat, scale);
            if (l1 != null) {
                x[j] = SoftThreshold.apply(x[j], eta * l1.weight(j) / scale);
            }
        }
        state.putScalar(updates, t);
        return evaluateAndAdvance(f, state, eta);
    }
}
