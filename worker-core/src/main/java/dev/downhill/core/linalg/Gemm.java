package dev.downhill.core.linalg;

/**
 * Dense matrix products over row-major double arrays, the three a network's layers need (Z = H W^T forward,
 * dW += dZ^T H and dH = dZ W backward). Arguments: m x n results, inner dimension k; ld* the row strides.
 *
 * <h2>Order of operations (what makes the bits reproducible)</h2>
 * Every entry of C is one chain of fused multiply-adds over the inner index p in increasing order:
 * <pre>
 *   c_ij := start;  for p = 0, 1, ..., k - 1:  c_ij := fma(a_ip, b_pj, c_ij)
 * </pre>
 * where start is the entry's old value when the product is added in, else +0, and fma(x, y, z) is x y + z
 * rounded once ({@link Math#fma}, IEEE 754 fusedMultiplyAdd). The chain depends on nothing but the operands:
 * not on the vector width (lanes hold different entries, never parts of one sum), not on the cache or
 * register tiling (a tile is resumed where it stopped), not on the thread count or the position of a block
 * in the data. Hence the SIMD implementation (JDK Vector API, register tiles of 6 rows by four vectors) and
 * the scalar loops used without the Vector API ({@code downhill.simd=false}, or the module missing) give
 * identical bits, on AVX2, AVX-512, NEON or no SIMD at all. Zero operands are not skipped (an entry's chain is
 * the same whatever the data's sparsity, and a NaN or infinity still propagates); the CSR products below skip
 * stored zeros only, which changes no value (fma(0, y, z) = z for finite y; only the sign of an exact zero
 * result can differ, after an underflow).
 *
 * <h2>Across CPUs</h2>
 * fma is exactly specified, so the results are the same bits on every Java platform. What differs is speed:
 * on a CPU without FMA instructions (x86 before Haswell / Piledriver) the JVM computes fma in software, which
 * is correct but one to two orders of magnitude slower. A native BLAS (OpenBLAS, MKL, or dev.ludovic.netlib's
 * JNI path) instead picks kernels by CPU and thread count, with different summation orders and last bits;
 * that is why Downhill uses these kernels rather than a BLAS. Measured here (Xeon, AVX-512, one thread,
 * 4096 x 784 by 784 x 256): these kernels against netlib's VectorBLAS dgemm, see the bench section {@code mlp}
 * and the commit that introduced them.
 *
 * <h2>A JIT pitfall (JDK 17's Vector API)</h2>
 * The SIMD tile is fast only when C2 compiles it with the Vector API intrinsics. Measured here: when
 * dev.ludovic.netlib's VectorBLAS (Spark ML's pure-Java BLAS, used by MultilayerPerceptronClassifier and other
 * ml algorithms) has run in the JVM before C2 compiles the tile, C2 fails to intrinsify the tile's stores
 * ("missing constant: vclass"), boxes its vectors, and the products run 20 to 100 times slower for the life of
 * that JVM; compiled first, they stay fast after VectorBLAS runs. Results are the same bits either way. An
 * executor that runs Spark ML jobs before Downhill's (one application doing both) can hit it.
 *
 * <p>Accuracy: each entry is a recursive sum with products exact inside the fma, so |error| &lt;= gamma_k
 * sum_p |a_ip b_pj| (gamma_k = k u / (1 - k u), u = 2^-53), Higham, Accuracy and Stability of Numerical
 * Algorithms, 2nd ed., section 3.1.
 */
public final class Gemm {
    private Gemm() {}

    /**
     * C[m x n] (+)= A[m x k] B[n x k]^T: c_ij = sum_p a_ip b_jp (chain order above; with {@code accumulate}
     * the chain starts from c_ij, else from 0).
     */
    public static void multiplyTransposed(int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff,
                                          int ldb, double[] c, int cOff, int ldc, boolean accumulate) {
        checkMatrix("A", a.length, aOff, m, k, lda, 1);
        checkMatrix("B", b.length, bOff, n, k, ldb, 1);
        checkMatrix("C", c.length, cOff, m, n, ldc, 1);
        product(m, n, k, Operand.of(a, aOff, lda, 1), Operand.of(b, bOff, 1, ldb), c, cOff, ldc, accumulate);
    }

