package dev.downhill.driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/** Generated problems with known structure, as arrays and as input files. */
public final class TestData {
    public final double[][] x;
    public final double[] y;

    TestData(double[][] x, double[] y) {
        this.x = x;
        this.y = y;
    }

    public int rows() {
        return y.length;
    }

    public int features() {
        return x[0].length;
    }

    /** y = w.x + b + noise, features standard normal, some exactly zero (so LIBSVM rows are sparse). */
    public static TestData regression(int n, int d, long seed) {
        Random r = new Random(seed);
        double[] w = gaussian(r, d);
        double[][] x = features(r, n, d, 0.2);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = dot(w, x[i]) + 0.7 + 0.3 * r.nextGaussian();
        }
        return new TestData(x, y);
    }

    /** Labels 0/1 from a logistic model (not separable: the optimum is finite without L2). */
    public static TestData binary(int n, int d, long seed) {
        Random r = new Random(seed);
        double[] w = gaussian(r, d);
        double[][] x = features(r, n, d, 0.2);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextDouble() < 1.0 / (1.0 + Math.exp(-(dot(w, x[i]) - 0.3))) ? 1 : 0;
        }
        return new TestData(x, y);
    }

    /** Labels 0..k-1 from a softmax model. */
    public static TestData multiclass(int n, int d, int k, long seed) {
        Random r = new Random(seed);
        double[][] w = new double[k][];
        for (int c = 0; c < k; c++) {
            w[c] = gaussian(r, d);
        }
        double[][] x = features(r, n, d, 0.2);
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double[] p = new double[k];
            double sum = 0;
            for (int c = 0; c < k; c++) {
                p[c] = Math.exp(dot(w[c], x[i]));
                sum += p[c];
            }
            double u = r.nextDouble() * sum;
            int c = 0;
            while (c < k - 1 && (u -= p[c]) > 0) {
                c++;
            }
            y[i] = c;
        }
        return new TestData(x, y);
    }

    /** Writes LIBSVM lines (1-based indices, zeros omitted); labels are written with {@code labelShift} added. */
    public Path writeLibsvm(Path file, double labelShift) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows(); i++) {
            sb.append(num(y[i] + labelShift));
            for (int j = 0; j < features(); j++) {
                if (x[i][j] != 0.0) {
                    sb.append(' ').append(j + 1).append(':').append(num(x[i][j]));
                }
            }
            sb.append('\n');
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        return file;
    }

    /** Writes CSV with a header: label first, then every feature. */
    public Path writeCsv(Path file) throws IOException {
        StringBuilder sb = new StringBuilder("label");
        for (int j = 0; j < features(); j++) {
            sb.append(",f").append(j + 1);
        }
        sb.append('\n');
        for (int i = 0; i < rows(); i++) {
            sb.append(num(y[i]));
            for (int j = 0; j < features(); j++) {
                sb.append(',').append(num(x[i][j]));
            }
            sb.append('\n');
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        return file;
    }

    private static String num(double v) {
        // Round-trip exact: the files hold exactly the arrays the tests compute with.
        return Double.toString(v);
    }

    static double[] gaussian(Random r, int d) {
        double[] w = new double[d];
        for (int j = 0; j < d; j++) {
            w[j] = r.nextGaussian();
        }
        return w;
    }

    static double[][] features(Random r, int n, int d, double zeroFraction) {
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = r.nextDouble() < zeroFraction ? 0.0
                        : Double.parseDouble(String.format(Locale.ROOT, "%.6f", r.nextGaussian()));
            }
        }
        return x;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }
}
