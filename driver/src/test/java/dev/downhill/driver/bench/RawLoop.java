package dev.downhill.driver.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The machine's limit: the same logistic loss and gradient as a plain Java loop over packed primitive arrays
 * (dense row-major or CSR), fused per row (dot, loss, axpy), rows split into contiguous ranges over 1 or
 * more threads, each with its own gradient buffer, merged in order. No Spark.
 */
final class RawLoop {
    final SyntheticData data;
    final int rows;
    final int d;
    final double[] labels;
    /** Dense: rows x d, row-major. Sparse: CSR values. */
    final double[] values;
    /** Sparse only. */
    final int[] rowStart;
    final int[] indices;

    private RawLoop(SyntheticData data, int rows) {
        this.data = data;
        this.rows = rows;
        this.d = data.numFeatures;
        this.labels = new double[rows];
        if (data.dense) {
            values = new double[Math.multiplyExact(rows, d)];
            rowStart = null;
            indices = null;
        } else {
            int nnz = Math.multiplyExact(rows, data.nnz);
            values = new double[nnz];
            indices = new int[nnz];
            rowStart = new int[rows + 1];
        }
    }

    /** Generates the rows (the same generator as the Spark systems) with the pool's threads. */
    static RawLoop generate(SyntheticData data, long rows, ExecutorService pool, int threads) throws Exception {
        RawLoop a = new RawLoop(data, Math.toIntExact(rows));
        List<Future<?>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int from = (int) SyntheticData.partitionStart(rows, threads, t);
            int to = (int) SyntheticData.partitionStart(rows, threads, t + 1);
            parts.add(pool.submit(() -> a.fill(from, to)));
        }
        for (Future<?> f : parts) {
            f.get();
        }
        return a;
    }

    private void fill(int from, int to) {
        SyntheticData.Cursor c = data.cursor(from, to);
        int k = data.nnz;
        for (int i = from; c.next(); i++) {
            labels[i] = c.label;
            if (data.dense) {
                System.arraycopy(c.values, 0, values, i * d, d);
            } else {
                // Every row has exactly nnz entries, so row i starts at i * nnz.
                System.arraycopy(c.values, 0, values, i * k, k);
                System.arraycopy(c.indices, 0, indices, i * k, k);
                rowStart[i + 1] = (i + 1) * k;
            }
        }
    }

    /** The packed arrays themselves (double[] and int[]), for {@link MemorySweep}. */
    List<Object> arrays() {
        List<Object> a = new ArrayList<>(List.of(values, labels));
        if (indices != null) {
            a.add(indices);
            a.add(rowStart);
        }
        return a;
    }

    /** Bytes of the packed arrays: 8 n d + 8 n (dense), 12 nnz + 4 (n + 1) + 8 n (CSR). */
    long packedBytes() {
        return 8L * values.length + 8L * labels.length + (indices == null ? 0 : 4L * indices.length + 4L * rowStart.length);
    }

    /** The packed size of data of these dimensions, without building it. */
    static long packedBytes(SyntheticData data, long rows) {
        return data.dense ? 8L * rows * data.numFeatures + 8L * rows
                : 12L * rows * data.nnz + 4L * (rows + 1) + 8L * rows;
    }

    /**
     * Sum of the loss over rows [from, to) at theta (d weights, then the intercept); adds the gradient sum
     * into g. Same numerics as worker-core's LogisticLoss.
     */
    double lossAndGradient(double[] theta, int from, int to, double[] g) {
        return rowStart == null ? dense(theta, from, to, g) : sparse(theta, from, to, g);
    }

    private double dense(double[] theta, int from, int to, double[] g) {
        final double[] x = values;
        final double b = theta[d];
        double loss = 0.0;
        double gb = 0.0;
        for (int i = from; i < to; i++) {
            final int base = i * d;
            double z = b;
            for (int j = 0; j < d; j++) {
                z += x[base + j] * theta[j];
            }
            double s = 2.0 * labels[i] - 1.0;
            double m = s * z;
            double e = Math.exp(-Math.abs(m));
            double dz = -s * (m >= 0 ? e / (1.0 + e) : 1.0 / (1.0 + e));
            loss += m >= 0 ? Math.log1p(e) : -m + Math.log1p(e);
            for (int j = 0; j < d; j++) {
                g[j] += dz * x[base + j];
            }
            gb += dz;
        }
        g[d] += gb;
        return loss;
    }

    private double sparse(double[] theta, int from, int to, double[] g) {
        final double[] x = values;
        final int[] idx = indices;
        final double b = theta[d];
        double loss = 0.0;
        double gb = 0.0;
        for (int i = from; i < to; i++) {
            final int start = rowStart[i];
            final int end = rowStart[i + 1];
            double z = b;
            for (int p = start; p < end; p++) {
                z += x[p] * theta[idx[p]];
            }
            double s = 2.0 * labels[i] - 1.0;
            double m = s * z;
            double e = Math.exp(-Math.abs(m));
            double dz = -s * (m >= 0 ? e / (1.0 + e) : 1.0 / (1.0 + e));
            loss += m >= 0 ? Math.log1p(e) : -m + Math.log1p(e);
            for (int p = start; p < end; p++) {
                g[idx[p]] += dz * x[p];
            }
            gb += dz;
        }
        g[d] += gb;
        return loss;
    }

    /** Timed iterations (loss + gradient over all rows on {@code threads} threads, then the step). */
    Result run(ExecutorService pool, int threads, int warmup, int iterations, double[] theta0, double step)
            throws Exception {
        Result r = new Result(threads == 1 ? "raw-loop-1" : "raw-loop-" + threads);
        double[] theta = theta0.clone();
        double[][] partial = new double[threads][theta.length];
        double[] all = new double[warmup + iterations];
        long cpu = 0;
        for (int it = 0; it < all.length; it++) {
            if (it == warmup) {
                cpu = Result.processCpuNanos();
            }
            long s = System.nanoTime();
            List<Future<Double>> parts = new ArrayList<>(threads);
            for (int t = 0; t < threads; t++) {
                double[] g = partial[t];
                java.util.Arrays.fill(g, 0.0);
                int from = (int) SyntheticData.partitionStart(rows, threads, t);
                int to = (int) SyntheticData.partitionStart(rows, threads, t + 1);
                final double[] at = theta;
                parts.add(threads == 1 ? java.util.concurrent.CompletableFuture.completedFuture(
                        lossAndGradient(at, from, to, g)) : pool.submit(() -> lossAndGradient(at, from, to, g)));
            }
            double loss = 0.0;
            for (Future<Double> f : parts) {
                loss += f.get();
            }
            double inv = 1.0 / rows;
            for (int j = 0; j < theta.length; j++) {
                double gj = 0.0;
                for (int t = 0; t < threads; t++) {
                    gj += partial[t][j];
                }
                theta[j] -= step * gj * inv;
            }
            all[it] = (System.nanoTime() - s) / 1e9;
            if (it == 0) {
                r.lossAtStart = loss * inv;
            }
        }
        r.cpuSecondsPerIteration = (Result.processCpuNanos() - cpu) / 1e9 / iterations;
        r.iterationSeconds = Stats.tail(all, iterations);
        r.secondsPerIteration = Stats.median(r.iterationSeconds);
        r.cachedBytes = packedBytes();
        r.extra.put("warmupSeconds", java.util.Arrays.copyOf(all, warmup));
        return r;
    }
}
