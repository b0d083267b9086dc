package dev.downhill.core.optim;

import dev.downhill.core.objective.L1Penalty;
import java.util.function.IntPredicate;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, "Decoupled weight decay regularization",
 * ICLR 2019, Algorithm 2): the moments and bias correction of {@link Adam}, and the decay applied to the
 * parameters directly instead of through the gradient,
 *
 * <pre>  x_{k+1,j} = x_{k,j} - eta_k (mhat_{k,j} / (sqrt(vhat_{k,j}) + eps) + lambda x_{k,j})</pre>
 *
 * for the decayed coordinates j (those the constructor's predicate accepts, e.g. {@code model::isPenalized},
 * so intercepts are not decayed); the others get the plain Adam step. The paper writes
 * eta_t (alpha mhat / (sqrt(vhat) + eps) + lambda x) with a schedule multiplier eta_t and a base rate alpha;
 * here eta_k = alpha eta_t is the schedule's step, so the paper's lambda is alpha times this one (the
 * convention of PyTorch's torch.optim.AdamW). Defaults: beta1 = 0.9, beta2 = 0.999, eps = 1e-8 (Adam's, which
 * the paper keeps) and lambda = 0.01 (PyTorch's; the paper tunes a normalized lambda instead of fixing one).
 * State: "adamw.m", "adamw.v", "adamw.t".
 *
 * <p>With an optional L1 penalty h = sum_j c_j |x_j| the step ends with soft-thresholding in Adam's
 * per-coordinate metric, threshold eta_k c_j / (sqrt(vhat_{k,j}) + eps), as in {@link Adam};
 * {@link #stationarity} and {@link #objective} then measure f + h.
 */
public final class AdamW extends AdamMoments {
    private static final long serialVersionUID = 1L;
    /** lambda when none is given. */
    public static final double DEFAULT_WEIGHT_DECAY = 0.01;

    static final String FIRST_MOMENT = "adamw.m";
    static final String SECOND_MOMENT = "adamw.v";
    static final String UPDATES = "adamw.t";

    private final double weightDecay;
    private final IntPredicate decayed;

    /** beta1 = 0.9, beta2 = 0.999, eps = 1e-8, lambda = 0.01 on the coordinates {@code decayed} accepts. */
    public AdamW(StepSchedule schedule, IntPredicate decayed) {
        this(schedule, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPSILON, DEFAULT_WEIGHT_DECAY, decayed,
                null);
    }

    /**
     * @param beta1 decay of the first moment, in [0, 1)
     * @param beta2 decay of the second moment, in [0, 1)
     * @param epsilon positive and finite
     * @param weightDecay lambda, finite and >= 0
     * @param decayed which coordinates (by index) the decay applies to
     */
    public AdamW(StepSchedule schedule, double beta1, double beta2, double epsilon, double weightDecay,
                 IntPredicate decayed) {
        this(schedule, beta1, beta2, epsilon, weightDecay, decayed, null);
    }

    /**
     * @param beta1 decay of the first moment, in [0, 1)
     * @param beta2 decay of the second moment, in [0, 1)
     * @param epsilon positive and finite
     * @param weightDecay lambda, finite and >= 0
     * @param decayed which coordinates (by index) the decay applies to; serializable for a sharded run, which
     *                sends the rule to the executors
     * @param l1 the L1 penalty to apply by its proximal map, or null for none
     */
    public AdamW(StepSchedule schedule, double beta1, double beta2, double epsilon, double weightDecay,
                 IntPredicate decayed, L1Penalty l1) {
        super(schedule, beta1, beta2, epsilon, l1, "AdamW", FIRST_MOMENT, SECOND_MOMENT, UPDATES);
        if (decayed == null) {
            throw new IllegalArgumentException("decay mask must not be null");
        }
        this.weightDecay = HyperParameters.nonNegative(weightDecay, "AdamW weight decay lambda");
        this.decayed = decayed;
    }

    public double weightDecay() {
        return weightDecay;
    }

    @Override
    public String name() {
        return "adamw";
    }

    /**
     * x_j - eta_k (mhat_j / (sqrt(vhat_j) + eps) + lambda x_j) on decayed coordinates, x_j - eta_k (mhat_j /
     * (sqrt(vhat_j) + eps)) on the others: eta_k times the quotient, not Adam's (eta_k mhat_j) / scale, since the
     * two round differently and AdamW's iterates stay as they were.
     */
    @Override
    double move(int j, double x, double eta, double mHat, double scale) {
        double adamStep = mHat / scale;
        return x - eta * (decayed.test(j) ? adamStep + weightDecay * x : adamStep);
    }
}
