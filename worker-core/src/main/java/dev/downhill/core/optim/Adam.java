package dev.downhill.core.optim;

import dev.downhill.core.objective.L1Penalty;

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
 *
 * <p>With an optional L1 penalty h = sum_j c_j |x_j| the step ends with soft-thresholding in Adam's own
 * per-coordinate metric, x_{k+1,j} = S_{eta_k c_j / (sqrt(vhat_{k,j}) + eps)}(x_{k,j} - eta_k mhat_{k,j} / (sqrt(vhat_{k,j}) + eps)),
 * S_tau(v) = sign(v) max(|v| - tau, 0): the preconditioned proximal step of Yun, Lozano and Yang, NeurIPS
 * 2021 (ProxGen). {@link #stationarity} and {@link #objective} then measure f + h.
 */
public final class Adam extends AdamMoments {
    private static final long serialVersionUID = 1L;
    /** The paper's suggested alpha. */
    public static final double PAPER_LEARNING_RATE = 0.001;
    public static final double DEFAULT_BETA1 = 0.9;
    public static final double DEFAULT_BETA2 = 0.999;
    public static final double DEFAULT_EPSILON = 1e-8;

    static final String FIRST_MOMENT = "adam.m";
    static final String SECOND_MOMENT = "adam.v";
    static final String UPDATES = "adam.t";

    /** beta1 = 0.9, beta2 = 0.999, eps = 1e-8. */
    public Adam(StepSchedule schedule) {
        this(schedule, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPSILON, null);
    }

    /**
     * @param beta1 decay of the first moment, in [0, 1)
     * @param beta2 decay of the second moment, in [0, 1)
     * @param epsilon positive and finite
     */
    public Adam(StepSchedule schedule, double beta1, double beta2, double epsilon) {
        this(schedule, beta1, beta2, epsilon, null);
    }

    /**
     * @param beta1 decay of the first moment, in [0, 1)
     * @param beta2 decay of the second moment, in [0, 1)
     * @param epsilon positive and finite
     * @param l1 the L1 penalty to apply by its proximal map, or null for none
     */
    public Adam(StepSchedule schedule, double beta1, double beta2, double epsilon, L1Penalty l1) {
        super(schedule, beta1, beta2, epsilon, l1, "Adam", FIRST_MOMENT, SECOND_MOMENT, UPDATES);
    }

    @Override
    public String name() {
        return "adam";
    }

    /** x_j - eta_k mhat_j / (sqrt(vhat_j) + eps). */
    @Override
    double move(int j, double x, double eta, double mHat, double scale) {
        return x - eta * mHat / scale;
    }
}
