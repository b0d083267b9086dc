package dev.downhill.driver.bench;

import dev.downhill.core.linalg.Gemm;
import dev.ludovic.netlib.blas.BLAS;
import java.nio.file.Path;
import java.util.Random;

/**
 * The machine's dense matrix-multiply rate, measured in the running JVM: C[m x n] = A[m x k] B[k x n] in
 * float64 by Downhill's {@link Gemm} (rows split between threads, each thread its own rows) and by
 * dev.ludovic.netlib's BLAS dgemm (Spark ML's BLAS: JNI to the system's libblas.so.3 when installed, else its
 * pure-Java VectorBLAS), one thread. Rates count 2 m n k flops. Run as a main for a quick look.
 */
final class MatrixRate {
    private MatrixRate() {}

    /** GFLOPS of Gemm.multiply on the given threads, best of {@code reps} timed rounds of at least ~0.3 s. */
    static double gemm(int m, int n, int k, int threads, int reps) throws InterruptedException {
        double[] a = random(m * k, 1);
        double[] b = random(k * n, 2);
        double[] c = new double[m * n];
        double best = 0;
        for (int rep = 0; rep < reps; rep++) {
            long start = System.nanoTime();
            int rounds = 0;
            do {
                Thread[] ts = new Thread[threads];
                for (int t = 0; t < threads; t++) {
                    int lo = (int) ((long) m * t / threads);
                    int hi = (int) ((long) m * (t + 1) / threads);
                    ts[t] = new Thread(() -> Gemm.multiply(hi - lo, n, k, a, lo * k, k, b, 0, n, c, lo * n, n,
                            false));
                    ts[t].start();
                }
                for (Thread t : ts) {
                    t.join();
                }
                rounds++;
            } while (System.nanoTime() - start < 300_000_000L);
            double seconds = (System.nanoTime() - start) * 1e-9 / rounds;
            best = Math.max(best, 2.0 * m * n * k / seconds * 1e-9);
        }
        return best;
    }

    /**
     * GFLOPS of netlib's dgemm on the given threads, rows split as for {@link #gemm} (row-major C = A B as
     * column-major C^T = B^T A^T, each thread its own rows of A and C).
     */
    static double netlib(int m, int n, int k, int threads, int reps) throws InterruptedException {
        return netlib(BLAS.getInstance(), m, n, k, threads, reps);
    }

    /**
     * As {@link #netlib(int, int, int, int, int)} with a given implementation: {@code BLAS.getInstance()} is
     * JNI to whatever libblas.so.3 the system has (the slow Fortran reference BLAS as well as OpenBLAS), so the
     * bench also times netlib's pure-Java one, {@code JavaBLAS.getInstance()} (VectorBLAS).
     */
    static double netlib(BLAS blas, int m, int n, int k, int threads, int reps) throws InterruptedException {
        double[] a = random(m * k, 1);
        double[] b = random(k * n, 2);
        double[] c = new double[m * n];
        double best = 0;
        for (int rep = 0; rep < reps; rep++) {
            long start = System.nanoTime();
            int rounds = 0;
            do {
                Thread[] ts = new Thread[threads];
                for (int t = 0; t < threads; t++) {
                    int lo = (int) ((long) m * t / threads);
                    int hi = (int) ((long) m * (t + 1) / threads);
                    ts[t] = new Thread(() -> blas.dgemm("N", "N", n, hi - lo, k, 1.0, b, 0, n, a, lo * k, k, 0.0, c,
                            lo * n, n));
                    ts[t].start();
                }
                for (Thread t : ts) {
                    t.join();
                }
                rounds++;
            } while (System.nanoTime() - start < 300_000_000L);
            double seconds = (System.nanoTime() - start) * 1e-9 / rounds;
            best = Math.max(best, 2.0 * m * n * k / seconds * 1e-9);
        }
        return best;
    }

    static String netlibName() {
        return BLAS.getInstance().getClass().getSimpleName();
    }

    static double[] random(int size, long seed) {
        Random r = new Random(seed);
        double[] v = new double[size];
        for (int i = 0; i < size; i++) {
            v[i] = r.nextDouble() - 0.5;
        }
        return v;
    }

    /**
     * netlib's two rates (default instance, pure-Java instance) on 2 threads, measured in a fresh JVM: in one
     * that already compiled Downhill's Vector API kernels, VectorBLAS can lose its intrinsics (the JIT pitfall
     * in Gemm's Javadoc) and would be under-rated. Returns {default, java} GFLOPS.
     */
    static double[] netlibInFreshJvm(int reps) throws java.io.IOException, InterruptedException {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                // At least 4 rounds: VectorBLAS needs a few to be compiled in the fresh JVM.
                MatrixRate.class.getName(), "netlib-only", String.valueOf(Math.max(reps, 4))));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0 || !out.contains(" ")) {
            throw new IllegalStateException("netlib rate JVM failed: " + out);
        }
        String[] last = out.lines().reduce((a, b) -> b).orElseThrow().split(" ");
        return new double[] {Double.parseDouble(last[0]), Double.parseDouble(last[1])};
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("netlib-only")) {
            int r = Integer.parseInt(args[1]);
            double def = netlib(4096, 256, 784, 2, r);
            double java = netlib(dev.ludovic.netlib.blas.JavaBLAS.getInstance(), 4096, 256, 784, 2, r);
            System.out.println(def + " " + java);
            return;
        }
        int m = 4096, n = 256, k = 784;
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.printf("Gemm 1 thread:   %.1f GFLOPS%n", gemm(m, n, k, 1, reps));
        System.out.printf("netlib %s 1 thread: %.1f GFLOPS%n", netlibName(), netlib(m, n, k, 1, reps));
        System.out.printf("Gemm 2 threads:  %.1f GFLOPS%n", gemm(m, n, k, 2, reps));
        System.out.printf("netlib %s 2 threads: %.1f GFLOPS%n", netlibName(), netlib(m, n, k, 2, reps));
    }
}
