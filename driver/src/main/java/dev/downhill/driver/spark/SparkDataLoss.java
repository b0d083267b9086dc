package dev.downhill.driver.spark;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.model.Model;
import dev.downhill.core.objective.DataLoss;
import dev.downhill.core.objective.GradientAccumulator;
import dev.downhill.core.objective.LossEvaluator;
import dev.downhill.core.sample.MiniBatchSampler;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The data loss over cached blocks on a cluster: broadcast the parameters, let each task fold its
 * partition's blocks into one {@link GradientAccumulator} with worker-core's {@link LossEvaluator},
 * aggregate the accumulators in partition order ({@link OrderedAggregation}), and destroy the broadcast.
 * The task function ({@link PartialFold}) holds the model shape, the loss and the broadcast handle, or, for
 * at most {@link #INLINE_PARAMETERS} parameters, the parameters themselves.
 */
public final class SparkDataLoss implements DataLoss {
    /** Partials merged per group before the driver; the driver then receives at most max(F, P/F) of them. */
    static final int FAN_IN = 16;

    private final JavaSparkContext jsc;
    private final JavaRDD<DataBlock> blocks;
    private final Model model;
    private final Loss loss;
    private final int fanIn;
    /** Timing of the passes since the last {@link #takeTiming()}. */
    private long computeNanos;
    private long passNanos;
    private int passes;

    /** Aggregates with the fan-in {@link OrderedAggregation#fanIn} picks for the partition count and gradient size. */
    public SparkDataLoss(JavaSparkContext jsc, JavaRDD<DataBlock> blocks, Model model, Loss loss) {
        this(jsc, blocks, model, loss,
                OrderedAggregation.fanIn(blocks.getNumPartitions(), 8L * model.numParameters() + 64));
    }

    SparkDataLoss(JavaSparkContext jsc, JavaRDD<DataBlock> blocks, Model model, Loss loss, int fanIn) {
        this.jsc = jsc;
        this.blocks = blocks;
        this.model = model;
        this.loss = loss;
        this.fanIn = fanIn;
    }

    /** Time of the distributed passes since the last call: the slowest task's compute time and wall time. */
    public static final class Timing {
        /** Sum over passes of the slowest task's compute time. */
        public final long computeNanos;
        /** Wall time of the passes (scheduling, compute, transfer and merging). */
        public final long passNanos;
        public final int passes;

        public Timing(long computeNanos, long passNanos, int passes) {
            this.computeNanos = computeNanos;
            this.passNanos = passNanos;
            this.passes = passes;
        }

        /** Wall time of the passes not spent computing: scheduling, serialization, transfer, merging. */
        public long aggregationNanos() {
            return Math.max(0, passNanos - computeNanos);
        }
    }

    /** Returns the timing since the previous call and starts a new count. */
    public Timing takeTiming() {
        Timing t = new Timing(computeNanos, passNanos, passes);
        computeNanos = 0;
        passNanos = 0;
        passes = 0;
        return t;
    }

    @Override
    public int numParameters() {
        return model.numParameters();
    }

    @Override
    public GradientAccumulator evaluate(double[] params, boolean withGradient) {
        return evaluate(params, withGradient, null, 0);
    }

    /**
     * The data loss on mini-batch {@code batch} of {@code sampler}: each task folds only the blocks the
     * sampler picks for its partition, so the others are never read; the mean is over the rows used.
     */
    public DataLoss batch(MiniBatchSampler sampler, long batch) {
        return new DataLoss() {
            @Override
            public int numParameters() {
                return model.numParameters();
            }

            @Override
            public GradientAccumulator evaluate(double[] params, boolean withGradient) {
                return SparkDataLoss.this.evaluate(params, withGradient, sampler, batch);
            }
        };
    }

    /**
     * The data loss of training iteration {@code iteration} of a model with dropout: the rows of mini-batch
     * {@code iteration} of {@code sampler} (every row when it is null), each with its dropout mask drawn from
     * (seed, iteration, row key). The same iteration gives the same function, so a line search may evaluate it
     * at several points.
     */
    public DataLoss training(MiniBatchSampler sampler, long iteration, long seed) {
        return new DataLoss() {
            @Override
            public int numParameters() {
                return model.numParameters();
            }

            @Override
            public GradientAccumulator evaluate(double[] params, boolean withGradient) {
                return SparkDataLoss.this.evaluate(params, withGradient, sampler, iteration, true, seed);
            }
        };
    }

    private GradientAccumulator evaluate(double[] params, boolean withGradient, MiniBatchSampler sampler,
                                         long batch) {
        return evaluate(params, withGradient, sampler, batch, false, 0L);
    }

    private GradientAccumulator evaluate(double[] params, boolean withGradient, MiniBatchSampler sampler,
                                         long batch, boolean training, long seed) {
        long start = System.nanoTime();
        boolean inline = params.length <= INLINE_PARAMETERS;
        Broadcast<double[]> broadcast = inline ? null : jsc.broadcast(params);
        try {
            TimedPartial total = OrderedAggregation.aggregate(blocks,
                    new PartialFold(model, loss, broadcast, inline ? params.clone() : null, withGradient, sampler,
                            batch, training, seed), fanIn, TimedPartial::merge);
            computeNanos += total.computeNanos;
            passes++;
            return total.accumulator;
        } finally {
            if (broadcast != null) {
                broadcast.destroy();
            }
            passNanos += System.nanoTime() - start;
        }
    }

    /**
     * Parameter vectors up to this many doubles (64 KiB) travel inside the task function instead of a broadcast
     * of their own: Spark broadcasts each job's serialized function anyway, so this saves creating, fetching
     * and destroying a second broadcast every pass. Larger ones are broadcast, so the function stays small.
     */
    static final int INLINE_PARAMETERS = 8192;

    /**
     * One task's fold: everything it holds is shipped with each task, so it keeps the model's shape, the
     * loss, the broadcast handle and the batch choice, a parameter array only when it is small (nor this
     * driver-side object).
     */
    static final class PartialFold implements OrderedAggregation.PartitionFold<DataBlock, TimedPartial> {
        private static final long serialVersionUID = 1L;
        /**
         * One gradient array per executor thread, reused by every pass: a task's result is serialized on its
         * own thread before that thread runs another task, so the array is free again by then. Saves
         * allocating (and the garbage collector reclaiming) 8 bytes a parameter per task and pass.
         */
        private static final ThreadLocal<double[]> SCRATCH = new ThreadLocal<>();
        private final Model model;
        private final Loss loss;
        /** The parameters: broadcast, or (small vectors, see {@link #INLINE_PARAMETERS}) inline. */
        private final Broadcast<double[]> params;
        private final double[] inlineParams;
        private final boolean withGradient;
        private final MiniBatchSampler sampler;
        private final long batch;
        /** Training passes draw dropout masks from (seed, batch, row key); others are inference. */
        private final boolean training;
        private final long seed;

        PartialFold(Model model, Loss loss, Broadcast<double[]> params, double[] inlineParams, boolean withGradient,
                    MiniBatchSampler sampler, long batch, boolean training, long seed) {
            this.inlineParams = inlineParams;
            this.training = training;
            this.seed = seed;
            this.model = model;
            this.loss = loss;
            this.params = params;
            this.withGradient = withGradient;
            this.sampler = sampler;
            this.batch = batch;
        }

        @Override
        public TimedPartial apply(int partition, Iterator<DataBlock> it) {
            long taskStart = System.nanoTime();
            double[] theta = inlineParams != null ? inlineParams : params.value();
            LossEvaluator evaluator = evaluator(model, loss);
            if (training) {
                evaluator.training(seed, batch);
            } else {
                evaluator.inference();
            }
            GradientAccumulator acc = new GradientAccumulator(model.numParameters(), scratch(model.numParameters()));
            boolean[] use = sampler == null ? null : sampler.chosen(batch, partition);
            int i = 0;
            while (it.hasNext()) {
                DataBlock block = it.next();
                if (use != null && !use[i++]) {
                    continue;
                }
                if (withGradient) {
                    evaluator.accumulate(block, theta, acc);
                } else {
                    evaluator.accumulateValue(block, theta, acc);
                }
            }
            return new TimedPartial(acc, System.nanoTime() - taskStart);
        }

        /**
         * One evaluator per executor thread, reused while the model's shape and the loss stay the same: a network's
         * evaluator holds its tape's buffers (tens of MB for 4096-row blocks), which would otherwise be allocated
         * anew by every task of every pass.
         */
        private static final ThreadLocal<Object[]> EVALUATOR = new ThreadLocal<>();

        private static LossEvaluator evaluator(Model model, Loss loss) {
            Object[] cached = EVALUATOR.get();
            if (cached != null && cached[0].equals(model.architecture()) && cached[1].equals(loss.getClass())
                    && (int) cached[2] == model.numOutputs()) {
                return (LossEvaluator) cached[3];
            }
            LossEvaluator e = new LossEvaluator(model, loss);
            EVALUATOR.set(new Object[] {model.architecture(), loss.getClass(), model.numOutputs(), e});
            return e;
        }

        private static double[] scratch(int n) {
            double[] a = SCRATCH.get();
            if (a == null || a.length != n) {
                a = new double[n];
                SCRATCH.set(a);
            }
            return a;
        }
    }
}
