package dev.downhill.core.data;

import dev.downhill.core.linalg.Gemm;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The weighted mean and covariance of the features, in one pass that does not lose the covariance's digits
 * to large means:
 * <pre>
 *   V = sum_i v_i,     m = (1/V) sum_i v_i x_i,     C = (1/V) sum_i v_i (x_i - m)(x_i - m)^T
 * </pre>
 * (instance weights v_i as in the objective's weighted mean). Each block contributes its own mean and its
 * co-moments about that mean; blocks and partitions are combined with the pairwise update of Chan, Golub
 * and LeVeque (1979): V = V_a + V_b, m = m_a + (V_b / V)(m_b - m_a), S = S_a + S_b + (V_a V_b / V) e e^T with
 * e = m_b - m_a. Summing x x^T and subtracting m m^T at the end would cancel catastrophically when
 * |mean| >> deviation. Only the upper triangle is kept; a dense row costs d^2 / 2 products, so callers keep d
 * small. This is what {@code Whitening} preconditions with.
 *
 * <p>Two ways to form a block's co-moments, chosen by the block alone (its layout, d and fill), so every split of
 * the work makes the same choice for the same block:
 * <ul>
 * <li>dense ({@link #densePays}): the block's rows in chunks of {@link #CHUNK_ROWS} (chunk q holds rows
 * [q CHUNK_ROWS, (q + 1) CHUNK_ROWS) of the block), each written out dense as A with a_ij = sqrt(v_i)(x_ij - m_j),
 * m the chunk's weighted mean, and S_chunk = A^T A by {@link Gemm} (upper triangle, in column panels); each chunk
 * then enters the total by the pairwise update. About 10 to 14 times the multiply-adds per second of the
 * scattered loop below, and centered at the chunk's mean, so no digits go to large means.</li>
 * <li>sparse: the products over each row's stored values only (s^2 / 2 scattered multiply-adds for s stored
 * values), about the block's mean; what pays when few values are stored (d wide, fill low).</li>
 * </ul>
 */
public final class FeatureCovariance implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Rows per dense chunk: one k-slice of {@link Gemm}'s packing (256), so A^T A is one pass of its kernel. */
    static final int CHUNK_ROWS = 256;
    /** Rows of C per Gemm call for the upper triangle: Gemm's row block (96), little work below the diagonal. */
    private static final int PANEL_ROWS = 96;
    /**
     * Multiply-adds per second of the Gemm pass over those of the scattered sparse loop, measured with
     * {@code CovarianceRate ratio:} (bench sources; d = 784, one thread): 14 on 8,000 MNIST rows (fill 0.19, the
     * Gemm pass 1.9 times slower), 10 to 12 on the race's image rows (fill 0.5, 2.5 to 3 times faster). The Gemm
     * pass pays from a fill of 1 / sqrt(DENSE_SPEEDUP), 0.29, on.
     */
    static final double DENSE_SPEEDUP = 12;

    private final int d;
    private double weightSum;
    private final double[] mean;
    /** Upper triangle of S = sum v (x - m)(x - m)^T, row-major d x d. */
    private final double[] comoments;
    /** One block's co-moments, reused from block to block; never shipped. */
    private transient double[] scratch;

    public FeatureCovariance(int numFeatures) {
        this.d = numFeatures;
        this.mean = new double[d];
        this.comoments = new double[d * d];
    }

    public void add(DataBlock block) {
        if (block.numFeatures() != d) {
            throw new IllegalArgumentException("block has " + block.numFeatures() + " features, not " + d);
        }
        double blockWeight = 0;
        for (int i = 0; i < block.numRows(); i++) {
            blockWeight += block.weight(i);
        }
        if (!(blockWeight > 0)) {
            return;
        }
        if (densePays(block)) {
            double[] v = new double[block.numRows()];
            for (int i = 0; i < v.length; i++) {
                v[i] = block.weight(i);
            }
            addEach(block, new double[][] {v}, new FeatureCovariance[] {this});
            return;
        }
        double[] blockMean = new double[d];
        block.addMoments(blockMean, new double[d]);
        for (int j = 0; j < d; j++) {
            blockMean[j] /= blockWeight;
        }
        // One d x d scratch per accumulator, not per block: d may be a thousand.
        if (scratch == null) {
            scratch = new double[d * d];
        } else {
            java.util.Arrays.fill(scratch, 0.0);
        }
        block.addOuterProducts(blockMean, scratch);
        combine(blockWeight, blockMean, scratch);
    }

    /**
     * Adds the block's rows with the weights {@code rowWeights} (one per row, finite and >= 0) in place of the
     * block's own: V, m and C then weigh row i by rowWeights[i]. Used for the curvature-weighted covariance of
     * {@code CurvatureCovariance}. Sparse pass: each row is copied dense (O(d)) and multiplied over its non-zeros
     * only.
     */
    public void add(DataBlock block, double[] rowWeights) {
        checkRowWeights(block, rowWeights);
        if (densePays(block)) {
            addEach(block, new double[][] {rowWeights}, new FeatureCovariance[] {this});
            return;
        }
        int n = block.numRows();
        double blockWeight = 0;
        double[] sum = new double[d];
        double[] row = new double[d];
        int[] nonZero = new int[d];
        if (scratch == null) {
            scratch = new double[d * d];
        } else {
            java.util.Arrays.fill(scratch, 0.0);
        }
        for (int i = 0; i < n; i++) {
            double v = rowWeights[i];
            if (v == 0) {
                continue;
            }
            blockWeight += v;
            java.util.Arrays.fill(row, 0.0);
            block.axpy(i, 1.0, row, 0);
            int count = 0;
            for (int j = 0; j < d; j++) {
                if (row[j] != 0) {
                    nonZero[count++] = j;
                }
            }
            for (int q = 0; q < count; q++) {
                int j = nonZero[q];
                double a = v * row[j];
                sum[j] += a;
                for (int r = q; r < count; r++) {
                    scratch[j * d + nonZero[r]] += a * row[nonZero[r]];
                }
            }
        }
        if (!(blockWeight > 0)) {
            return;
        }
        double[] blockMean = new double[d];
        for (int j = 0; j < d; j++) {
            blockMean[j] = sum[j] / blockWeight;
        }
        DataBlock.recenter(scratch, sum, blockWeight, blockMean);
        combine(blockWeight, blockMean, scratch);
    }

    /**
     * For each t, {@code into[t].add(block, rowWeights[t])}, with the same bits; on the dense pass each chunk is
     * written out once for all t (only the centering and the weights differ), so K per-class matrices cost K
     * Gram products, not K times the reading of the rows.
     */
    public static void addEach(DataBlock block, double[][] rowWeights, FeatureCovariance[] into) {
        if (rowWeights.length != into.length) {
            throw new IllegalArgumentException(rowWeights.length + " weight vectors for " + into.length + " targets");
        }
        for (int t = 0; t < into.length; t++) {
            into[t].checkRowWeights(block, rowWeights[t]);
        }
        if (into.length == 0 || !densePays(block)) {
            for (int t = 0; t < into.length; t++) {
                into[t].add(block, rowWeights[t]);
            }
            return;
        }
        int d = block.numFeatures();
        int n = block.numRows();
        double[] x = new double[Math.min(n, CHUNK_ROWS) * d];
        double[] a = new double[x.length];
        double[] chunkMean = new double[d];
        double[] gram = new double[d * d];
        for (int from = 0; from < n; from += CHUNK_ROWS) {
            int rows = Math.min(CHUNK_ROWS, n - from);
            Arrays.fill(x, 0, rows * d, 0.0);
            for (int r = 0; r < rows; r++) {
                block.axpy(from + r, 1.0, x, r * d);
            }
            for (int t = 0; t < into.length; t++) {
                double[] v = rowWeights[t];
                double chunkWeight = 0;
                Arrays.fill(chunkMean, 0.0);
                for (int r = 0; r < rows; r++) {
                    double w = v[from + r];
                    chunkWeight += w;
                    for (int j = 0; j < d; j++) {
                        chunkMean[j] += w * x[r * d + j];
                    }
                }
                if (!(chunkWeight > 0)) {
                    continue;
                }
                for (int j = 0; j < d; j++) {
                    chunkMean[j] /= chunkWeight;
                }
                for (int r = 0; r < rows; r++) {
                    double root = Math.sqrt(v[from + r]);
                    for (int j = 0; j < d; j++) {
                        a[r * d + j] = root * (x[r * d + j] - chunkMean[j]);
                    }
                }
                Arrays.fill(gram, 0.0);
                addUpperGram(rows, d, a, gram);
                into[t].combine(chunkWeight, chunkMean, gram);
            }
        }
    }

    /**
     * Whether the dense pass (chunks through {@link Gemm}) is faster for this block than the sparse one: always
     * for a dense layout; for CSR when the fill f = s / d (s stored values a row) has f^2 {@link #DENSE_SPEEDUP}
     * &gt; 1, the dense pass doing d^2 / 2 multiply-adds a row against the sparse one's s^2 / 2 (sum s_i^2 is at
     * least n s^2, so this errs towards the sparse pass). Depends on the block only.
     */
    static boolean densePays(DataBlock block) {
        if (block.isDense()) {
            return true;
        }
        int n = block.numRows();
        if (n == 0) {
            return false;
        }
        double fill = (double) block.storedValues() / n / block.numFeatures();
        return fill * fill * DENSE_SPEEDUP > 1;
    }

    /** The upper triangle of S += A^T A for the n x d row-major A, Gemm on column panels [r0, r0 + 96) x [r0, d). */
    private static void addUpperGram(int n, int d, double[] a, double[] s) {
        for (int r0 = 0; r0 < d; r0 += PANEL_ROWS) {
            int m = Math.min(PANEL_ROWS, d - r0);
            Gemm.transposedMultiplyAdd(m, d - r0, n, a, r0, d, a, r0, d, s, r0 * d + r0, d);
        }
    }

    private void checkRowWeights(DataBlock block, double[] rowWeights) {
        if (block.numFeatures() != d) {
            throw new IllegalArgumentException("block has " + block.numFeatures() + " features, not " + d);
        }
        int n = block.numRows();
        if (rowWeights.length < n) {
            throw new IllegalArgumentException(rowWeights.length + " row weights for " + n + " rows");
        }
        for (int i = 0; i < n; i++) {
            double v = rowWeights[i];
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("row weight " + v + " at row " + i);
            }
        }
    }

    /** Adds {@code other} into this one and returns this. */
    public FeatureCovariance merge(FeatureCovariance other) {
        if (other.d != d) {
            throw new IllegalArgumentException("feature counts differ: " + d + " vs " + other.d);
        }
        combine(other.weightSum, other.mean, other.comoments);
        return this;
    }

    /** The pairwise update with a part of weight V_b, mean m_b and co-moments S_b (upper triangle). */
    private void combine(double otherWeight, double[] otherMean, double[] otherComoments) {
        if (!(otherWeight > 0)) {
            return;
        }
        double total = weightSum + otherWeight;
        double cross = weightSum * otherWeight / total;
        double[] e = new double[d];
        for (int j = 0; j < d; j++) {
            e[j] = otherMean[j] - mean[j];
        }
        for (int j = 0; j < d; j++) {
            for (int l = j; l < d; l++) {
                comoments[j * d + l] += otherComoments[j * d + l] + cross * e[j] * e[l];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] += otherWeight / total * e[j];
        }
        weightSum = total;
    }

    /** V, the total weight of the rows added. */
    public double weightSum() {
        return weightSum;
    }

    public int numFeatures() {
        return d;
    }

    public double[] mean() {
        return mean.clone();
    }

    /** C as a full symmetric row-major d x d array (zeros when no weight was seen). */
    public double[] covariance() {
        double[] c = new double[d * d];
        if (weightSum > 0) {
            for (int j = 0; j < d; j++) {
                for (int l = j; l < d; l++) {
                    double v = comoments[j * d + l] / weightSum;
                    c[j * d + l] = v;
                    c[l * d + j] = v;
                }
            }
        }
        return c;
    }
}
