package dev.downhill.driver.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Writes the bundled sample data (scripts/make-sample-data): seeded, so the files are reproducible.
 * <ul>
 *   <li>binary.libsvm: 2000 rows, 20 features, about half of them zero per row; labels 0/1 drawn from
 *       a logistic model with a fixed true weight vector;</li>
 *   <li>regression.csv: 1000 rows, header, label then 5 features; y = w.x + 0.5 + N(0, 0.1^2).</li>
 * </ul>
 */
public final class SampleData {
    private SampleData() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "driver/sample");
        Files.createDirectories(dir);
        writeBinary(dir.resolve("binary.libsvm"), 2000, 20, new Random(20261122L));
        writeRegression(dir.resolve("regression.csv"), 1000, 5, new Random(42L));
    }

    static void writeBinary(Path file, int rows, int d, Random rnd) throws IOException {
        double[] w = new double[d];
        for (int j = 0; j < d; j++) {
            w[j] = rnd.nextGaussian();
        }
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            for (int i = 0; i < rows; i++) {
                StringBuilder line = new StringBuilder();
                double z = -0.25;
                for (int j = 0; j < d; j++) {
                    if (rnd.nextDouble() < 0.5) {
                        double x = Math.round(rnd.nextGaussian() * 1000.0) / 1000.0;
                        if (x != 0.0) {
                            z += w[j] * x;
                            line.append(' ').append(j + 1).append(':').append(x);
                        }
                    }
                }
                int y = rnd.nextDouble() < 1.0 / (1.0 + Math.exp(-z)) ? 1 : 0;
                out.print(y);
                out.println(line);
            }
        }
    }

    static void writeRegression(Path file, int rows, int d, Random rnd) throws IOException {
        double[] w = new double[d];
        for (int j = 0; j < d; j++) {
            w[j] = rnd.nextGaussian();
        }
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            StringBuilder header = new StringBuilder("y");
            for (int j = 0; j < d; j++) {
                header.append(",x").append(j + 1);
            }
            out.println(header);
            for (int i = 0; i < rows; i++) {
                double[] x = new double[d];
                double y = 0.5 + 0.1 * rnd.nextGaussian();
                for (int j = 0; j < d; j++) {
                    x[j] = Math.round(rnd.nextGaussian() * 1000.0) / 1000.0;
                    y += w[j] * x[j];
                }
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%.4f", y));
                for (double v : x) {
                    line.append(',').append(v);
                }
                out.println(line);
            }
        }
    }
}
