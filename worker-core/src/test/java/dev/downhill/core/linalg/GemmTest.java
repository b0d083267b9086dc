package dev.downhill.core.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Gemm's products against plain triple loops: bit for bit against the loop that follows the documented order
 * (one fma chain per entry over p = 0..k-1), and within the recursive-summation bound
 * 2 gamma_k sum_p |a_ip b_pj| of the plain multiply-then-add loop (each is within gamma_k of the exact sum;
 * Higham, section 3.1). Sizes cross every blocking boundary (MR, NR, KC, MC, NC) and its remainders; offsets,
 * strides, the accumulate flag, k = 0 and empty results are covered; SIMD and scalar give the same bits, and
 * so do JVMs with other vector widths (AVX2, SSE) and without the Vector API.
 */
class GemmTest {
    private static final int[][] SIZES = {
        {1, 1, 1}, {2, 3, 5}, {6, 32, 1}, {7, 33, 13}, {13, 17, 257}, {97, 129, 31}, {100, 50, 300},
        {5, 1100, 20}, {193, 40, 513}, {6, 8, 256}, {12, 64, 255}, {1, 100, 1}, {50, 1, 70},
    };

    private enum Op { MULTIPLY_TRANSPOSED, TRANSPOSED_MULTIPLY_ADD, MULTIPLY }

