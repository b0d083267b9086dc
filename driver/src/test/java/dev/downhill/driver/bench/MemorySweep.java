package dev.downhill.driver.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * The limit row of every section: the time to read a section's arrays once, each thread summing a contiguous
 * share of every array (doubles in eight independent sums, ints in one int sum the JIT vectorizes). No pass
 * over the same bytes can be faster on this machine, so Downhill's time over this one says how far from
 * memory-bound it is.
 */
final class MemorySweep {
    /** Keeps the sums alive, so the JIT cannot drop the loops. */
    private static volatile double sink;

    private MemorySweep() {}

    /** Reads {@code arrays} (double[] or int[]) once per iteration on {@code threads} threads of the pool. */
    static Result run(ExecutorService pool, int threads, int warmup, int iterations, List<Object> arrays)
            throws Exception {
        Result r = new Result("memory-sweep");
        long bytes = 0;
        for (Object a : arrays) {
            bytes += a instanceof double[] d ? 8L * d.length : 4L * ((int[]) a).length;
        }
        double[] all = new double[warmup + iterations];
        long cpu = 0;
        for (int it = 0; it < all.length; it++) {
            if (it == warmup) {
                cpu = Result.processCpuNanos();
            }
            long s = System.nanoTime();
            List<Future<Double>> parts = new ArrayList<>(threads);
            for (int t = 0; t < threads; t++) {
                final int part = t;
                parts.add(pool.submit(() -> sweep(arrays, part, threads)));
            }
            double total = 0.0;
            for (Future<Double> f : parts) {
                total += f.get();
            }
            all[it] = (System.nanoTime() - s) / 1e9;
            sink = total;
        }
        r.cpuSecondsPerIteration = (Result.processCpuNanos() - cpu) / 1e9 / iterations;
        r.iterationSeconds = Stats.tail(all, iterations);
        r.secondsPerIteration = Stats.median(r.iterationSeconds);
        r.cachedBytes = bytes;
        r.extra.put("threads", threads);
        r.extra.put("bytesPerSecond", bytes / r.secondsPerIteration);
        r.extra.put("warmupSeconds", java.util.Arrays.copyOf(all, warmup));
        return r;
    }

    /**
     * Sweeps fresh arrays of {@code bytes} bytes in all (doubles, one per thread): the limit of sections whose
     * cached data live inside Spark, where only their size is known.
     */
    static Result ofBytes(ExecutorService pool, int threads, int warmup, int iterations, long bytes) throws Exception {
        List<Object> arrays = new ArrayList<>();
        long doubles = Math.max(1, bytes / 8);
        for (int t = 0; t < threads; t++) {
            double[] a = new double[Math.toIntExact(SyntheticData.partitionStart(doubles, threads, t + 1)
                    - SyntheticData.partitionStart(doubles, threads, t))];
            java.util.Arrays.fill(a, 1.0);
            arrays.add(a);
        }
        return run(pool, threads, warmup, iterations, arrays);
    }

    private static double sweep(List<Object> arrays, int part, int parts) {
        double s = 0.0;
        for (Object a : arrays) {
            int n = a instanceof double[] d ? d.length : ((int[]) a).length;
            int from = (int) SyntheticData.partitionStart(n, parts, part);
            int to = (int) SyntheticData.partitionStart(n, parts, part + 1);
            s += a instanceof double[] d ? sum(d, from, to) : sum((int[]) a, from, to);
        }
        return s;
    }

    private static double sum(double[] x, int from, int to) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        int i = from;
        for (; i <= to - 8; i += 8) {
            s0 += x[i];
            s1 += x[i + 1];
            s2 += x[i + 2];
            s3 += x[i + 3];
            s4 += x[i + 4];
            s5 += x[i + 5];
            s6 += x[i + 6];
            s7 += x[i + 7];
        }
        for (; i < to; i++) {
            s0 += x[i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    private static double sum(int[] x, int from, int to) {
        int s = 0; // may wrap: only kept alive, never used
        for (int i = from; i < to; i++) {
            s += x[i];
        }
        return s;
    }
}
