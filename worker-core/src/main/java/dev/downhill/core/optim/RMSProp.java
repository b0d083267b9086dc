package dev.downhill.core.optim;

import dev.downhill.core.objective.L1Penalty;
import java.util.List;

/**
 * RMSProp (Tieleman and Hinton, COURSERA: Neural Networks for Machine Learning, lecture 6.5, 2012):
 * divide the gradient by a running root mean square of recent gradients,
 *
 * <pre>  E_k = rho E_{k-1} + (1 - rho) g_k^2,   x_{k+1} = x_k - eta_k g_k / (sqrt(E_k) + eps),   E_0 = 0,</pre>
 *
 * elementwise, with g_k = grad f(x_k) and eta_k the schedule's step of iteration k = 1, 2, .... rho = 0.9
 * is the lecture's; the lecture has no eps, so eps = 1e-8 (as in PyTorch's torch.optim.RMSprop) only
 * guards against dividing by 0. The average E is "rmsprop.meanSquare".
 *
 * <p>With an optional L1 penalty h = sum_j c_j |x_j| the step ends with soft-thresholding in the same
 * per-coordinate metric, x_{k+1,j} = S_{eta_k c_j / (sqrt(E_{k,j}) + eps)}(x_{k,j} - eta_k g_{k,j} / (sqrt(E_{k,j}) + eps)),
 * the preconditioned proximal step of Yun, Lozano and Yang, "Adaptive proximal gradient methods for
 * structured neural networks", NeurIPS 2021 (no convergence guarantee is claimed); {@link #stationarity} and
 * {@link #objective} then measure f + h.
 */
public final class RMSProp extends ScheduledRule {
    private static final long serialVersionUID = 1L;
    /** rho when none is given. */
    public static final double DEFAULT_DECAY = 0.9;
    /** eps when none is given. */
    public static final double DEFAULT_EPSILON = 1e-8;

    static final String MEAN_SQUARE = "rmsprop.meanSquare";

    private final double decay;
    private final double epsilon;

    /** rho = 0.9, eps = 1e-8. */
    public RMSProp(StepSchedule schedule) {
        this(schedule, DEFAULT_DECAY, DEFAULT_EPSILON, null);
    }

    /**
     * @param decay rho in [0, 1)
     * @param epsilon eps, positive and finite
     */
    public RMSProp(StepSchedule schedule, double decay, double epsilon) {
        this(schedule, decay, epsilon, null);
    }

    /**
     * @param decay rho in [0, 1)
     * @param epsilon eps, positive and finite
     * @param l1 the L1 penalty to apply by its proximal map, or null for none
     */
    public RMSProp(StepSchedule schedule, double decay, double epsilon, L1Penalty l1) {
        super(schedule, l1);
        this.decay = HyperParameters.fraction(decay, "RMSProp decay rho");
        this.epsilon = HyperParameters.positive(epsilon, "RMSProp epsilon");
    }

    public double decay() {
        return decay;
    }

    public double epsilon() {
        return epsilon;
    }

    @Override
    public String name() {
        return "rmsprop";
    }

    /** The running mean square E. */
    @Override
    public List<String> stateVectors() {
        return List.of(MEAN_SQUARE);
    }

    @Override
    public void update(double[] x, double[] g, double[][] vectors, int offset, Update u, L1Penalty l1) {
        double eta = u.eta();
        double[] meanSquare = vectors[0];
        for (int i = 0; i < x.length; i++) {
            meanSquare[i] = decay * meanSquare[i] + (1 - decay) * g[i] * g[i];
            double scale = Math.sqrt(meanSquare[i]) + epsilon;
            x[i] -= eta * g[i] / scale;
            if (l1 != null) {
                x[i] = SoftThreshold.apply(x[i], eta * l1.weight(offset + i) / scale);
            }
        }
    }
}
