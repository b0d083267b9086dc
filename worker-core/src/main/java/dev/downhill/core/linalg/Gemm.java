package dev.downhill.core.linalg;

/**
 * Dense matrix products over row-major double arrays, the three a network's layers need (Z = H W^T forward,
 * dW += dZ^T H and dH = dZ W backward). Each entry of C is summed in a fixed order that does not depend on
 * the thread count or the machine, so results are the same bits everywhere.
 *
 * <p>Placeholder implementation: plain loops (correct, not fast); the blocked SIMD kernels replace it.
 * Arguments: m x n results, inner dimension k; ld* the row strides.
 */
public final class Gemm {
    private Gemm() {}

    /** C[m x n] (+)= A[m x k] B[n x k]^T: c_ij = sum_p a_ip b_jp. */
    public static void multiplyTransposed(int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff,
                                          int ldb, double[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = Kernels.dot(a, aOff + i * lda, b, bOff + j * ldb, k);
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + s : s;
            }
        }
    }

    /** C[m x n] += A[k x m]^T B[k x n]: c_ij += sum_p a_pi b_pj, p in increasing order. */
    public static void transposedMultiplyAdd(int m, int n, int k, double[] a, int aOff, int lda, double[] b,
                                             int bOff, int ldb, double[] c, int cOff, int ldc) {
        for (int p = 0; p < k; p++) {
            for (int i = 0; i < m; i++) {
                double api = a[aOff + p * lda + i];
                if (api != 0.0) {
                    Kernels.axpy(api, b, bOff + p * ldb, c, cOff + i * ldc, n);
                }
            }
        }
    }

    /** C[m x n] (+)= A[m x k] B[k x n]: c_ij = sum_p a_ip b_pj, p in increasing order. */
    public static void multiply(int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                                double[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            if (!accumulate) {
                java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0.0);
            }
            for (int p = 0; p < k; p++) {
                double aip = a[aOff + i * lda + p];
                if (aip != 0.0) {
                    Kernels.axpy(aip, b, bOff + p * ldb, c, cOff + i * ldc, n);
                }
            }
        }
    }
}