    /** As {@link #multiplyTransposed}, with A stored as float32 (each value widened exactly). */
    public static void multiplyTransposed(int m, int n, int k, float[] a, int aOff, int lda, double[] b, int bOff,
                                          int ldb, double[] c, int cOff, int ldc, boolean accumulate) {
        checkMatrix("A", a.length, aOff, m, k, lda, 1);
        checkMatrix("B", b.length, bOff, n, k, ldb, 1);
        checkMatrix("C", c.length, cOff, m, n, ldc, 1);
        product(m, n, k, Operand.of(a, aOff, lda, 1), Operand.of(b, bOff, 1, ldb), c, cOff, ldc, accumulate);
    }

    /** C[m x n] += A[k x m]^T B[k x n]: c_ij += sum_p a_pi b_pj, the chain starting from c_ij. */
    public static void transposedMultiplyAdd(int m, int n, int k, double[] a, int aOff, int lda, double[] b,
                                             int bOff, int ldb, double[] c, int cOff, int ldc) {
        checkMatrix("A", a.length, aOff, k, m, lda, 1);
        checkMatrix("B", b.length, bOff, k, n, ldb, 1);
        checkMatrix("C", c.length, cOff, m, n, ldc, 1);
        product(m, n, k, Operand.of(a, aOff, 1, lda), Operand.of(b, bOff, ldb, 1), c, cOff, ldc, true);
    }

    /** As {@link #transposedMultiplyAdd}, with B stored as float32 (each value widened exactly). */
    public static void transposedMultiplyAdd(int m, int n, int k, double[] a, int aOff, int lda, float[] b,
                                             int bOff, int ldb, double[] c, int cOff, int ldc) {
        checkMatrix("A", a.length, aOff, k, m, lda, 1);
        checkMatrix("B", b.length, bOff, k, n, ldb, 1);
        checkMatrix("C", c.length, cOff, m, n, ldc, 1);
        product(m, n, k, Operand.of(a, aOff, 1, lda), Operand.of(b, bOff, ldb, 1), c, cOff, ldc, true);
    }

    /** C[m x n] (+)= A[m x k] B[k x n]: c_ij = sum_p a_ip b_pj (chain order above). */
    public static void multiply(int m, int n, int k, double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                                double[] c, int cOff, int ldc, boolean accumulate) {
        checkMatrix("A", a.length, aOff, m, k, lda, 1);
        checkMatrix("B", b.length, bOff, k, n, ldb, 1);
        checkMatrix("C", c.length, cOff, m, n, ldc, 1);
        product(m, n, k, Operand.of(a, aOff, lda, 1), Operand.of(b, bOff, ldb, 1), c, cOff, ldc, accumulate);
    }

    private static void product(int m, int n, int k, Operand a, Operand b, double[] c, int cOff, int ldc,
                                boolean accumulate) {
        if (Kernels.simd()) {
            GemmVector.product(m, n, k, a, b, c, cOff, ldc, accumulate);
        } else {
            GemmScalar.product(m, n, k, a, b, c, cOff, ldc, accumulate);
        }
    }

    /**
     * Checks that a rows x cols matrix with element (r, q) at off + r rowStride + q colStride lies in an array
     * of the given length (rowStride &gt;= cols when colStride is 1).
     */
    static void checkMatrix(String name, int length, int off, int rows, int cols, int rowStride, int colStride) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(name + ": negative size " + rows + " x " + cols);
        }
        if (rows > 1 && cols > 0 && rowStride < cols) {
            throw new IllegalArgumentException(name + ": row stride " + rowStride + " < " + cols + " columns");
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long last = off + (long) (rows - 1) * rowStride + (long) (cols - 1) * colStride;
        if (off < 0 || last >= length) {
            throw new IndexOutOfBoundsException(name + ": " + rows + " x " + cols + " at offset " + off
                    + " with row stride " + rowStride + " needs index " + last + ", array has " + length);
        }
    }
}
