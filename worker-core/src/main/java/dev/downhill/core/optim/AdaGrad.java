package dev.downhill.core.optim;

import dev.downhill.core.objective.L1Penalty;
import java.util.List;

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
 *
 * <p>With an optional L1 penalty h = sum_j c_j |x_j| the step is the paper's composite mirror descent
 * update for l1: soft-thresholding in the same per-coordinate metric, with H_j = delta + sqrt(G_{k,j}),
 *
 * <pre>  x_{k+1,j} = S_{eta_k c_j / H_j}(x_{k,j} - eta_k g_{k,j} / H_j),   S_tau(v) = sign(v) max(|v| - tau, 0),</pre>
 *
 * and {@link #stationarity} and {@link #objective} measure f + h.
 */
public final class AdaGrad extends ScheduledRule {
    private static final long serialVersionUID = 1L;
    /** delta when none is given. */
    public static final double DEFAULT_DELTA = 1e-10;

    static final String SUM_SQUARES = "adagrad.sumSquares";

    private final double delta;

    /** delta = 1e-10. */
    public AdaGrad(StepSchedule schedule) {
        this(schedule, DEFAULT_DELTA, null);
    }

    /** @param delta added to sqrt(G); positive and finite */
    public AdaGrad(StepSchedule schedule, double delta) {
        this(schedule, delta, null);
    }

    /**
     * @param delta added to sqrt(G); positive and finite
     * @param l1 the L1 penalty to apply by its proximal map, or null for none
     */
    public AdaGrad(StepSchedule schedule, double delta, L1Penalty l1) {
        super(schedule, l1);
        this.delta = HyperParameters.positive(delta, "AdaGrad delta");
    }

    public double delta() {
        return delta;
    }

    @Override
    public String name() {
        return "adagrad";
    }

    /** The sum of squared gradients G. */
    @Override
    public List<String> stateVectors() {
        return List.of(SUM_SQUARES);
    }

    @Override
    public void update(double[] x, double[] g, double[][] vectors, int offset, Update u, L1Penalty l1) {
        double eta = u.eta();
        double[] sumSquares = vectors[0];
        for (int i = 0; i < x.length; i++) {
            sumSquares[i] += g[i] * g[i];
            double scale = delta + Math.sqrt(sumSquares[i]);
            x[i] -= eta * g[i] / scale;
            if (l1 != null) {
                x[i] = SoftThreshold.apply(x[i], eta * l1.weight(offset + i) / scale);
            }
        }
    }
}
