package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;

/**
 * Diagonal AdaGrad (Duchi, Hazan and Singer, "Adaptive subgradient methods for online learning and
 * stochastic optimization", JMLR 12, 2011, Figure 1 with H_t = delta I + diag(s_t)):
 *
 * <pre>  G_k = G_{k-1} + g_k^2,   x_{k+1} = x_k - eta_k g_k / (delta + sqrt(G_k)),   G_0 = 0,</pre>
 *
 * elementwise, with g_k = grad f(x_k) and eta_k the schedule's step of iteration k = 1, 2, .... The
 * paper leaves delta > 0 free; the default 1e-10 is PyTorch's (torch.optim.Adagrad), and it only keeps
 * the division finite for a coordinate whose gradients have all been 0. With eta_k = eta constant, the
 * paper's Theorem 5 bounds the regret by (D_inf^2 / (2 eta)) sum_j ||g_{1:T,j}|| + eta sum_j ||g_{1:T,j}||
 * (plus (delta d D_inf^2) / (2 eta)), D_inf = max_k ||x_k - u||_inf. The sum G is "adagrad.sumSquares".
 */
public final class AdaGrad implements Optimizer {
    /** delta when none is given. */
    public static final double DEFAULT_DELTA = 1e-10;

    static final String SUM_SQUARES = "adagrad.sumSquares";

    private final StepSchedule schedule;
    private final double delta;

    /** delta = 1e-10. */
    public AdaGrad(StepSchedule schedule) {
        this(schedule, DEFAULT_DELTA);
    }

    /** @param delta added to sqrt(G); positive and finite */
    public AdaGrad(StepSchedule schedule, double delta) {
        if (schedule == null) {
            throw new IllegalArgumentException("step schedule must not be null");
        }
        this.schedule = schedule;
        this.delta = HyperParameters.positive(delta, "AdaGrad delta");
    }

    public double delta() {
        return delta;
    }

    public StepSchedule schedule() {
        return schedule;
    }

    @Override
    public String name() {
        return "adagrad";
    }

    @Override
    public boolean step(DifferentiableFunction f, OptimizerState state) {
        double eta = schedule.step(state.iteration() + 1);
        double[] x = state.x();
        double[] g = state.gradient();
        double[] sumSquares = Moments.vector(state, SUM_SQUARES);
        for (int j = 0; j < x.length; j++) {
            sumSquares[j] += g[j] * g[j];
            x[j] -= eta * g[j] / (delta + Math.sqrt(sumSquares[j]));
        }
        state.setValue(f.valueAndGradient(x, g));
        state.addEvaluations(1);
        state.setLastStepSize(eta);
        state.setIteration(state.iteration() + 1);
        return true;
    }
}
