package dev.downhill.driver.spark;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.metrics.MetricsAccumulator;
import dev.downhill.core.model.Architecture;
import dev.downhill.core.model.Predictor;
import java.io.Serializable;
import java.util.Collections;
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
            final int k = objective == Objective.LEAST_SQUARES ? 0 : Math.max(numClasses, 2);
            JavaRDD<Partial> partials = blocks.mapPartitions(it -> {
                Predictor predictor = new Predictor(objective, architecture, k, params.value());
                Partial p = new Partial(new MetricsAccumulator(objective, k));
                while (it.hasNext()) {
                    DataBlock block = it.next();
                    predictor.predict(block);
                    p.metrics.add(predictor, block);
                    if (objective != Objective.LEAST_SQUARES) {
                        for (int i = 0; i < block.numRows(); i++) {
                            p.minMargin = Math.min(p.minMargin, margin(predictor, objective, k, i,
                                    (int) block.label(i)));
                        }
                    }
                }
                return Collections.singletonList(p).iterator();
            });
            Partial total = OrderedAggregation.aggregate(partials, SparkDataLoss.FAN_IN, Partial::merge);
            return new Result(total.metrics, objective == Objective.LEAST_SQUARES ? Double.NaN : total.minMargin);
        } finally {
            params.destroy();
        }
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
