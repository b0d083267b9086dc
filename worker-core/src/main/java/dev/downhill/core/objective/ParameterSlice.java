package dev.downhill.core.objective;

import dev.downhill.core.linalg.Kernels;

/**
 * The per-slice arithmetic of a parameter vector split into contiguous slices (a sharded run keeps slice s,
 * global indices [offset, offset + length), on one executor). Each function does on a slice exactly what the
 * whole-vector code does on those entries, in the same order, so a sharded objective has the same bits entry
 * by entry: the gradient g_i = (sum_r v_r dl_r/dtheta_i) / N + lambda theta_i (penalized i), and the L2 value
 * (lambda / 2) sum_s q_s with q_s a slice's sum of penalized squares.
 */
public final class ParameterSlice {
    private ParameterSlice() {}

    /** The entries of {@code slice} at {@code offsets} (sorted positions within the slice). */
    public static double[] gather(double[] slice, int[] offsets) {
        double[] out = new double[offsets.length];
        for (int i = 0; i < offsets.length; i++) {
            out[i] = slice[offsets[i]];
        }
        return out;
    }

    /** sum[offsets[i]] += piece[i]: one partition's partial gradient added into a slice's sum. */
    public static void addScattered(double[] sum, int[] offsets, double[] piece) {
        for (int i = 0; i < offsets.length; i++) {
            sum[offsets[i]] += piece[i];
        }
    }

    /**
     * The objective's gradient on a slice: the mean data gradient sum_i / N ({@link GradientAccumulator#meanGradient})
     * plus the L2 term ({@link L2Penalty#addGradient}) on the penalized entries, theta the slice's parameters.
     */
    public static double[] objectiveGradient(double[] gradientSum, double weightSum, L2Penalty penalty,
                                             double[] theta, long offset) {
        double inv = 1.0 / weightSum;
        double[] g = new double[gradientSum.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = gradientSum[i] * inv;
        }
        penalty.addGradient(theta, g, offset);
        return g;
    }

    /**
     * Entries a chunk of {@link #linearCombination} and {@link #dots} covers: 16 KiB of each vector, so the chunks of
     * the 2m + 1 vectors of an L-BFGS direction (m = 10) stay in a 1 MiB L2 cache while every one is read.
     */
    static final int CHUNK = 2048;

    /**
     * sum_k c_k x_k over the slices x_k of the combined vectors, per entry ((c_0 x_0) + c_1 x_1) + ....
     * Chunk by chunk, so the sum being formed stays in cache instead of streaming through memory once a vector;
     * each entry's operations are the same either way.
     */
    public static double[] linearCombination(double[] coefficients, double[][] slices) {
        double[] out = new double[slices[0].length];
        for (int start = 0; start < out.length; start += CHUNK) {
            int end = Math.min(out.length, start + CHUNK);
            double c0 = coefficients[0];
            double[] x0 = slices[0];
            for (int i = start; i < end; i++) {
                out[i] = c0 * x0[i];
            }
            for (int k = 1; k < slices.length; k++) {
                double c = coefficients[k];
                double[] x = slices[k];
                for (int i = start; i < end; i++) {
                    out[i] += c * x[i];
                }
            }
        }
        return out;
    }

    /** sum_i |x_i| over one slice. */
    public static double norm1(double[] x) {
        double s = 0.0;
        for (double v : x) {
            s += Math.abs(v);
        }
        return s;
    }

    /**
     * Whether moving from x + t d by up to {@code width} along d changes no entry of the slice beyond rounding:
     * |width d_j| <= eps |x_j + t d_j|, eps = Math.ulp(1.0) (the line search's give-up test, slice by slice).
     */
    public static boolean changesNothing(double[] x, double[] d, double t, double width) {
        for (int j = 0; j < x.length; j++) {
            if (Math.abs(width * d[j]) > Math.ulp(1.0) * Math.abs(x[j] + t * d[j])) {
                return false;
            }
        }
        return true;
    }

    /**
     * x . y over one slice, in a fixed order: the sum of each chunk of {@link #CHUNK} entries as
     * {@link Kernels#dot} forms it (sixteen partial sums, the same bits with or without SIMD), the chunks' sums
     * added left to right. A single running sum waits one add latency an entry, and this is most of what a
     * sharded L-BFGS iteration computes on its slices.
     */
    public static double dot(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException(x.length + " entries against " + y.length);
        }
        double s = 0.0;
        for (int start = 0; start < x.length; start += CHUNK) {
            s += Kernels.dot(x, start, y, start, Math.min(CHUNK, x.length - start));
        }
        return s;
    }

    /**
     * x[a] . x[b] for each pair (a, b) of {@code pairs}, each with the bits of {@link #dot}, in one pass: chunk by
     * chunk, every pair's chunk sum while the vectors' chunks are in cache, so each vector is read from memory
     * once however many products it enters.
     */
    public static double[] dots(double[][] x, int[][] pairs) {
        int n = x[0].length;
        for (double[] v : x) {
            if (v.length != n) {
                throw new IllegalArgumentException(v.length + " entries against " + n);
            }
        }
        double[] out = new double[pairs.length];
        for (int start = 0; start < n; start += CHUNK) {
            int length = Math.min(CHUNK, n - start);
            for (int k = 0; k < pairs.length; k++) {
                out[k] += Kernels.dot(x[pairs[k][0]], start, x[pairs[k][1]], start, length);
            }
        }
        return out;
    }

    /**
     * The objective's value from the aggregated scalars: sum_i v_i l_i / N ({@link GradientAccumulator#meanLoss})
     * plus the L2 penalty of the slices' sums of penalized squares {@code squares}, added in slice order.
     */
    public static double objectiveValue(double lossSum, double weightSum, L2Penalty penalty, double[] squares) {
        if (!(weightSum > 0.0)) {
            throw new IllegalStateException("no rows with positive weight were accumulated (weight sum "
                    + weightSum + ")");
        }
        double q = 0.0;
        for (double s : squares) {
            q += s;
        }
        return lossSum / weightSum + penalty.valueOfSumOfSquares(q);
    }
}
