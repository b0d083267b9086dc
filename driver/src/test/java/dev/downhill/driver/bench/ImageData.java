package dev.downhill.driver.bench;

import java.io.Serializable;

/**
 * Seeded image-like classification data for the {@code mlp} section: side x side pixels in [0, 1], about half
 * of them exactly zero, and {@link #CLASSES} classes. Row i is a pure function of (seed, i): its class is drawn
 * uniformly, then pixel j is non-zero with the class's probability q_c(j) and, when non-zero, takes a value in
 * (0, 1] whose mean rises with q_c(j), quantized to 1/1000 (as 8-bit images are to 1/255). The maps q_c are
 * smooth blobs (three Gaussian bumps per class at seeded places over a background of 0.15), so that the
 * classes differ in where their ink is, as digits do; on average q is about one half.
 */
final class ImageData implements Serializable {
    private static final long serialVersionUID = 1L;
    static final int CLASSES = 10;
    private static final long GOLDEN = 0x9e3779b97f4a7c15L;

    final long seed;
    final int side;
    final int numFeatures;
    private transient double[][] q;

    ImageData(long seed, int side) {
        if (side < 2) {
            throw new IllegalArgumentException("image side must be >= 2, got " + side);
        }
        this.seed = seed;
        this.side = side;
        this.numFeatures = side * side;
    }

    /** The non-zero probability of each pixel, per class. */
    private double[][] q() {
        double[][] m = q;
        if (m == null) {
            m = new double[CLASSES][numFeatures];
            long state = SyntheticData.mix(seed ^ 0x1a9e5L);
            for (int c = 0; c < CLASSES; c++) {
                double[] cx = new double[3];
                double[] cy = new double[3];
                double[] r = new double[3];
                for (int b = 0; b < 3; b++) {
                    state += GOLDEN;
                    cx[b] = side * (0.15 + 0.7 * SyntheticData.unit(SyntheticData.mix(state)));
                    state += GOLDEN;
                    cy[b] = side * (0.15 + 0.7 * SyntheticData.unit(SyntheticData.mix(state)));
                    state += GOLDEN;
                    r[b] = side * (0.15 + 0.15 * SyntheticData.unit(SyntheticData.mix(state)));
                }
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        double bump = 0;
                        for (int b = 0; b < 3; b++) {
                            double dx = x + 0.5 - cx[b];
                            double dy = y + 0.5 - cy[b];
                            bump = Math.max(bump, Math.exp(-(dx * dx + dy * dy) / (2 * r[b] * r[b])));
                        }
                        m[c][y * side + x] = 0.15 + 0.8 * bump;
                    }
                }
            }
            q = m;
        }
        return m;
    }

    /** Row i as a CSV line: label (0..9), then the pixels; zeros written as "0". */
    String line(long row, StringBuilder sb, double[] x) {
        int label = fill(row, x);
        sb.setLength(0);
        sb.append(label);
        for (double v : x) {
            sb.append(',');
            if (v == 0.0) {
                sb.append('0');
            } else {
                sb.append(v);
            }
        }
        return sb.toString();
    }

    /** Fills x with row i's pixels; returns its class. */
    int fill(long row, double[] x) {
        double[][] m = q();
        long state = SyntheticData.mix(seed * GOLDEN + SyntheticData.mix(row + 1));
        int c = (int) (((state >>> 32) * CLASSES) >>> 32);
        double[] qc = m[c];
        for (int j = 0; j < numFeatures; j++) {
            state += GOLDEN;
            long h = SyntheticData.mix(state);
            if (SyntheticData.unit(h) < qc[j]) {
                double u = SyntheticData.unit(SyntheticData.mix(h ^ 0x5bd1e995L));
                // In (0, 1], brighter where the class has more ink; 1/1000 steps, parsed back exactly the same.
                x[j] = Math.max(1, Math.round(1000 * Math.min(1.0, 0.3 * qc[j] + 0.7 * u))) / 1000.0;
            } else {
                x[j] = 0.0;
            }
        }
        return c;
    }
}
