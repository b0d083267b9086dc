package dev.downhill.core.optim;

import dev.downhill.core.objective.L1Penalty;
import java.util.List;

/**
 * Heavy-ball momentum (Polyak 1964), as written by Sutskever, Martens, Dahl and Hinton, "On the
 * importance of initialization and momentum in deep learning", ICML 2013, eq. (1)-(2):
 *
 * <pre>  v_{k+1} = mu v_k - eta_k grad f(x_k),   x_{k+1} = x_k + v_{k+1},   v_0 = 0,</pre>
 *
 * with eta_k the schedule's step of iteration k = 1, 2, ... and mu = 0.9 by default. One evaluation of
 * f and grad f per iteration. The velocity v lives in the state as "momentum.v" (created at the first
 * step). The objective may rise between iterations; that is the method, not divergence.
 *
 * <p>With an optional L1 penalty h the step ends with its proximal map and the velocity is the step
 * actually taken, which is iPiano (Ochs, Chen, Brox and Pock, SIAM J. Imaging Sci. 7, 2014) in velocity form:
 *
 * <pre>  x_{k+1} = prox_{eta_k h}(x_k + mu v_k - eta_k grad f(x_k)),   v_{k+1} = x_{k+1} - x_k.</pre>
 *
 * {@link #stationarity} and {@link #objective} then measure f + h.
 */
public final class Momentum extends ScheduledRule {
    private static final long serialVersionUID = 1L;
    /** mu when none is given. */
    public static final double DEFAULT_MOMENTUM = 0.9;

    static final String VELOCITY = "momentum.v";

    private final double momentum;

    /** mu = 0.9. */
    public Momentum(StepSchedule schedule) {
        this(schedule, DEFAULT_MOMENTUM, null);
    }

    /** @param momentum mu in [0, 1) */
    public Momentum(StepSchedule schedule, double momentum) {
        this(schedule, momentum, null);
    }

    /**
     * @param momentum mu in [0, 1)
     * @param l1 the L1 penalty to apply by its proximal map after each step, or null for none
     */
    public Momentum(StepSchedule schedule, double momentum, L1Penalty l1) {
        super(schedule, l1);
        this.momentum = HyperParameters.fraction(momentum, "momentum mu");
    }

    public double momentum() {
        return momentum;
    }

    @Override
    public String name() {
        return "momentum";
    }

    /** The velocity v. */
    @Override
    public List<String> stateVectors() {
        return List.of(VELOCITY);
    }

    @Override
    public void update(double[] x, double[] g, double[][] vectors, int offset, Update u, L1Penalty l1) {
        double eta = u.eta();
        double[] v = vectors[0];
        for (int i = 0; i < x.length; i++) {
            v[i] = momentum * v[i] - eta * g[i];
            if (l1 == null) {
                x[i] += v[i];
            } else {
                double next = SoftThreshold.apply(x[i] + v[i], eta * l1.weight(offset + i));
                v[i] = next - x[i];
                x[i] = next;
            }
        }
    }
}
