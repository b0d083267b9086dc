package dev.downhill.core.numdiff;

import dev.downhill.core.autodiff.OperationCheck;
import dev.downhill.core.custom.CustomModel;
import dev.downhill.core.custom.CustomModelException;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.model.Activations;
import dev.downhill.core.model.Model;
import dev.downhill.core.model.ParameterTensor;
import dev.downhill.core.objective.GradientAccumulator;
import dev.downhill.core.objective.LocalDataLoss;
import dev.downhill.core.sample.SeededRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The gradient check train runs before the first distributed pass: on a sample of rows held by the driver and a
 * seeded sample of parameters, the model's analytic gradient of the mean data loss f(theta) = sum_i v_i
 * l(F(theta, x_i), y_i) / sum_i v_i is compared with central differences.
 *
 * <p>Step and tolerance, after Deeplearning4j's {@code GradientCheckUtil} (deeplearning4j-nn,
 * org.deeplearning4j.gradientcheck: central differences with epsilon 1e-6, relative error |a - n| / (|a| + |n|)
 * against maxRelError 1e-3, a failure only when the absolute error also exceeds minAbsoluteError 1e-8):
 * <ul>
 *   <li>n_j = (f(theta + h e_j) - f(theta - h e_j)) / (2h) with h = 1e-6 max(1, |theta_j|): truncation
 *       h^2 f'''/6 ~ 1e-13, rounding about eps |f| / h ~ 2e-10 |f|;</li>
 *   <li>relative error r_j = |a_j - n_j| / (|a_j| + |n_j|) (0 when both are 0); coordinate j fails when
 *       r_j &gt; {@link #TOLERANCE} (1e-4: in double precision on smooth models correct gradients give 1e-7 or
 *       less, a wrong derivative gives 1e-2 or more) and |a_j - n_j| &gt; {@link #ABSOLUTE_FLOOR} max(1, |f|)
 *       (the floor, 1e-7, is some 500 times the rounding noise, so a derivative that is truly 0 does not fail on
 *       noise);</li>
 *   <li>a failing coordinate is measured again with h / 10 and fails only if it fails there too: a relu kink
 *       between theta - h and theta + h spoils one step's difference but seldom both, while a wrong derivative
 *       fails at every step.</li>
 * </ul>
 * The largest relative error over the checked coordinates is reported either way. On a failure the model's
 * user-defined operations are checked one by one ({@link OperationCheck#all}), so the message can name the
 * operation whose vector-Jacobian product disagrees with its forward.
 */
public final class ModelGradientCheck {
    public static final double STEP = 1e-6;
    public static final double TOLERANCE = 1e-4;
    public static final double ABSOLUTE_FLOOR = 1e-7;

    private ModelGradientCheck() {}

    /** One checked coordinate. */
    public record Coordinate(String tensor, int[] index, int flatIndex, double analytic, double numeric,
                             double relativeError) {
        /** "hidden.weight[3, 5]". */
        public String describe() {
            StringBuilder b = new StringBuilder(tensor).append('[');
            for (int i = 0; i < index.length; i++) {
                b.append(i == 0 ? "" : ", ").append(index[i]);
            }
            return b.append(']').toString();
        }
    }

    /** What the check found. */
    public record Result(int checked, int rows, double objective, Coordinate worst, Coordinate failure,
                         List<OperationCheck> operations) {
        public boolean passed() {
            return failure == null;
        }

        public double maxRelativeError() {
            return worst == null ? 0.0 : worst.relativeError();
        }

        /** The user-defined operations whose products disagree with their forward, worst first. */
        public List<OperationCheck> failedOperations() {
            List<OperationCheck> bad = new ArrayList<>();
            for (OperationCheck c : operations) {
                if (c.relativeError() > TOLERANCE) {
                    bad.add(c);
                }
            }
            bad.sort((x, y) -> Double.compare(y.relativeError(), x.relativeError()));
            return bad;
        }

        /** The failure, for an error message: parameter, analytic and numerical value, and the operation. */
        public String describeFailure(String modelName) {
            if (failure == null) {
                return "gradient check passed";
            }
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "gradient check failed for %s: parameter"
                    + " %s (flat index %d): analytic %.10g, numerical %.10g (central differences), relative error"
                    + " %.3e > %.0e", modelName, failure.describe(), failure.flatIndex(), failure.analytic(),
                    failure.numeric(), failure.relativeError(), TOLERANCE));
            List<OperationCheck> bad = failedOperations();
            if (!bad.isEmpty()) {
                OperationCheck op = bad.get(0);
                b.append(String.format(Locale.ROOT, ". Operation '%s' (step %d of the forward pass): its"
                        + " vectorJacobianProduct gives %.10g, central differences of its forward %.10g (relative"
                        + " error %.3e)", op.name(), op.position(), op.analytic(), op.numeric(), op.relativeError()));
            } else if (!operations.isEmpty()) {
                b.append(". Every user-defined operation's product agrees with its forward, so look at the forward"
                        + " pass itself (a parameter read outside the tape, or state kept between calls)");
            }
            return b.toString();
        }
    }

    /**
     * Checks the gradient at {@code theta} on {@code blocks}, at most {@code maxParameters} coordinates chosen
     * with {@code seed} (at least one, and up to an equal share, from every tensor). A model that throws on the
     * rows is a {@link CustomModelException} of kind THREW_ON_DATA (custom models) or the exception itself.
     */
    public static Result check(Model model, Loss loss, List<? extends DataBlock> blocks, double[] theta, long seed,
                               int maxParameters) {
        String name = model.architecture().describe();
        LocalDataLoss data = new LocalDataLoss(blocks, model, loss);
        double[] analytic = new double[model.numParameters()];
        GradientAccumulator acc = guarded(model, () -> data.evaluate(theta, true));
        acc.meanGradient(analytic);
        double f = acc.meanLoss();
        if (!Double.isFinite(f)) {
            throw new CustomModelException(CustomModelException.Kind.THREW_ON_DATA, name, "model " + name
                    + " gives a non-finite loss (" + f + ") on the gradient check's rows at its starting parameters",
                    null);
        }
        double[] x = theta.clone();
        Coordinate worst = null;
        Coordinate failure = null;
        int checked = 0;
        for (int j : sample(model.tensors(), seed, maxParameters)) {
            double numeric = difference(model, data, x, j, STEP);
            double err = relativeError(analytic[j], numeric);
            if (fails(analytic[j], numeric, err, f)) {
                double again = difference(model, data, x, j, STEP / 10);
                double err2 = relativeError(analytic[j], again);
                if (!fails(analytic[j], again, err2, f)) {
                    numeric = again; // a kink crossed by the larger step only
                    err = err2;
                }
            }
            Coordinate c = coordinate(model.tensors(), j, analytic[j], numeric, err);
            checked++;
            if (worst == null || err > worst.relativeError()) {
                worst = c;
            }
            if (failure == null && fails(analytic[j], numeric, err, f)) {
                failure = c;
            }
        }
        List<OperationCheck> ops = List.of();
        if (model instanceof CustomModel custom && !blocks.isEmpty()) {
            Activations act = custom.newActivations(blocks.get(0).numRows());
            guarded(model, () -> {
                custom.forward(theta, blocks.get(0), act);
                return null;
            });
            ops = custom.checkOperations(act, seed);
        }
        long rows = 0;
        for (DataBlock b : blocks) {
            rows += b.numRows();
        }
        return new Result(checked, (int) rows, f, worst, failure, ops);
    }

    static double relativeError(double a, double n) {
        double d = Math.abs(a - n);
        if (d == 0.0) {
            return 0.0;
        }
        double r = d / (Math.abs(a) + Math.abs(n));
        return Double.isNaN(r) ? Double.POSITIVE_INFINITY : r;
    }

    private static boolean fails(double a, double n, double err, double f) {
        return err > TOLERANCE && !(Math.abs(a - n) <= ABSOLUTE_FLOOR * Math.max(1.0, Math.abs(f)));
    }

    private static double difference(Model model, LocalDataLoss data, double[] x, int j, double step) {
        double xj = x[j];
        double h = step * Math.max(1.0, Math.abs(xj));
        try {
            x[j] = xj + h;
            double up = guarded(model, () -> data.evaluate(x, false)).meanLoss();
            x[j] = xj - h;
            double down = guarded(model, () -> data.evaluate(x, false)).meanLoss();
            return (up - down) / (2 * h);
        } finally {
            x[j] = xj;
        }
    }

    /** Flat indices to check: per tensor, a seeded sample without replacement of up to its share. */
    static int[] sample(List<ParameterTensor> tensors, long seed, int maxParameters) {
        int share = Math.max(1, maxParameters / Math.max(1, tensors.size()));
        List<Integer> out = new ArrayList<>();
        for (int t = 0; t < tensors.size(); t++) {
            ParameterTensor p = tensors.get(t);
            int size = p.size();
            int take = Math.min(size, share);
            // Partial Fisher-Yates over the tensor's indices: the first `take` of a seeded permutation.
            int[] idx = new int[size];
            for (int i = 0; i < size; i++) {
                idx[i] = i;
            }
            SeededRandom rng = SeededRandom.of(seed, 0x6EAD_C8EC_0000_0001L, t);
            for (int i = 0; i < take; i++) {
                int k = i + rng.nextInt(size - i);
                int tmp = idx[i];
                idx[i] = idx[k];
                idx[k] = tmp;
                out.add(p.offset() + idx[i]);
            }
        }
        int[] a = out.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(a);
        return a;
    }

    private static Coordinate coordinate(List<ParameterTensor> tensors, int j, double a, double n, double err) {
        for (ParameterTensor t : tensors) {
            if (j >= t.offset() && j < t.offset() + t.size()) {
                int[] shape = t.shape();
                int[] index = new int[shape.length];
                int rest = j - t.offset();
                for (int d = shape.length - 1; d >= 0; d--) {
                    index[d] = rest % shape[d];
                    rest /= shape[d];
                }
                return new Coordinate(t.name(), index, j, a, n, err);
            }
        }
        return new Coordinate("theta", new int[] {j}, j, a, n, err);
    }

    private interface Call<T> {
        T run();
    }

    /** Runs model code; a custom model's exception becomes a {@link CustomModelException} naming its class. */
    private static <T> T guarded(Model model, Call<T> call) {
        try {
            return call.run();
        } catch (CustomModelException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            if (!(model instanceof CustomModel)) {
                throw e;
            }
            String name = model.getClass().getName();
            throw new CustomModelException(CustomModelException.Kind.THREW_ON_DATA, name, "model class " + name
                    + " threw on the data (gradient check's rows, before training): " + e, e);
        }
    }
}
