package dev.downhill.core.linalg;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

/**
 * A SHA-256 of the bits of seeded Gemm and CSR products (every edge of the blocking included), printed by
 * {@link #main} so that {@link GemmTest} can compare JVMs with other vector widths and without SIMD.
 */
final class GemmFingerprint {
    private GemmFingerprint() {}

    /** Small: sizes that still cross the KC boundary, for JVMs where fma runs in software. */
    static String fingerprint(boolean small) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            Random r = new Random(99);
            int[][] sizes = small ? new int[][] {{7, 33, 13}, {13, 9, 300}}
                    : new int[][] {{7, 33, 13}, {100, 50, 300}, {5, 1100, 20}, {61, 130, 9}};
            for (int[] s : sizes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                double[] a = gaussians(r, m * k);
                double[] b = gaussians(r, k * n);
                double[] bt = gaussians(r, n * k);
                double[] at = gaussians(r, k * m);
                double[] c = gaussians(r, m * n);
                Gemm.multiplyTransposed(m, n, k, a, 0, k, bt, 0, k, c, 0, n, true);
                digest(sha, c);
                Gemm.transposedMultiplyAdd(m, n, k, at, 0, m, b, 0, n, c, 0, n);
                digest(sha, c);
                Gemm.multiply(m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
                digest(sha, c);
                // CSR: about half the entries of a rows x k matrix stored.
                int[] rowStart = new int[m + 1];
                int[] idx = new int[m * k];
                double[] val = new double[m * k];
                int nnz = 0;
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < k; j++) {
                        if (r.nextBoolean()) {
                            idx[nnz] = j;
                            val[nnz++] = r.nextGaussian();
                        }
                    }
                    rowStart[i + 1] = nnz;
                }
                double[] z = new double[m * n];
                CsrProducts.multiplyTransposed(m, k, rowStart, idx, val, bt, 0, n, z);
                digest(sha, z);
                double[] g = gaussians(r, n * k);
                CsrProducts.transposeMultiplyAdd(m, k, rowStart, idx, val, z, n, g, 0);
                digest(sha, g);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double[] gaussians(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    private static void digest(MessageDigest sha, double[] v) {
        ByteBuffer buf = ByteBuffer.allocate(8 * v.length);
        for (double x : v) {
            buf.putLong(Double.doubleToLongBits(x));
        }
        sha.update(buf.array());
    }

    public static void main(String[] args) {
        System.out.println(Kernels.simd() + " " + System.getProperty("java.vm.name"));
        System.out.println(fingerprint(args.length > 0 && args[0].equals("small")));
    }
}
