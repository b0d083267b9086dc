package dev.downhill.driver.spark;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.metrics.MetricsAccumulator;
import dev.downhill.core.model.Architecture;
import dev.downhill.core.model.Predictor;
import dev.downhill.driver.sharded.ShardedScoring;
import dev.downhill.driver.sharded.ShardedVector;
import java.io.Serializable;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * One distributed pass over the cached training blocks with the trained parameters: the training-set metrics
 * (worker-core's {@link MetricsAccumulator}, as evaluate computes them) and, for classifiers, the smallest margin
 * over the rows: s_i z_i for logistic and hinge (s_i = 2y_i - 1), z_{y_i} - max_{c != y_i} z_c for softmax.
 * A positive smallest margin certifies that the parameters classify every row correctly, i.e. that the rows are
 * separable by the model (linearly, for a linear model): then scaling the output layer's weights and intercepts by
 * t > 1 multiplies every margin by t, so the logistic and softmax losses, which fall strictly with every margin,
 * have no minimizer without a penalty.
 * Partials merge in partition order, so the figures are the same every run.
 */
public final class TrainingSetPass {
    private TrainingSetPass() {}

    /** What the pass found; minMargin is NaN for least squares. */
    public record Result(MetricsAccumulator metrics, double minMargin) {
    }

    /** @param numClasses K for classifiers, 0 for least squares; theta laid out as {@code architecture}'s tensors */
    public static Result run(JavaSparkContext jsc, JavaRDD<DataBlock> blocks, Objective objective,
                             Architecture architecture, int numClasses, double[] theta) {
        Broadcast<double[]> params = jsc.broadcast(theta);
        try {
            final int k = classes(objective, numClasses);
            JavaRDD<Partial> partials = blocks.mapPartitions(it -> partial(it, objective, k,
                    new Predictor(objective, architecture, k, params.value())));
            return total(partials, objective);
        } finally {
            params.destroy();
        }
    }

    /**
     * The same pass for a linear model whose parameters stay sharded on the executors (--aggregation sharded):
     * each partition pulls the parameters its features need and scores its blocks over local columns
     * ({@link ShardedScoring}), so every row's outputs, and the figures, have the tree pass's bits.
     */
    public static Result run(JavaRDD<DataBlock> blocks, ShardedVector theta, Objective objective, int numFeatures,
                             int numClasses) {
        final int k = classes(objective, numClasses);
        ShardedScoring pulled = ShardedScoring.pull(blocks, theta, numFeatures, objective.numOutputs(k));
        try {
            JavaRDD<Partial> partials = blocks.zipPartitions(pulled.localModels(), (it, local) -> {
                ShardedScoring.LocalModel m = local.next();
                return partial(m.pack(it), objective, k, m.predictor(objective, k));
            });
            return total(partials, objective);
        } finally {
            pulled.release();
        }
    }

    private static int classes(Objective objective, int numClasses) {
        return objective == Objective.LEAST_SQUARES ? 0 : Math.max(numClasses, 2);
    }

    /** One task's metrics and smallest margin over its blocks. */
    private static Iterator<Partial> partial(Iterator<DataBlock> it, Objective objective, int k,
                                             Predictor predictor) {
        Partial p = new Partial(new MetricsAccumulator(objective, k));
        while (it.hasNext()) {
            DataBlock block = it.next();
            predictor.predict(block);
            p.metrics.add(predictor, block);
            if (objective != Objective.LEAST_SQUARES) {
                for (int i = 0; i < block.numRows(); i++) {
                    p.minMargin = Math.min(p.minMargin, margin(predictor, objective, k, i, (int) block.label(i)));
                }
            }
        }
        return Collections.singletonList(p).iterator();
    }

    /** The partials merged in partition order. */
    private static Result total(JavaRDD<Partial> partials, Objective objective) {
        Partial total = OrderedAggregation.aggregate(partials, SparkDataLoss.FAN_IN, Partial::merge);
        return new Result(total.metrics, objective == Objective.LEAST_SQUARES ? Double.NaN : total.minMargin);
    }

    /** The margin of a row of class {@code y}: positive when the model puts it strictly on its own side. */
    static double margin(Predictor p, Objective objective, int numClasses, int row, int y) {
        if (objective != Objective.SOFTMAX) {
            return (2 * y - 1) * p.output(row, 0);
        }
        double other = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < numClasses; c++) {
            if (c != y) {
                other = Math.max(other, p.output(row, c));
            }
        }
        return p.output(row, y) - other;
    }

    /** One task's sums. */
    public static final class Partial implements Serializable {
        private static final long serialVersionUID = 1L;
        final MetricsAccumulator metrics;
        double minMargin = Double.POSITIVE_INFINITY;

        Partial(MetricsAccumulator metrics) {
            this.metrics = metrics;
        }

        Partial merge(Partial other) {
            metrics.merge(other.metrics);
            minMargin = Math.min(minMargin, other.minMargin);
            return this;
        }
    }
}
