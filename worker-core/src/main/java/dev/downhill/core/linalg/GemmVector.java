package dev.downhill.core.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The SIMD implementation of {@link Gemm} (JDK Vector API), loaded only when {@link Kernels#simd()}.
 *
 * <p>Goto/BLIS blocking (Goto and van de Geijn, Anatomy of High-Performance Matrix Multiplication, ACM TOMS
 * 34(3), 2008): B is packed in KC x NC blocks of NR-wide row panels, A in MC x KC blocks of MR-tall column
 * panels; a register tile of MR x NR entries of C (MR = 6 rows, NR = four vectors of the preferred width) runs
 * the fma chains over one KC slice. Each lane of each accumulator is one entry of C, resumed from C (or the
 * tile buffer) at every KC slice, so the chain of every entry is the one {@link GemmScalar} computes.
 */
final class GemmVector {
    private GemmVector() {}

    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int VL = S.length();
    static final int MR = 6;
    static final int NR = 4 * VL;
    static final int KC = 256;
    static final int MC = 96;
    static final int NC = 1024;

    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(
            () -> new double[][] {new double[MC * KC], new double[KC * NC], new double[MR * NR]});

    static void product(int m, int n, int k, Operand a, Operand b, double[] c, int cOff, int ldc,
                        boolean accumulate) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0.0);
                }
            }
            return;
        }
        double[][] scratch = SCRATCH.get();
        double[] ap = scratch[0];
        double[] bp = scratch[1];
        double[] tile = scratch[2];
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean load = accumulate || pc > 0;
                for (int q = 0; q * NR < nc; q++) {
                    b.packCols(jc + q * NR, Math.min(NR, nc - q * NR), pc, kc, NR, bp, q * kc * NR);
                }
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    for (int r = 0; r * MR < mc; r++) {
                        a.packRows(ic + r * MR, Math.min(MR, mc - r * MR), pc, kc, MR, ap, r * kc * MR);
                    }
                    for (int jr = 0; jr * NR < nc; jr++) {
                        int nr = Math.min(NR, nc - jr * NR);
                        for (int ir = 0; ir * MR < mc; ir++) {
                            int mr = Math.min(MR, mc - ir * MR);
                            int cIdx = cOff + (ic + ir * MR) * ldc + jc + jr * NR;
                            if (mr == MR && nr == NR) {
                                kernel(kc, ap, ir * kc * MR, bp, jr * kc * NR, c, cIdx, ldc, load);
                            } else {
                                edge(kc, ap, ir * kc * MR, bp, jr * kc * NR, c, cIdx, ldc, mr, nr, load, tile);
                            }
                        }
                    }
                }
            }
        }
    }

    /** A partial tile: through the MR x NR buffer, copying only the valid mr x nr entries in and out. */
    private static void edge(int kc, double[] ap, int aOff, double[] bp, int bOff, double[] c, int cIdx, int ldc,
                             int mr, int nr, boolean load, double[] tile) {
        if (load) {
            for (int r = 0; r < mr; r++) {
                System.arraycopy(c, cIdx + r * ldc, tile, r * NR, nr);
            }
        }
        kernel(kc, ap, aOff, bp, bOff, tile, 0, NR, load);
        for (int r = 0; r < mr; r++) {
            System.arraycopy(tile, r * NR, c, cIdx + r * ldc, nr);
        }
    }

    /**
     * C[6 x NR] at c[cOff + r ldc + t] := (load ? C : 0) + the kc fma steps over the packed panels
     * ap[aOff + p MR + r] and bp[bOff + p NR + t], p in increasing order. 24 accumulators: enough independent
     * chains to cover the fma latency, and within AVX-512's 32 registers (AVX2 spills a few, at little cost).
     */
    private static void kernel(int kc, double[] ap, int aOff, double[] bp, int bOff, double[] c, int cOff, int ldc,
                               boolean load) {
        DoubleVector c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23;
        DoubleVector c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        if (load) {
            c00 = DoubleVector.fromArray(S, c, cOff);
            c01 = DoubleVector.fromArray(S, c, cOff + 1 * VL);
            c02 = DoubleVector.fromArray(S, c, cOff + 2 * VL);
            c03 = DoubleVector.fromArray(S, c, cOff + 3 * VL);
            c10 = DoubleVector.fromArray(S, c, cOff + 1 * ldc);
            c11 = DoubleVector.fromArray(S, c, cOff + 1 * ldc + 1 * VL);
            c12 = DoubleVector.fromArray(S, c, cOff + 1 * ldc + 2 * VL);
            c13 = DoubleVector.fromArray(S, c, cOff + 1 * ldc + 3 * VL);
            c20 = DoubleVector.fromArray(S, c, cOff + 2 * ldc);
            c21 = DoubleVector.fromArray(S, c, cOff + 2 * ldc + 1 * VL);
            c22 = DoubleVector.fromArray(S, c, cOff + 2 * ldc + 2 * VL);
            c23 = DoubleVector.fromArray(S, c, cOff + 2 * ldc + 3 * VL);
            c30 = DoubleVector.fromArray(S, c, cOff + 3 * ldc);
            c31 = DoubleVector.fromArray(S, c, cOff + 3 * ldc + 1 * VL);
            c32 = DoubleVector.fromArray(S, c, cOff + 3 * ldc + 2 * VL);
            c33 = DoubleVector.fromArray(S, c, cOff + 3 * ldc + 3 * VL);
            c40 = DoubleVector.fromArray(S, c, cOff + 4 * ldc);
            c41 = DoubleVector.fromArray(S, c, cOff + 4 * ldc + 1 * VL);
            c42 = DoubleVector.fromArray(S, c, cOff + 4 * ldc + 2 * VL);
            c43 = DoubleVector.fromArray(S, c, cOff + 4 * ldc + 3 * VL);
            c50 = DoubleVector.fromArray(S, c, cOff + 5 * ldc);
            c51 = DoubleVector.fromArray(S, c, cOff + 5 * ldc + 1 * VL);
            c52 = DoubleVector.fromArray(S, c, cOff + 5 * ldc + 2 * VL);
            c53 = DoubleVector.fromArray(S, c, cOff + 5 * ldc + 3 * VL);
        } else {
            c00 = DoubleVector.zero(S);
            c01 = c00;
            c02 = c00;
            c03 = c00;
            c10 = c00;
            c11 = c00;
            c12 = c00;
            c13 = c00;
            c20 = c00;
            c21 = c00;
            c22 = c00;
            c23 = c00;
            c30 = c00;
            c31 = c00;
            c32 = c00;
            c33 = c00;
            c40 = c00;
            c41 = c00;
            c42 = c00;
            c43 = c00;
            c50 = c00;
            c51 = c00;
            c52 = c00;
            c53 = c00;
        }
        int ai = aOff;
        int bi = bOff;
        for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
            DoubleVector b0 = DoubleVector.fromArray(S, bp, bi);
            DoubleVector b1 = DoubleVector.fromArray(S, bp, bi + 1 * VL);
            DoubleVector b2 = DoubleVector.fromArray(S, bp, bi + 2 * VL);
            DoubleVector b3 = DoubleVector.fromArray(S, bp, bi + 3 * VL);
            DoubleVector x0 = DoubleVector.broadcast(S, ap[ai]);
            c00 = b0.fma(x0, c00);
            c01 = b1.fma(x0, c01);
            c02 = b2.fma(x0, c02);
            c03 = b3.fma(x0, c03);
            DoubleVector x1 = DoubleVector.broadcast(S, ap[ai + 1]);
            c10 = b0.fma(x1, c10);
            c11 = b1.fma(x1, c11);
            c12 = b2.fma(x1, c12);
            c13 = b3.fma(x1, c13);
            DoubleVector x2 = DoubleVector.broadcast(S, ap[ai + 2]);
            c20 = b0.fma(x2, c20);
            c21 = b1.fma(x2, c21);
            c22 = b2.fma(x2, c22);
            c23 = b3.fma(x2, c23);
            DoubleVector x3 = DoubleVector.broadcast(S, ap[ai + 3]);
            c30 = b0.fma(x3, c30);
            c31 = b1.fma(x3, c31);
            c32 = b2.fma(x3, c32);
            c33 = b3.fma(x3, c33);
            DoubleVector x4 = DoubleVector.broadcast(S, ap[ai + 4]);
            c40 = b0.fma(x4, c40);
            c41 = b1.fma(x4, c41);
            c42 = b2.fma(x4, c42);
            c43 = b3.fma(x4, c43);
            DoubleVector x5 = DoubleVector.broadcast(S, ap[ai + 5]);
            c50 = b0.fma(x5, c50);
            c51 = b1.fma(x5, c51);
            c52 = b2.fma(x5, c52);
            c53 = b3.fma(x5, c53);
        }
        c00.intoArray(c, cOff);
        c01.intoArray(c, cOff + 1 * VL);
        c02.intoArray(c, cOff + 2 * VL);
        c03.intoArray(c, cOff + 3 * VL);
        c10.intoArray(c, cOff + 1 * ldc);
        c11.intoArray(c, cOff + 1 * ldc + 1 * VL);
        c12.intoArray(c, cOff + 1 * ldc + 2 * VL);
        c13.intoArray(c, cOff + 1 * ldc + 3 * VL);
        c20.intoArray(c, cOff + 2 * ldc);
        c21.intoArray(c, cOff + 2 * ldc + 1 * VL);
        c22.intoArray(c, cOff + 2 * ldc + 2 * VL);
        c23.intoArray(c, cOff + 2 * ldc + 3 * VL);
        c30.intoArray(c, cOff + 3 * ldc);
        c31.intoArray(c, cOff + 3 * ldc + 1 * VL);
        c32.intoArray(c, cOff + 3 * ldc + 2 * VL);
        c33.intoArray(c, cOff + 3 * ldc + 3 * VL);
        c40.intoArray(c, cOff + 4 * ldc);
        c41.intoArray(c, cOff + 4 * ldc + 1 * VL);
        c42.intoArray(c, cOff + 4 * ldc + 2 * VL);
        c43.intoArray(c, cOff + 4 * ldc + 3 * VL);
        c50.intoArray(c, cOff + 5 * ldc);
        c51.intoArray(c, cOff + 5 * ldc + 1 * VL);
        c52.intoArray(c, cOff + 5 * ldc + 2 * VL);
        c53.intoArray(c, cOff + 5 * ldc + 3 * VL);
    }
}
