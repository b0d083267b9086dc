package dev.downhill.driver.sharded;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.Architecture;
import dev.downhill.core.model.Predictor;
import dev.downhill.core.objective.ParameterSlice;
import dev.downhill.driver.sharded.ShardedDataLoss.Pulled;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Scoring data with a linear model whose parameters stay sharded on the executors (evaluate, predict and the
 * training-set metrics of --aggregation sharded, issue #14). Each data partition p reads the sorted features
 * F_p its blocks store; it needs only the parameters {k d + j : j in F_p, k < K} and the K intercepts
 * ({@link PullPlan#parameters}), which the slices send it through one shuffle keyed by partition, as a training
 * pull does. The partition then runs worker-core's {@link Predictor} for a linear model of |F_p| features on
 * its blocks re-packed over local columns ({@link DataBlock#withColumns}): each output z_k = w_k . x + b_k adds
 * the same products in the same order as the whole model does, so every score has the same bits as scoring
 * with the assembled model. The driver holds neither the parameters nor any feature list.
 *
 * <p>Three stages: the feature sets (one pass over the data, kept until {@link #release}), the requests to the
 * slices (shuffled by slice), the pulled entries to the partitions (shuffled by partition).
 */
public final class ShardedScoring {
    private final JavaRDD<int[]> columns;
    private final JavaRDD<LocalModel> models;

    private ShardedScoring(JavaRDD<int[]> columns, JavaRDD<LocalModel> models) {
        this.columns = columns;
        this.models = models;
    }

    /** One data partition's part of the model: its columns F_p and the parameters it reads, in model order. */
    public static final class LocalModel implements Serializable {
        private static final long serialVersionUID = 1L;
        /** The global features of the local columns, increasing. */
        private final int[] columns;
        /** K weight rows over the local columns, then the K intercepts (LinearModel's layout). */
        private final double[] parameters;
        private final int numOutputs;

        LocalModel(int[] columns, double[] parameters, int numOutputs) {
            this.columns = columns;
            this.parameters = parameters;
            this.numOutputs = numOutputs;
        }

        /** A block of this partition over the local columns. */
        public DataBlock pack(DataBlock block) {
            return block.withColumns(columns);
        }

        /** The blocks packed one by one as they are read. */
        public Iterator<DataBlock> pack(Iterator<DataBlock> blocks) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return blocks.hasNext();
                }

                @Override
                public DataBlock next() {
                    return pack(blocks.next());
                }
            };
        }

        /** worker-core's predictor of the local model, for packed blocks. */
        public Predictor predictor(Objective objective, int numClasses) {
            return new Predictor(objective, Architecture.linear(columns.length, numOutputs), numClasses, parameters);
        }
    }

    /**
     * Pulls, for each partition of {@code blocks}, the parameters of {@code theta} (a linear model of
     * {@code numFeatures} features and {@code numOutputs} outputs) its features need. The result's partition p
     * belongs to partition p of {@code blocks} (zip them); {@code blocks} is read once more for the feature sets.
     */
    public static ShardedScoring pull(JavaRDD<DataBlock> blocks, ShardedVector theta, int numFeatures,
                                      int numOutputs) {
        SliceLayout layout = theta.layout();
        if ((long) (numFeatures + 1) * numOutputs != layout.numParameters()) {
            throw new IllegalArgumentException(layout + " for a linear model of " + numFeatures + " features and "
                    + numOutputs + " outputs");
        }
        // a partition's blocks one at a time: predict streams its input and must not hold it
        JavaRDD<int[]> columns = blocks.mapPartitions(it -> {
            int[] acc = new int[0];
            while (it.hasNext()) {
                acc = PullPlan.mergeDistinct(acc, it.next().storedFeatures());
            }
            return PullPlan.single(acc);
        }).persist(ShardedVector.STORAGE);
        int numPartitions = blocks.getNumPartitions();
        JavaRDD<Tuple2<Integer, PullPlan.Request>> requests = columns.mapPartitionsWithIndex((p, it) -> {
            int[] needed = PullPlan.parameters(it.next(), numFeatures, numOutputs);
            List<Tuple2<Integer, PullPlan.Request>> out = new ArrayList<>();
            int from = 0;
            while (from < needed.length) { // a run of needed indices in one slice
                int s = layout.sliceOf(needed[from]);
                int end = layout.start(s + 1);
                int to = from;
                while (to < needed.length && needed[to] < end) {
                    to++;
                }
                int[] offsets = new int[to - from];
                for (int t = 0; t < offsets.length; t++) {
                    offsets[t] = needed[from + t] - layout.start(s);
                }
                out.add(new Tuple2<>(s, new PullPlan.Request(p, offsets)));
                from = to;
            }
            return out.iterator();
        }, true);
        JavaRDD<Tuple2<Integer, Pulled>> pulled = requests.mapToPair(t -> t)
                .partitionBy(new KeyPartitioner(layout.numSlices()))
                .zipPartitions(theta.slices(), (reqIt, sliceIt) -> {
                    double[] slice = sliceIt.next();
                    // one request's entries at a time (the key is this slice's id)
                    return new Iterator<Tuple2<Integer, Pulled>>() {
                        @Override
                        public boolean hasNext() {
                            return reqIt.hasNext();
                        }

                        @Override
                        public Tuple2<Integer, Pulled> next() {
                            Tuple2<Integer, PullPlan.Request> t = reqIt.next();
                            return new Tuple2<>(t._2().partition,
                                    new Pulled(t._1(), ParameterSlice.gather(slice, t._2().offsets), null));
                        }
                    };
                });
        JavaRDD<LocalModel> models = columns.zipPartitions(
                pulled.mapToPair(t -> t).partitionBy(new KeyPartitioner(numPartitions)),
                (colIt, pieceIt) -> PullPlan.single(assemble(colIt.next(), pieceIt, numFeatures, numOutputs)));
        return new ShardedScoring(columns, models);
    }

    /** A partition's pulled pieces in slice order, which is the order of its needed indices. */
    private static LocalModel assemble(int[] columns, Iterator<Tuple2<Integer, Pulled>> pieceIt, int numFeatures,
                                       int numOutputs) {
        List<Pulled> pieces = new ArrayList<>();
        pieceIt.forEachRemaining(t -> pieces.add(t._2()));
        pieces.sort((a, b) -> Integer.compare(a.slice, b.slice));
        double[] parameters = new double[(columns.length + 1) * numOutputs];
        int at = 0;
        for (Pulled p : pieces) {
            if (at + p.values.length > parameters.length) {
                throw new IllegalStateException("pulled more than the " + parameters.length + " parameters of "
                        + columns.length + " features");
            }
            System.arraycopy(p.values, 0, parameters, at, p.values.length);
            at += p.values.length;
        }
        if (at != parameters.length) {
            throw new IllegalStateException("pulled " + at + " of " + parameters.length + " parameters");
        }
        return new LocalModel(columns, parameters, numOutputs);
    }

    /** Partition p: the local model of the data's partition p. */
    public JavaRDD<LocalModel> localModels() {
        return models;
    }

    /** Drops the cached feature sets. */
    public void release() {
        columns.unpersist(false);
    }

    /**
     * A vector of slices read on the executors (from a sharded model's files), cached until released; a lost
     * executor's slices are read from the files again.
     */
    public static ShardedVector cache(SliceLayout layout, JavaRDD<double[]> slices) {
        return new ShardedVector(layout, slices.persist(ShardedVector.STORAGE), slices);
    }
}
