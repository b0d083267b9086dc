package dev.downhill.core.linalg;

/**
 * The scalar implementation of {@link Gemm}, and the reference for its order: each entry is one chain of
 * {@link Math#fma} over the inner index in increasing order, started from the old entry or +0.
 */
final class GemmScalar {
    private GemmScalar() {}

    static void product(int m, int n, int k, Operand a, Operand b, double[] c, int cOff, int ldc,
                        boolean accumulate) {
        if (b.cs == 1) {
            // B's rows are contiguous: keep C's row i in place and sweep B row by row (the same chains).
            for (int i = 0; i < m; i++) {
                int ci = cOff + i * ldc;
                if (!accumulate) {
                    java.util.Arrays.fill(c, ci, ci + n, 0.0);
                }
                for (int p = 0; p < k; p++) {
                    double aip = a.get(i, p);
                    int bp = b.off + p * b.rs;
                    if (b.d != null) {
                        for (int j = 0; j < n; j++) {
                            c[ci + j] = Math.fma(aip, b.d[bp + j], c[ci + j]);
                        }
                    } else {
                        for (int j = 0; j < n; j++) {
                            c[ci + j] = Math.fma(aip, (double) b.f[bp + j], c[ci + j]);
                        }
                    }
                }
            }
        } else {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = cOff + i * ldc + j;
                    double s = accumulate ? c[ci] : 0.0;
                    for (int p = 0; p < k; p++) {
                        s = Math.fma(a.get(i, p), b.get(p, j), s);
                    }
                    c[ci] = s;
                }
            }
        }
    }
}
