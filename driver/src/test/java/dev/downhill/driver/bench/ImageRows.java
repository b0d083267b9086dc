package dev.downhill.driver.bench;

import java.io.Serializable;

/**
 * Seeded image-like rows for the race's softmax problem, made hard the way real images are: neighbouring pixels
 * are strongly correlated, so the features' covariance has the decaying spectrum of natural images and whitening
 * has work to do. Row i is a pure function of (seed, i): its class c is drawn uniformly from {@link #CLASSES}; a
 * side x side field is the class's template plus a random smooth field, T = mu_c + C^T Z C, with C the orthonormal
 * DCT-II matrix and Z independent normals of standard deviation {@link #AMPLITUDE} / (1 + sqrt(a^2 + b^2)) at
 * frequency (a, b) (amplitude falling as 1/f, as in natural images: Field, J. Opt. Soc. Am. A 4, 1987); the pixel is
 * T clipped to [0, 1] and quantized to 1/1000, so that about half of the pixels are exactly zero (ink on a blank
 * page). The templates are three Gaussian strokes per class at seeded places (like {@link ImageData}'s), the first
 * two shared by the classes of a pair (2m, 2m + 1), faint against the field and shifted down so that the blank part
 * of the page is below zero: on 8,000 rows the optimum's objective is about 0.06 and L-BFGS without re-whitening
 * needs about 140 passes to 1e-9 (on 8,000 MNIST rows: 0.145 and 254; real digits are harder).
 */
final class ImageRows implements Serializable {
    private static final long serialVersionUID = 1L;
    static final int CLASSES = 10;
    static final double AMPLITUDE = 2.0;
    /** Template = CONTRAST * strokes - OFFSET: faint strokes under a strong field, so classes overlap. */
    static final double CONTRAST = 0.5;
    static final double OFFSET = 0.1;
    private static final long GOLDEN = 0x9e3779b97f4a7c15L;

    final long seed;
    final int side;
    final int numFeatures;
    private transient double[][] templates;
    private transient double[][] dct;

    ImageRows(long seed, int side) {
        this.seed = seed;
        this.side = side;
        this.numFeatures = side * side;
    }

    private synchronized void build() {
        if (templates != null) {
            return;
        }
        int s = side;
        double[][] c = new double[s][s];
        for (int a = 0; a < s; a++) {
            double scale = Math.sqrt((a == 0 ? 1.0 : 2.0) / s);
            for (int x = 0; x < s; x++) {
                c[a][x] = scale * Math.cos(Math.PI * (x + 0.5) * a / s);
            }
        }
        double[][] t = new double[CLASSES][s * s];
        long state = SyntheticData.mix(seed ^ 0x1ea9e5L);
        double[][] strokes = new double[CLASSES * 3][];
        for (int q = 0; q < strokes.length; q++) {
            state += GOLDEN;
            double cx = s * (0.2 + 0.6 * SyntheticData.unit(SyntheticData.mix(state)));
            state += GOLDEN;
            double cy = s * (0.2 + 0.6 * SyntheticData.unit(SyntheticData.mix(state)));
            state += GOLDEN;
            double r = s * (0.08 + 0.1 * SyntheticData.unit(SyntheticData.mix(state)));
            strokes[q] = new double[] {cx, cy, r};
        }
        for (int k = 0; k < CLASSES; k++) {
            for (int b = 0; b < 3; b++) {
                // Classes 2m and 2m + 1 share their first two strokes: confusable pairs, like 4 and 9.
                double[] st = strokes[(b < 2 ? (k & ~1) : k) * 3 + b];
                double cx = st[0];
                double cy = st[1];
                double r = st[2];
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) {
                        double dx = x + 0.5 - cx;
                        double dy = y + 0.5 - cy;
                        int j = y * s + x;
                        t[k][j] = Math.max(t[k][j], Math.exp(-(dx * dx + dy * dy) / (2 * r * r)));
                    }
                }
            }
            for (int j = 0; j < s * s; j++) {
                t[k][j] = CONTRAST * t[k][j] - OFFSET;
            }
        }
        dct = c;
        templates = t;
    }

    /** Fills {@code pixels} with row i's; returns its class. */
    int fill(long row, double[] pixels) {
        build();
        int s = side;
        long state = SyntheticData.mix(seed * GOLDEN + SyntheticData.mix(row + 1));
        int label = (int) (((state >>> 32) * CLASSES) >>> 32);
        double[] z = new double[s * s];
        for (int a = 0; a < s; a++) {
            for (int b = 0; b < s; b++) {
                state += GOLDEN;
                z[a * s + b] = AMPLITUDE / (1 + Math.sqrt(a * a + b * b)) * gaussian(state);
            }
        }
        // T = C^T Z C, as (C^T (Z C)).
        double[] zc = new double[s * s];
        for (int a = 0; a < s; a++) {
            for (int x = 0; x < s; x++) {
                double sum = 0;
                for (int b = 0; b < s; b++) {
                    sum += z[a * s + b] * dct[b][x];
                }
                zc[a * s + x] = sum;
            }
        }
        double[] mu = templates[label];
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                double sum = 0;
                for (int a = 0; a < s; a++) {
                    sum += dct[a][y] * zc[a * s + x];
                }
                double v = mu[y * s + x] + sum;
                pixels[y * s + x] = v <= 0 ? 0.0 : Math.round(1000 * Math.min(1.0, v)) / 1000.0;
            }
        }
        return label;
    }

    /** A standard normal from 64 random bits (Box-Muller on the two halves' uniforms). */
    private static double gaussian(long state) {
        long h = SyntheticData.mix(state);
        double u1 = 1.0 - SyntheticData.unit(h);
        double u2 = SyntheticData.unit(SyntheticData.mix(h ^ 0x2545f4914f6cdd1dL));
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** Row i as a libsvm line: label, then the non-zero pixels as index:value (1-based), sparse as images are. */
    String line(long row, StringBuilder sb, double[] x) {
        int label = fill(row, x);
        sb.setLength(0);
        sb.append(label);
        for (int j = 0; j < x.length; j++) {
            if (x[j] != 0.0) {
                sb.append(' ').append(j + 1).append(':').append(x[j]);
            }
        }
        return sb.toString();
    }
}
