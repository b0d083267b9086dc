package dev.downhill.driver.bench;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.BlockLayout;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeatureCovariance;
import dev.downhill.core.data.FeaturePrecision;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.CurvatureCovariance;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Seconds of the covariance passes whitening runs, one thread, blocks of 4096 rows in the default layout: the
 * loading pass ({@link FeatureCovariance#add(DataBlock)}), the curvature-weighted one ({@link CurvatureCovariance},
 * shared) and the per-class one (K matrices). Median of {@code reps} timed rounds after one warm-up. A main, not a
 * test: {@code java -cp ... dev.downhill.driver.bench.CovarianceRate [reps] [file.libsvm | image:ROWS] ...}.
 */
final class CovarianceRate {
    private CovarianceRate() {}

    public static void main(String[] args) throws IOException {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        for (int a = 1; a < args.length; a++) {
            if (args[a].startsWith("libsvm:")) { // libsvm:ROWS:PATH writes the race's image rows (seed 42)
                String[] parts = args[a].split(":", 3);
                writeImages(Integer.parseInt(parts[1]), Path.of(parts[2]));
                continue;
            }
            if (args[a].startsWith("ratio:")) {
                String what = args[a].substring(6);
                ratio(what, blocks(what, BlockLayout.SPARSE), blocks(what, BlockLayout.DENSE), reps);
                continue;
            }
            List<DataBlock> blocks = blocks(args[a], BlockLayout.SMALLEST);
            measure(args[a], blocks, reps);
        }
    }

    static List<DataBlock> blocks(String what, BlockLayout layout) throws IOException {
        return what.startsWith("image:") ? imageBlocks(Integer.parseInt(what.substring(6)), layout)
                : libsvmBlocks(Path.of(what), 784, layout);
    }

    /**
     * The two passes of the loading covariance on the same rows, alternated: the sparse one (CSR blocks,
     * {@link DataBlock#addOuterProducts}) and the Gemm one (dense blocks, {@link FeatureCovariance#add}).
     */
    static void ratio(String name, List<DataBlock> sparse, List<DataBlock> dense, int reps) {
        int d = sparse.get(0).numFeatures();
        double[] sparseSeconds = new double[reps];
        double[] denseSeconds = new double[reps];
        double[] scratch = new double[d * d];
        double[] center = new double[d];
        for (int rep = -1; rep < reps; rep++) {
            long t0 = System.nanoTime();
            for (DataBlock b : sparse) {
                Arrays.fill(scratch, 0.0);
                b.addOuterProducts(center, scratch);
            }
            long t1 = System.nanoTime();
            FeatureCovariance c = new FeatureCovariance(d);
            for (DataBlock b : dense) {
                c.add(b);
            }
            long t2 = System.nanoTime();
            if (rep >= 0) {
                sparseSeconds[rep] = (t1 - t0) * 1e-9;
                denseSeconds[rep] = (t2 - t1) * 1e-9;
            }
        }
        System.out.printf(Locale.ROOT, "%s: sparse pass %.3f s, Gemm pass %.3f s, ratio %.2f [median of %d; %s %s]%n",
                name, median(sparseSeconds), median(denseSeconds), median(sparseSeconds) / median(denseSeconds), reps,
                Arrays.toString(sparseSeconds), Arrays.toString(denseSeconds));
    }

    static void measure(String name, List<DataBlock> blocks, int reps) {
        int d = blocks.get(0).numFeatures();
        int k = 10;
        long rows = 0;
        long stored = 0;
        for (DataBlock b : blocks) {
            rows += b.numRows();
            stored += b.storedValues();
        }
        LinearModel model = new LinearModel(d, k);
        double[] theta = new double[model.numParameters()];
        Random r = new Random(7);
        for (int i = 0; i < theta.length; i++) {
            theta[i] = 0.05 * r.nextGaussian();
        }
        double[] load = new double[reps];
        double[] shared = new double[reps];
        double[] perClass = new double[reps];
        for (int rep = -1; rep < reps; rep++) {
            long t0 = System.nanoTime();
            FeatureCovariance f = new FeatureCovariance(d);
            for (DataBlock b : blocks) {
                f.add(b);
            }
            long t1 = System.nanoTime();
            CurvatureCovariance s = new CurvatureCovariance(d);
            for (DataBlock b : blocks) {
                s.add(model, Objective.SOFTMAX, theta, b);
            }
            long t2 = System.nanoTime();
            CurvatureCovariance p = new CurvatureCovariance(d, k);
            for (DataBlock b : blocks) {
                p.add(model, Objective.SOFTMAX, theta, b);
            }
            long t3 = System.nanoTime();
            s.whitening(model, 1e-4);
            long t4 = System.nanoTime();
            p.whitening(model, 1e-4);
            long t5 = System.nanoTime();
            System.out.printf(Locale.ROOT, "  whitening from the matrices: shared %.3f s, per class %.3f s%n",
                    (t4 - t3) * 1e-9, (t5 - t4) * 1e-9);
            if (rep >= 0) {
                load[rep] = (t1 - t0) * 1e-9;
                shared[rep] = (t2 - t1) * 1e-9;
                perClass[rep] = (t3 - t2) * 1e-9;
            }
            if (rep == reps - 1) {
                System.out.printf(Locale.ROOT, "  sums of |C|: load %.15e, curvature shared %.15e%n",
                        absSum(f.covariance()), absSum(s.covariance()));
                double[] u = new double[model.numParameters()];
                Arrays.fill(u, 1.0);
                System.out.printf(Locale.ROOT, "  per-class whitening toUser(1): sum %.15e%n",
                        Arrays.stream(p.whitening(model, 1e-4).toUser(u)).map(Math::abs).sum());
            }
        }
        System.out.printf(Locale.ROOT, "%s: %d rows, %d features, fill %.3f, %d blocks (%s): load %.3f s,"
                        + " curvature shared %.3f s, per class (K=%d) %.3f s  [median of %d; all %s %s %s]%n",
                name, rows, d, (double) stored / rows / d, blocks.size(), blocks.get(0).isDense() ? "dense" : "CSR",
                median(load), median(shared), k, median(perClass), reps, Arrays.toString(load),
                Arrays.toString(shared), Arrays.toString(perClass));
    }

    static double absSum(double[] x) {
        double s = 0;
        for (double v : x) {
            s += Math.abs(v);
        }
        return s;
    }

    static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static List<DataBlock> libsvmBlocks(Path path, int d, BlockLayout layout) throws IOException {
        List<DataBlock> blocks = new ArrayList<>();
        BlockBuilder builder = new BlockBuilder(d, FeaturePrecision.FLOAT64, layout);
        int[] idx = new int[d];
        double[] val = new double[d];
        try (BufferedReader in = Files.newBufferedReader(path)) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.trim().split(" ");
                int count = 0;
                for (int p = 1; p < parts.length; p++) {
                    int colon = parts[p].indexOf(':');
                    idx[count] = Integer.parseInt(parts[p].substring(0, colon)) - 1;
                    val[count] = Double.parseDouble(parts[p].substring(colon + 1));
                    count++;
                }
                builder.addSparseRow(Double.parseDouble(parts[0]), 1.0, idx, val, count);
                if (builder.numRows() == 4096) {
                    blocks.add(builder.build());
                    builder = new BlockBuilder(d, FeaturePrecision.FLOAT64, layout);
                }
            }
        }
        if (builder.numRows() > 0) {
            blocks.add(builder.build());
        }
        return blocks;
    }

    static void writeImages(int rows, Path path) throws IOException {
        ImageRows images = new ImageRows(42 + 4, 28);
        double[] pixels = new double[images.numFeatures];
        try (java.io.BufferedWriter out = Files.newBufferedWriter(path)) {
            StringBuilder line = new StringBuilder();
            for (long i = 0; i < rows; i++) {
                line.setLength(0);
                line.append(images.fill(i, pixels));
                for (int j = 0; j < pixels.length; j++) {
                    if (pixels[j] != 0) {
                        line.append(' ').append(j + 1).append(':').append(pixels[j]);
                    }
                }
                out.write(line.append('\n').toString());
            }
        }
    }

    static List<DataBlock> imageBlocks(int rows, BlockLayout layout) {
        ImageRows images = new ImageRows(42 + 4, 28);
        int d = images.numFeatures;
        List<DataBlock> blocks = new ArrayList<>();
        BlockBuilder builder = new BlockBuilder(d, FeaturePrecision.FLOAT64, layout);
        double[] pixels = new double[d];
        int[] idx = new int[d];
        double[] val = new double[d];
        for (long i = 0; i < rows; i++) {
            int label = images.fill(i, pixels);
            int count = 0;
            for (int j = 0; j < d; j++) {
                if (pixels[j] != 0) {
                    idx[count] = j;
                    val[count++] = pixels[j];
                }
            }
            builder.addSparseRow(label, 1.0, idx, val, count);
            if (builder.numRows() == 4096) {
                blocks.add(builder.build());
                builder = new BlockBuilder(d, FeaturePrecision.FLOAT64, layout);
            }
        }
        if (builder.numRows() > 0) {
            blocks.add(builder.build());
        }
        return blocks;
    }
}
