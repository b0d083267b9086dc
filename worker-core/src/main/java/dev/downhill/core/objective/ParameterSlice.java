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
        return linearCombination(coefficients, slices, Term.each(slices.length));
    }

    /**
     * A vector read from stored slices without a slice of its own: {@code stored[inputs[0]]} itself
     * ({@code coefficients} null), or sum_k c_k stored[inputs[k]], each entry formed as
     * {@link #linearCombination} forms it, chunk by chunk where it is read (an L-BFGS pair s = x_new - x kept as
     * the iterates it is the difference of).
     */
    public record Term(double[] coefficients, int[] inputs) implements java.io.Serializable {
        public Term {
            if (coefficients == null ? inputs.length != 1 : coefficients.length != inputs.length
                    || inputs.length == 0) {
                throw new IllegalArgumentException("a term of " + inputs.length + " inputs");
            }
        }

        /** stored[i] itself. */
        public static Term stored(int i) {
            return new Term(null, new int[] {i});
        }

        /** stored[0], ..., stored[n - 1] themselves. */
        public static Term[] each(int n) {
            Term[] t = new Term[n];
            for (int i = 0; i < n; i++) {
                t[i] = stored(i);
            }
            return t;
        }
    }

    /** One chunk of each term: the array holding it and where it starts (a term formed into its own buffer). */
    private static final class Chunks {
        final double[][] arrays;
        final int[] offsets;
        private final double[][] buffers;

        Chunks(Term[] terms) {
            arrays = new double[terms.length][];
            offsets = new int[terms.length];
            buffers = new double[terms.length][];
            for (int t = 0; t < terms.length; t++) {
                if (terms[t].coefficients() != null) {
                    buffers[t] = new double[CHUNK];
                }
            }
        }

        void load(double[][] stored, Term[] terms, int start, int length) {
            for (int t = 0; t < terms.length; t++) {
                Term term = terms[t];
                if (term.coefficients() == null) {
                    arrays[t] = stored[term.inputs()[0]];
                    offsets[t] = start;
                    continue;
                }
                double[] b = buffers[t];
                double c0 = term.coefficients()[0];
                double[] x0 = stored[term.inputs()[0]];
                for (int i = 0; i < length; i++) {
                    b[i] = c0 * x0[start + i];
                }
                for (int k = 1; k < term.inputs().length; k++) {
                    double c = term.coefficients()[k];
                    double[] x = stored[term.inputs()[k]];
                    for (int i = 0; i < length; i++) {
                        b[i] += c * x[start + i];
                    }
                }
                arrays[t] = b;
                offsets[t] = 0;
            }
        }
    }

    /** The slices' common length (each checked). */
    private static int length(double[][] stored) {
        int n = stored[0].length;
        for (double[] v : stored) {
            if (v.length != n) {
                throw new IllegalArgumentException(v.length + " entries against " + n);
            }
        }
        return n;
    }

    /**
     * sum_k c_k t_k over {@code terms} of the {@code stored} slices, per entry ((c_0 t_0) + c_1 t_1) + ..., chunk by
     * chunk: the bits of forming each term, then {@link #linearCombination} of them.
     */
    public static double[] linearCombination(double[] coefficients, double[][] stored, Term[] terms) {
        if (coefficients.length != terms.length) {
            throw new IllegalArgumentException(coefficients.length + " coefficients for " + terms.length + " terms");
        }
        int n = length(stored);
        double[] out = new double[n];
        Chunks chunks = new Chunks(terms);
        for (int start = 0; start < n; start += CHUNK) {
            int length = Math.min(CHUNK, n - start);
            chunks.load(stored, terms, start, length);
            double c0 = coefficients[0];
            double[] x0 = chunks.arrays[0];
            int o0 = chunks.offsets[0];
            for (int i = 0; i < length; i++) {
                out[start + i] = c0 * x0[o0 + i];
            }
            for (int k = 1; k < terms.length; k++) {
                double c = coefficients[k];
                double[] x = chunks.arrays[k];
                int o = chunks.offsets[k];
                for (int i = 0; i < length; i++) {
                    out[start + i] += c * x[o + i];
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
     * x[a] . x[b] for each pair (a, b) of {@code pairs}, each over one slice in a fixed order: the sum of each chunk
     * of {@link #CHUNK} entries as {@link Kernels#dot} forms it (sixteen partial sums, the same bits with or without
     * SIMD), the chunks' sums added left to right (a single running sum waits one add latency an entry). One pass:
     * chunk by chunk, every pair's chunk sum while the vectors' chunks are in cache, so each vector is read from
     * memory once however many products it enters.
     */
    public static double[] dots(double[][] x, int[][] pairs) {
        return dots(x, Term.each(x.length), pairs);
    }

    /**
     * t[a] . t[b] for each pair (a, b) of {@code pairs} over {@code terms} of the {@code stored} slices: the bits of
     * forming each term and then {@link #dots(double[][], int[][])}, in one pass over the chunks (a term's chunk
     * formed once for all the pairs it enters).
     */
    public static double[] dots(double[][] stored, Term[] terms, int[][] pairs) {
        int n = length(stored);
        double[] out = new double[pairs.length];
        Chunks chunks = new Chunks(terms);
        for (int start = 0; start < n; start += CHUNK) {
            int length = Math.min(CHUNK, n - start);
            chunks.load(stored, terms, start, length);
            for (int k = 0; k < pairs.length; k++) {
                int a = pairs[k][0];
                int b = pairs[k][1];
                out[k] += Kernels.dot(chunks.arrays[a], chunks.offsets[a], chunks.arrays[b], chunks.offsets[b],
                        length);
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
