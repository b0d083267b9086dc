package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;
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
public final class AdamW implements Optimizer {
    /** lambda when none is given. */
    public static final double DEFAULT_WEIGHT_DECAY = 0.01;

    static final String FIRST_MOMENT = "adamw.m";
    static final String SECOND_MOMENT = "adamw.v";
    static final String UPDATES = "adamw.t";

    private final StepSchedule schedule;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final IntPredicate decayed;
    private final L1Penalty l1;

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
     * @param decayed which coordinates (by index) the decay applies to
     * @param l1 the L1 penalty to apply by its proximal map, or null for none
     */
    public AdamW(StepSchedule schedule, double beta1, double beta2, double epsilon, double weightDecay,
                 IntPredicate decayed, L1Penalty l1) {
        if (schedule == null || decayed == null) {
            throw new IllegalArgumentException("step schedule and decay mask must not be null");
        }
        this.schedule = schedule;
        this.beta1 = HyperParameters.fraction(beta1, "AdamW beta1");
        this.beta2 = HyperParameters.fraction(beta2, "AdamW beta2");
        this.epsilon = HyperParameters.positive(epsilon, "AdamW epsilon");
        this.weightDecay = HyperParameters.nonNegative(weightDecay, "AdamW weight decay lambda");
        this.decayed = decayed;
        this.l1 = l1;
    }

    /** The L1 penalty handled by the proximal step, or null. */
    public L1Penalty l1() {
        return l1;
    }

    @Override
    public OptimizerState initialize(DifferentiableFunction f, double[] x0) {
        SoftThreshold.checkDimension(l1, x0.length);
        return Optimizer.super.initialize(f, x0);
    }

    /** ||grad f||, or with L1 the norm of the minimum-norm subgradient of f + h. */
    @Override
    public double stationarity(OptimizerState state) {
        return l1 == null ? Optimizer.super.stationarity(state) : l1.stationarity(state.x(), state.gradient());
    }

    /** f, or with L1 f + h. */
    @Override
    public double objective(OptimizerState state) {
        return l1 == null ? state.value() : state.value() + l1.value(state.x());
    }

    public double weightDecay() {
        return weightDecay;
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
        return "adamw";
    }

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        double eta = schedule.step(state.iteration() + 1);
        double[] x = state.x();
        double[] g = state.gradient();
        double[] m = Moments.vector(state, FIRST_MOMENT);
        double[] v = Moments.vector(state, SECOND_MOMENT);
        SoftThreshold.checkDimension(l1, x.length);
        double t = state.scalar(UPDATES, 0) + 1;
        double correction1 = 1 - Math.pow(beta1, t);
        double correction2 = 1 - Math.pow(beta2, t);
        for (int j = 0; j < x.length; j++) {
            m[j] = beta1 * m[j] + (1 - beta1) * g[j];
            v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j];
            double mHat = m[j] / correction1;
            double vHat = v[j] / correction2;
            double scale = Math.sqrt(vHat) + epsilon;
            double adamStep = mHat / scale;
            x[j] -= eta * (decayed.test(j) ? adamStep + weightDecay * x[j] : adamStep);
            if (l1 != null) {
                x[j] = SoftThreshold.apply(x[j], eta * l1.weight(j) / scale);
            }
        }
        state.putScalar(UPDATES, t);
        state.setValue(f.valueAndGradient(x, g));
        state.addEvaluations(1);
        state.setLastStepSize(eta);
        state.setIteration(state.iteration() + 1);
        return true;
    }
}
