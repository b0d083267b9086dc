package dev.downhill.core.custom;

import dev.downhill.core.sample.SeededRandom;
import java.io.Serializable;

/**
 * How a declared parameter tensor starts. Fan-in and fan-out of a tensor of shape [out, in, ...] are
 * in x (the rest) and out x (the rest), as PyTorch's {@code _calculate_fan_in_and_fan_out} takes them; a vector
 * of shape [n] has fan-in and fan-out n.
 * <ul>
 *   <li>{@link #zeros()}, {@link #constant(double)};</li>
 *   <li>{@link #normal(double)}: N(0, std^2);</li>
 *   <li>{@link #he()}: N(0, 2 / fan_in) (He, Zhang, Ren and Sun, "Delving deep into rectifiers", ICCV 2015),
 *       for relu-like activations;</li>
 *   <li>{@link #glorot()}: U(-a, a), a = sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, "Understanding the
 *       difficulty of training deep feedforward neural networks", AISTATS 2010), for tanh and sigmoid.</li>
 * </ul>
 * Draws come from a {@link SeededRandom} the model gives each tensor (a function of the seed and the tensor's
 * position only); normal draws use Box-Muller with {@link StrictMath}, so the bits are the same everywhere.
 */
public abstract class Init implements Serializable {
    private static final long serialVersionUID = 1L;

    private Init() {}

    /** Fills {@code count} values at {@code theta[offset..]} for a tensor of the given shape. */
    abstract void fill(double[] theta, int offset, int[] shape, SeededRandom rng);

    /** For messages: "he", "normal(0.01)". */
    public abstract String describe();

    public static Init zeros() {
        return constant(0.0);
    }

    public static Init constant(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("constant initialization must be finite, got " + value);
        }
        return new Init() {
            @Override
            void fill(double[] theta, int offset, int[] shape, SeededRandom rng) {
                java.util.Arrays.fill(theta, offset, offset + size(shape), value);
            }

            @Override
            public String describe() {
                return value == 0.0 ? "zeros" : "constant(" + value + ")";
            }
        };
    }

    public static Init normal(double std) {
        if (!(std >= 0.0) || Double.isInfinite(std)) {
            throw new IllegalArgumentException("normal initialization needs a finite std >= 0, got " + std);
        }
        return new Init() {
            @Override
            void fill(double[] theta, int offset, int[] shape, SeededRandom rng) {
                gaussian(theta, offset, size(shape), std, rng);
            }

            @Override
            public String describe() {
                return "normal(" + std + ")";
            }
        };
    }

    public static Init he() {
        return new Init() {
            @Override
            void fill(double[] theta, int offset, int[] shape, SeededRandom rng) {
                gaussian(theta, offset, size(shape), StrictMath.sqrt(2.0 / Math.max(fanIn(shape), 1)), rng);
            }

            @Override
            public String describe() {
                return "he";
            }
        };
    }

    public static Init glorot() {
        return new Init() {
            @Override
            void fill(double[] theta, int offset, int[] shape, SeededRandom rng) {
                double a = StrictMath.sqrt(6.0 / Math.max(fanIn(shape) + fanOut(shape), 1));
                int n = size(shape);
                for (int p = 0; p < n; p++) {
                    theta[offset + p] = a * (2.0 * rng.nextDouble() - 1.0);
                }
            }

            @Override
            public String describe() {
                return "glorot";
            }
        };
    }

    static int size(int[] shape) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        return Math.toIntExact(n);
    }

    static long fanIn(int[] shape) {
        if (shape.length < 2) {
            return shape.length == 0 ? 1 : shape[0];
        }
        long n = 1;
        for (int i = 1; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    static long fanOut(int[] shape) {
        if (shape.length < 2) {
            return shape.length == 0 ? 1 : shape[0];
        }
        long n = shape[0];
        for (int i = 2; i < shape.length; i++) {
            n *= shape[i];
        }
        return n;
    }

    private static void gaussian(double[] theta, int offset, int count, double std, SeededRandom rng) {
        for (int p = 0; p < count; p += 2) {
            // Box-Muller: two independent N(0, 1) from two uniforms; 1 - u keeps the log finite.
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(1.0 - rng.nextDouble()));
            double angle = 2.0 * StrictMath.PI * rng.nextDouble();
            theta[offset + p] = std * r * StrictMath.cos(angle);
            if (p + 1 < count) {
                theta[offset + p + 1] = std * r * StrictMath.sin(angle);
            }
        }
    }
}
