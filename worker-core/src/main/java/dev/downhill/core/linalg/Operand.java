package dev.downhill.core.linalg;

/**
 * One operand of a {@link Gemm} product: the logical matrix element (r, q) is at {@code off + r rs + q cs} in a
 * double or float array (floats widened exactly). Packing copies panels of it into contiguous double buffers.
 */
final class Operand {
    final double[] d;
    final float[] f;
    final int off;
    final int rs;
    final int cs;

    private Operand(double[] d, float[] f, int off, int rs, int cs) {
        this.d = d;
        this.f = f;
        this.off = off;
        this.rs = rs;
        this.cs = cs;
    }

    static Operand of(double[] a, int off, int rs, int cs) {
        return new Operand(a, null, off, rs, cs);
    }

    static Operand of(float[] a, int off, int rs, int cs) {
        return new Operand(null, a, off, rs, cs);
    }

    double get(int r, int q) {
        int i = off + r * rs + q * cs;
        return d != null ? d[i] : (double) f[i];
    }

    /**
     * Packs rows [r0, r0 + rows) and columns [q0, q0 + cols) as dst[q width + t] = element (r0 + t, q0 + q)
     * for t &lt; width, with zeros for t &gt;= rows: column-major panels of a fixed width (the register tile's).
     */
    void packRows(int r0, int rows, int q0, int cols, int width, double[] dst, int dstOff) {
        if (rows < width) {
            java.util.Arrays.fill(dst, dstOff, dstOff + cols * width, 0.0);
        }
        if (cs == 1) {
            // Along each row contiguously, scattering into the panel.
            for (int t = 0; t < rows; t++) {
                int src = off + (r0 + t) * rs + q0;
                int o = dstOff + t;
                if (d != null) {
                    for (int q = 0; q < cols; q++, o += width) {
                        dst[o] = d[src + q];
                    }
                } else {
                    for (int q = 0; q < cols; q++, o += width) {
                        dst[o] = f[src + q];
                    }
                }
            }
        } else {
            for (int q = 0; q < cols; q++) {
                int src = off + r0 * rs + (q0 + q) * cs;
                int o = dstOff + q * width;
                if (d != null) {
                    for (int t = 0; t < rows; t++) {
                        dst[o + t] = d[src + t * rs];
                    }
                } else {
                    for (int t = 0; t < rows; t++) {
                        dst[o + t] = f[src + t * rs];
                    }
                }
            }
        }
    }

    /**
     * Packs columns [q0, q0 + cols) and rows [r0, r0 + rows) as dst[r width + t] = element (r0 + r, q0 + t)
     * for t &lt; width, zeros for t &gt;= cols: row-major panels of a fixed width.
     */
    void packCols(int q0, int cols, int r0, int rows, int width, double[] dst, int dstOff) {
        if (cols < width) {
            java.util.Arrays.fill(dst, dstOff, dstOff + rows * width, 0.0);
        }
        if (cs == 1) {
            for (int r = 0; r < rows; r++) {
                int src = off + (r0 + r) * rs + q0;
                int o = dstOff + r * width;
                if (d != null) {
                    System.arraycopy(d, src, dst, o, cols);
                } else {
                    for (int t = 0; t < cols; t++) {
                        dst[o + t] = f[src + t];
                    }
                }
            }
        } else {
            for (int t = 0; t < cols; t++) {
                int src = off + r0 * rs + (q0 + t) * cs;
                int o = dstOff + t;
                if (d != null) {
                    for (int r = 0; r < rows; r++, o += width) {
                        dst[o] = d[src + r * rs];
                    }
                } else {
                    for (int r = 0; r < rows; r++, o += width) {
                        dst[o] = f[src + r * rs];
                    }
                }
            }
        }
    }
}