    /** Values over six orders of magnitude and both signs, about a quarter exact zeros. */
    private static double[] values(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(4) == 0 ? 0.0 : r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3);
        }
        return v;
    }

    /** A test case: the operands with offsets and padded strides, and C with a padded stride. */
    private static final class Case {
        final Op op;
        final int m;
        final int n;
        final int k;
        final int aOff = 3;
        final int bOff = 5;
        final int cOff = 2;
        final int lda;
        final int ldb;
        final int ldc;
        final double[] a;
        final double[] b;
        final double[] c0;

        Case(Op op, int m, int n, int k, Random r) {
            this.op = op;
            this.m = m;
            this.n = n;
            this.k = k;
            int aRows = op == Op.TRANSPOSED_MULTIPLY_ADD ? k : m;
            int aCols = op == Op.TRANSPOSED_MULTIPLY_ADD ? m : k;
            int bRows = op == Op.MULTIPLY_TRANSPOSED ? n : k;
            int bCols = op == Op.MULTIPLY_TRANSPOSED ? k : n;
            lda = aCols + 2;
            ldb = bCols + 1;
            ldc = n + 3;
            a = values(r, aOff + aRows * lda);
            b = values(r, bOff + bRows * ldb);
            c0 = values(r, cOff + m * ldc + 1);
        }

        double a(int i, int p) {
            return op == Op.TRANSPOSED_MULTIPLY_ADD ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        }

        double b(int p, int j) {
            return op == Op.MULTIPLY_TRANSPOSED ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        }

        boolean accumulates(boolean flag) {
            return op == Op.TRANSPOSED_MULTIPLY_ADD || flag;
        }

        double[] run(boolean accumulate) {
            double[] c = c0.clone();
            switch (op) {
                case MULTIPLY_TRANSPOSED:
                    Gemm.multiplyTransposed(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
                    break;
                case TRANSPOSED_MULTIPLY_ADD:
                    Gemm.transposedMultiplyAdd(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
                    break;
                default:
                    Gemm.multiply(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            }
            return c;
        }

        Operand operandA() {
            return op == Op.TRANSPOSED_MULTIPLY_ADD ? Operand.of(a, aOff, 1, lda) : Operand.of(a, aOff, lda, 1);
        }

        Operand operandB() {
            return op == Op.MULTIPLY_TRANSPOSED ? Operand.of(b, bOff, 1, ldb) : Operand.of(b, bOff, ldb, 1);
        }
    }

    @Test
    void everyEntryIsOneFmaChainInIncreasingInnerIndexBitForBit() {
        Random r = new Random(11);
        for (Op op : Op.values()) {
            for (int[] s : SIZES) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    Case t = new Case(op, s[0], s[1], s[2], r);
                    double[] c = t.run(accumulate);
                    boolean acc = t.accumulates(accumulate);
                    for (int i = 0; i < t.m; i++) {
                        for (int j = 0; j < t.n; j++) {
                            int ci = t.cOff + i * t.ldc + j;
                            double chain = acc ? t.c0[ci] : 0.0;
                            double plain = chain;
                            double absSum = Math.abs(chain);
                            for (int p = 0; p < t.k; p++) {
                                chain = Math.fma(t.a(i, p), t.b(p, j), chain);
                                plain += t.a(i, p) * t.b(p, j);
                                absSum += Math.abs(t.a(i, p) * t.b(p, j));
                            }
                            String where = op + " " + s[0] + "x" + s[1] + "x" + s[2] + " acc=" + accumulate
                                    + " (" + i + "," + j + ")";
                            assertEquals(Double.doubleToLongBits(chain), Double.doubleToLongBits(c[ci]), where);
                            double bound = 2 * gamma(t.k + 1) * absSum;
                            assertTrue(Math.abs(c[ci] - plain) <= bound, where + ": " + c[ci] + " vs " + plain);
                        }
                    }
                    assertOutsideUntouched(t, c);
                }
            }
        }
    }

    /** Entries of the array that are not in C (before, between rows, after) keep their values. */
    private static void assertOutsideUntouched(Case t, double[] c) {
        for (int x = 0; x < c.length; x++) {
            int rel = x - t.cOff;
            boolean inC = rel >= 0 && rel / t.ldc < t.m && rel % t.ldc < t.n;
            if (!inC) {
                assertEquals(Double.doubleToLongBits(t.c0[x]), Double.doubleToLongBits(c[x]), "outside C at " + x);
            }
        }
    }

    private static double gamma(int k) {
        double u = Math.ulp(1.0) / 2;
        return k * u / (1 - k * u);
    }

    @Test
    void overwritingIgnoresTheOldValuesEvenNaN() {
        double[] a = {1, 2, 3, 4};
        double[] b = {5, 6, 7, 8};
        double[] c = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        Gemm.multiply(2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, false);
        assertEquals(List.of(19.0, 22.0, 43.0, 50.0), List.of(c[0], c[1], c[2], c[3]));
        Gemm.multiply(2, 2, 2, a, 0, 2, b, 0, 2, c, 0, 2, true);
        assertEquals(List.of(38.0, 44.0, 86.0, 100.0), List.of(c[0], c[1], c[2], c[3]));
        // Zeros are multiplied, not skipped: an infinite operand times zero gives NaN, as in the plain loop.
        double[] inf = {0.0, Double.POSITIVE_INFINITY};
        double[] z = new double[1];
        Gemm.multiplyTransposed(1, 1, 2, new double[] {0.0, 0.0}, 0, 2, inf, 0, 2, z, 0, 1, false);
        assertTrue(Double.isNaN(z[0]));
    }

    @Test
    void anEmptyInnerDimensionGivesZerosOrLeavesCAsItWas() {
        double[] c = {1, 2, 3, 4, 5, 6};
        Gemm.multiply(2, 3, 0, new double[0], 0, 0, new double[0], 0, 3, c, 0, 3, true);
        assertEquals(21.0, sum(c));
        Gemm.transposedMultiplyAdd(2, 3, 0, new double[0], 0, 2, new double[0], 0, 3, c, 0, 3);
        assertEquals(21.0, sum(c));
        Gemm.multiplyTransposed(2, 3, 0, new double[0], 0, 0, new double[0], 0, 0, c, 0, 3, false);
        assertEquals(0.0, sum(c));
        Gemm.multiply(0, 3, 4, new double[0], 0, 4, new double[12], 0, 3, new double[0], 0, 3, false);
        Gemm.multiply(3, 0, 4, new double[12], 0, 4, new double[0], 0, 0, new double[0], 0, 0, false);
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    @Test
    void operandsOutsideTheirArraysAreRefusedBeforeAnythingIsWritten() {
        double[] c = new double[6];
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.multiply(2, 3, 4, new double[7], 0, 4, new double[12], 0, 3, c, 0, 3, false));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.multiplyTransposed(2, 3, 4, new double[8], 0, 4, new double[12], 1, 4, c, 0, 3, false));
        assertThrows(IndexOutOfBoundsException.class,
                () -> Gemm.transposedMultiplyAdd(2, 3, 4, new double[8], 0, 2, new double[12], 0, 3, c, 1, 3));
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.multiply(2, 3, 4, new double[8], 0, 3, new double[12], 0, 3, c, 0, 3, false));
        assertEquals(0.0, sum(c));
    }

    @Test
    void simdAndScalarGiveTheSameBits() {
        Random r = new Random(12);
        for (Op op : Op.values()) {
            for (int[] s : SIZES) {
                Case t = new Case(op, s[0], s[1], s[2], r);
                for (boolean accumulate : new boolean[] {false, true}) {
                    double[] scalar = t.c0.clone();
                    double[] simd = t.c0.clone();
                    boolean acc = t.accumulates(accumulate);
                    GemmScalar.product(t.m, t.n, t.k, t.operandA(), t.operandB(), scalar, t.cOff, t.ldc, acc);
                    GemmVector.product(t.m, t.n, t.k, t.operandA(), t.operandB(), simd, t.cOff, t.ldc, acc);
                    for (int x = 0; x < simd.length; x++) {
                        assertEquals(Double.doubleToLongBits(scalar[x]), Double.doubleToLongBits(simd[x]),
                                op + " " + s[0] + "x" + s[1] + "x" + s[2] + " at " + x);
                    }
                }
            }
        }
    }

    @Test
    void float32OperandsGiveExactlyTheResultsOfTheirWidenedValues() {
        Random r = new Random(13);
        int m = 37;
        int n = 45;
        int k = 300;
        float[] af = new float[m * k];
        float[] bf = new float[k * n];
        for (int i = 0; i < af.length; i++) {
            af[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < bf.length; i++) {
            bf[i] = (float) r.nextGaussian();
        }
        double[] ad = widen(af);
        double[] bd = widen(bf);
        double[] w = values(r, n * k);
        double[] cf = new double[m * n];
        double[] cd = new double[m * n];
        Gemm.multiplyTransposed(m, n, k, af, 0, k, w, 0, k, cf, 0, n, false);
        Gemm.multiplyTransposed(m, n, k, ad, 0, k, w, 0, k, cd, 0, n, false);
        assertBitsEqual(cd, cf);
        double[] dz = values(r, k * m);
        double[] gf = values(r, m * n);
        double[] gd = gf.clone();
        Gemm.transposedMultiplyAdd(m, n, k, dz, 0, m, bf, 0, n, gf, 0, n);
        Gemm.transposedMultiplyAdd(m, n, k, dz, 0, m, bd, 0, n, gd, 0, n);
        assertBitsEqual(gd, gf);
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static void assertBitsEqual(double[] expected, double[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(actual[i]), "at " + i);
        }
    }

    /**
     * The same products in JVMs with 256-bit vectors (AVX2), 128-bit vectors (SSE), no FMA instructions
     * (fma computed in software) and no Vector API give the same bits as this JVM (AVX-512 where available).
     */
    @Test
    void otherVectorWidthsAndNoSimdGiveTheSameBits() throws Exception {
        String here = GemmFingerprint.fingerprint(false);
        List<List<String>> variants = List.of(
                List.of("-XX:UseAVX=2", "--add-modules=jdk.incubator.vector"),
                List.of("-XX:MaxVectorSize=16", "--add-modules=jdk.incubator.vector"),
                List.of("-Ddownhill.simd=false", "--add-modules=jdk.incubator.vector"),
                List.of());
        for (List<String> flags : variants) {
            assertEquals(here, runFingerprint(flags, false), "JVM flags " + flags);
        }
        // Without FMA instructions the JVM computes fma in software (slow): a smaller set of products.
        assertEquals(GemmFingerprint.fingerprint(true),
                runFingerprint(List.of("-XX:-UseFMA", "--add-modules=jdk.incubator.vector"), true), "-XX:-UseFMA");
    }

    private static String runFingerprint(List<String> flags, boolean small) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.add("-XX:+IgnoreUnrecognizedVMOptions");
        cmd.addAll(flags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(GemmFingerprint.class.getName());
        if (small) {
            cmd.add("small");
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("fingerprint JVM timed out: " + cmd);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "fingerprint JVM failed: " + err);
        String[] lines = out.split("\n");
        return lines[lines.length - 1];
    }
}
