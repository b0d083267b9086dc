package dev.downhill.driver.bench;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.BlockLayout;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeaturePrecision;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

/**
 * Where CSR stops paying for a network's first layer: seconds of multiplyTransposed + transposeMultiplyAddMatrix
 * (the forward product and the weight gradient) per block, dense against CSR, by density, on one thread (thread
 * CPU time, so other load on the machine counts less). Not a test; run as a main:
 * {@code LayoutCrossover [rows] [features] [outputs]}. What it measured sets
 * {@link dev.downhill.core.data.BlockLayout#FOR_MATRIX_PRODUCTS}'s rule.
 */
final class LayoutCrossover {
    private LayoutCrossover() {}

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 4096;
        int d = args.length > 1 ? Integer.parseInt(args[1]) : 784;
        int outputs = args.length > 2 ? Integer.parseInt(args[2]) : 128;
        Random r = new Random(1);
        double[] w = MatrixRate.random(outputs * d, 3);
        double[] dz = MatrixRate.random(rows * outputs, 4);
        double[] g = new double[outputs * d];
        double[] z = new double[rows * outputs];
        System.out.printf("rows %d, features %d, outputs %d: ms per block (forward + weight gradient)%n", rows, d,
                outputs);
        System.out.println("density  dense64    csr64  dense32    csr32");
        for (double density : new double[] {0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5}) {
            BlockBuilder[] builders = {
                new BlockBuilder(d, FeaturePrecision.FLOAT64, BlockLayout.DENSE),
                new BlockBuilder(d, FeaturePrecision.FLOAT64, BlockLayout.SPARSE),
                new BlockBuilder(d, FeaturePrecision.FLOAT32, BlockLayout.DENSE),
                new BlockBuilder(d, FeaturePrecision.FLOAT32, BlockLayout.SPARSE),
            };
            double[] row = new double[d];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < d; j++) {
                    row[j] = r.nextDouble() < density ? r.nextDouble() : 0.0;
                }
                for (BlockBuilder b : builders) {
                    b.addDenseRow(0, 1, row);
                }
            }
            StringBuilder line = new StringBuilder(String.format("%7.2f", density));
            for (BlockBuilder b : builders) {
                line.append(String.format("  %7.1f", 1e3 * seconds(b.build(), w, outputs, z, dz, g)));
            }
            System.out.println(line);
        }
    }

    static double seconds(DataBlock block, double[] w, int outputs, double[] z, double[] dz, double[] g) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 5; rep++) {
            long t0 = mx.getCurrentThreadCpuTime();
            int rounds = 0;
            do {
                block.multiplyTransposed(w, 0, outputs, z);
                block.transposeMultiplyAddMatrix(dz, outputs, g, 0);
                rounds++;
            } while (mx.getCurrentThreadCpuTime() - t0 < 200_000_000L);
            best = Math.min(best, (mx.getCurrentThreadCpuTime() - t0) * 1e-9 / rounds);
        }
        return best;
    }
}
