package dev.downhill.core.objective;

/**
 * f(theta) = (1/N) sum_i v_i l_i(theta) + (lambda/2) ||w||^2: a data term (local or distributed) plus the
 * L2 penalty, which is added here, once, after aggregation.
 */
public final class RegularizedObjective implements DifferentiableFunction {
    private final DataLoss data;
    private final L2Penalty penalty;

    public RegularizedObjective(DataLoss data, L2Penalty penalty) {
        this.data = data;
        this.penalty = penalty;
    }

    @Override
    public int dimension() {
        return data.numParameters();
    }

    @Override
    public double valueAndGradient(double[] x, double[] gradient) {
        GradientAccumulator acc = data.evaluate(x, true);
        acc.meanGradient(gradient);
        penalty.addGradient(x, gradient);
        return acc.meanLoss() + penalty.value(x);
    }

    @Override
    public double value(double[] x) {
        return data.evaluate(x, false).meanLoss() + penalty.value(x);
    }
}
