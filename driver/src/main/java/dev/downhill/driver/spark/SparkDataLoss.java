package dev.downhill.driver.spark;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.model.Model;
import dev.downhill.core.objective.DataLoss;
import dev.downhill.core.objective.GradientAccumulator;
import dev.downhill.core.objective.LossEvaluator;
import java.util.Collections;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * The data loss over cached blocks on a cluster: broadcast the parameters, let each task fold its
 * partition's blocks into one {@link GradientAccumulator} with worker-core's {@link LossEvaluator},
 * aggregate the accumulators in partition order ({@link OrderedAggregation}), and destroy the broadcast.
 * The task closure holds only the model shape, the loss and the broadcast handle: no d-sized array.
 */
public final class SparkDataLoss implements DataLoss {
    /** Partials merged per group before the driver; the driver then receives at most max(F, P/F) of them. */
    static final int FAN_IN = 16;

    private final JavaSparkContext jsc;
    private final JavaRDD<DataBlock> blocks;
    private final Model model;
    private final Loss loss;
    private final int fanIn;

    public SparkDataLoss(JavaSparkContext jsc, JavaRDD<DataBlock> blocks, Model model, Loss loss) {
        this(jsc, blocks, model, loss, FAN_IN);
    }

    SparkDataLoss(JavaSparkContext jsc, JavaRDD<DataBlock> blocks, Model model, Loss loss, int fanIn) {
        this.jsc = jsc;
        this.blocks = blocks;
        this.model = model;
        this.loss = loss;
        this.fanIn = fanIn;
    }

    @Override
    public int numParameters() {
        return model.numParameters();
    }

    @Override
    public GradientAccumulator evaluate(double[] params, boolean withGradient) {
        Broadcast<double[]> broadcast = jsc.broadcast(params);
        try {
            final Model m = model;
            final Loss l = loss;
            final int n = m.numParameters();
            JavaRDD<GradientAccumulator> partials = blocks.mapPartitions(it -> {
                LossEvaluator evaluator = new LossEvaluator(m, l);
                GradientAccumulator acc = new GradientAccumulator(n);
                double[] theta = broadcast.value();
                while (it.hasNext()) {
                    DataBlock block = it.next();
                    if (withGradient) {
                        evaluator.accumulate(block, theta, acc);
                    } else {
                        evaluator.accumulateValue(block, theta, acc);
                    }
                }
                return Collections.singletonList(acc).iterator();
            });
            return OrderedAggregation.aggregate(partials, fanIn, GradientAccumulator::merge);
        } finally {
            broadcast.destroy();
        }
    }
}
