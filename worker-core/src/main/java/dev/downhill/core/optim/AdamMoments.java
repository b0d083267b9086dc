package dev.downhill.core.optim;

import dev.downhill.core.objective.L1Penalty;
import java.util.List;

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
    private static final long serialVersionUID = 1L;

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

    /** m, then v. */
    @Override
    public List<String> stateVectors() {
        return List.of(firstMoment, secondMoment);
    }

    /** The count k of updates behind the bias correction. */
    @Override
    String updateCounter() {
        return updates;
    }

    @Override
    public void update(double[] x, double[] g, double[][] vectors, int offset, Update u, L1Penalty l1) {
        double eta = u.eta();
        double[] m = vectors[0];
        double[] v = vectors[1];
        double correction1 = 1 - Math.pow(beta1, u.count());
        double correction2 = 1 - Math.pow(beta2, u.count());
        for (int i = 0; i < x.length; i++) {
            int j = offset + i;
            m[i] = beta1 * m[i] + (1 - beta1) * g[i];
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
            double mHat = m[i] / correction1;
            double vHat = v[i] / correction2;
            double scale = Math.sqrt(vHat) + epsilon;
            x[i] = move(j, x[i], eta, mHat, scale);
            if (l1 != null) {
                x[i] = SoftThreshold.apply(x[i], eta * l1.weight(j) / scale);
            }
        }
    }
}
