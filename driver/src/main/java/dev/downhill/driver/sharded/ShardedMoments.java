package dev.downhill.driver.sharded;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeatureMoments;
import dev.downhill.core.objective.ParameterSlice;
import dev.downhill.core.objective.StandardizationSlice;
import dev.downhill.driver.sharded.PullPlan.LocalPartition;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * The diagonal standardization's scale s_j and center m_j, computed and kept on the executors: each data
 * partition takes its features' weighted sums over its local columns ({@link FeatureMoments}), lays them out as the
 * parameters it reads (the same sums at every output's entry of a feature), and the pieces are summed per slice
 * in partition order through a shuffle keyed by slice, as gradients are; each slice then turns its sums into
 * s_j and m_j ({@link StandardizationSlice#scaleAndMean}). One pass over the data, no d-sized array on the driver.
 */
public final class ShardedMoments {
    private ShardedMoments() {}

    /** One partition's sums for one slice's entries (null when it reads none there) and its total weight. */
    static final class Piece implements Serializable {
        private static final long serialVersionUID = 1L;
        final int partition;
        final double weightSum;
        final double[] sum;
        final double[] squares;

        Piece(int partition, double weightSum, double[] sum, double[] squares) {
            this.partition = partition;
            this.weightSum = weightSum;
            this.sum = sum;
            this.squares = squares;
        }
    }

    /**
     * The standardization's scale and center as vectors aligned with the parameters (0 at the intercepts), sharing
     * one cache, and each slice's part of the standardized problem's Lipschitz bound, in slice order.
     */
    public record Standardizing(ShardedVector scale, ShardedVector mean, List<double[]> lipschitzParts) {
        /** {scale, mean}. */
        public ShardedVector[] scaleAndMean() {
            return new ShardedVector[] {scale, mean};
        }

        /** The tree path's 1/L bound's L in the standardized coordinates ({@link StandardizationSlice#lipschitz}). */
        public double lipschitz(double curvatureBound, double lambda) {
            return StandardizationSlice.lipschitz(lipschitzParts, curvatureBound, lambda);
        }
    }

    /** The moments' pass (one job). */
    public static Standardizing scaleAndMean(PullPlan plan) {
        SliceLayout layout = plan.layout;
        int d = plan.numFeatures;
        int k = plan.numOutputs;
        JavaRDD<Tuple2<Integer, Piece>> pieces = plan.local.flatMap(lp -> pieces(lp, k, layout).iterator());
        JavaRDD<double[][]> both = plan.requests.zipPartitions(
                pieces.mapToPair(t -> t).partitionBy(new KeyPartitioner(layout.numSlices())), (reqIt, pieceIt) -> {
                    PullPlan.SliceRequests req = reqIt.next();
                    List<Piece> all = new ArrayList<>();
                    pieceIt.forEachRemaining(t -> all.add(t._2()));
                    all.sort((a, b) -> Integer.compare(a.partition, b.partition));
                    int n = layout.length(req.slice);
                    double[] sum = new double[n];
                    double[] squares = new double[n];
                    double weightSum = 0;
                    for (Piece p : all) {
                        weightSum += p.weightSum;
                        if (p.sum != null) {
                            ParameterSlice.addScattered(sum, req.offsetsOf(p.partition), p.sum);
                            ParameterSlice.addScattered(squares, req.offsetsOf(p.partition), p.squares);
                        }
                    }
                    return PullPlan.single(StandardizationSlice.scaleAndMean(sum, squares, weightSum,
                            layout.start(req.slice), d, k));
                }).persist(ShardedVector.STORAGE);
        List<double[]> parts = OrderedCollect.inOrder(both.map(x -> x[2])); // computes and caches both
        return new Standardizing(new ShardedVector(layout, both.map(x -> x[0]), both),
                new ShardedVector(layout, both.map(x -> x[1]), both), parts);
    }

    private static List<Tuple2<Integer, Piece>> pieces(LocalPartition lp, int k, SliceLayout layout) {
        int m = lp.columns.length;
        FeatureMoments moments = new FeatureMoments(m);
        for (DataBlock b : lp.blocks) {
            moments.add(b);
        }
        // the local parameters' order: K rows of m weights, then K intercepts (0: no moments)
        double[] sum = new double[(m + 1) * k];
        double[] squares = new double[(m + 1) * k];
        for (int c = 0; c < k; c++) {
            System.arraycopy(moments.sums(), 0, sum, c * m, m);
            System.arraycopy(moments.sumSquares(), 0, squares, c * m, m);
        }
        List<Tuple2<Integer, Piece>> out = new ArrayList<>(layout.numSlices());
        int i = 0;
        for (int s = 0; s < layout.numSlices(); s++) {
            double[] a = null;
            double[] q = null;
            if (i < lp.slices.length && lp.slices[i] == s) {
                a = java.util.Arrays.copyOfRange(sum, lp.chunkStart[i], lp.chunkStart[i + 1]);
                q = java.util.Arrays.copyOfRange(squares, lp.chunkStart[i], lp.chunkStart[i + 1]);
                i++;
            }
            out.add(new Tuple2<>(s, new Piece(lp.partition, moments.weightSum(), a, q)));
        }
        return out;
    }
}
