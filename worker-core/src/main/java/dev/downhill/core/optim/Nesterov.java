package dev.downhill.core.optim;

import dev.downhill.core.objective.L1Penalty;

import java.util.List;

/**
 * Nesterov's accelerated gradient in the form of Sutskever, Martens, Dahl and Hinton, ICML 2013,
 * eq. (3)-(4): the gradient is taken at the look-ahead point x_k + mu v_k,
 *
 * <pre>  v_{k+1} = mu v_k - eta_k grad f(x_k + mu v_k),   x_{k+1} = x_k + v_{k+1},   v_0 = 0.</pre>
 *
 * To need one evaluation per iteration the state holds the look-ahead point y_k = x_k + mu v_k instead
 * of x_k (the change of variables of Bengio, Boulanger-Lewandowski and Pascanu, "Advances in optimizing
 * recurrent networks", ICASSP 2013); substituting gives
 *
 * <pre>  v_{k+1} = mu v_k - eta_k grad f(y_k),   y_{k+1} = y_k + mu v_{k+1} - eta_k grad f(y_k),   y_0 = x_0.</pre>
 *
 * So the state's x, f and gradient are those of y_k (which tends to x_k as v tends to 0). eta_k is the
 * schedule's step of iteration k = 1, 2, ...; mu = 0.9 by default. The velocity is "nesterov.v".
 *
 * <p>There is no L1 option: the state's point is the look-ahead y_k, not the iterate a proximal step would
 * act on. For f + L1 use {@link ProximalGradient#fista}, the accelerated proximal method.
 */
public final class Nesterov extends ScheduledRule {
    private static final long serialVersionUID = 1L;

    /** mu when none is given. */
    public static final double DEFAULT_MOMENTUM = 0.9;

    static final String VELOCITY = "nesterov.v";

    private final double momentum;

    /** mu = 0.9. */
    public Nesterov(StepSchedule schedule) {
        this(schedule, DEFAULT_MOMENTUM);
    }

    /** @param momentum mu in [0, 1) */
    public Nesterov(StepSchedule schedule, double momentum) {
        super(schedule, null);
        this.momentum = HyperParameters.fraction(momentum, "momentum mu");
    }

    public double momentum() {
        return momentum;
    }

    @Override
    public String name() {
        return "nesterov";
    }

    /** The velocity v. */
    @Override
    public List<String> stateVectors() {
        return List.of(VELOCITY);
    }

    /** x holds the look-ahead point y. */
    @Override
    public void update(double[] y, double[] g, double[][] vectors, int offset, Update u, L1Penalty l1) {
        noProximalStep(l1);
        double eta = u.eta();
        double[] v = vectors[0];
        for (int i = 0; i < y.length; i++) {
            double gradientStep = eta * g[i];
            v[i] = momentum * v[i] - gradientStep;
            y[i] += momentum * v[i] - gradientStep;
        }
    }
}
