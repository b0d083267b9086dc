package dev.downhill.driver.spark;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.metrics.MetricsAccumulator;
import dev.downhill.core.model.Model;
import dev.downhill.core.model.Predictor;
import dev.downhill.core.objective.GradientAccumulator;
import dev.downhill.core.objective.LossEvaluator;
import java.io.Serializable;
import java.util.Collections;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * One distributed pass over the validation blocks at given parameters: the mean loss (the data term, no
 * penalty: what early stopping compares) and the objective's headline metric (accuracy for classifiers,
 * RMSE for least squares), both from worker-core, merged in partition order.
 */
public final class ValidationPass {
    private final JavaSparkContext jsc;
    private final JavaRDD<DataBlock> blocks;
    private final Model model;
    private final Loss loss;
    private final Objective objective;
    private final int numFeatures;
    private final int numClasses;

    /** The result of one pass. */
    public record Result(double meanLoss, double metric) {
    }

    public ValidationPass(JavaSparkContext jsc, JavaRDD<DataBlock> blocks, Model model, Loss loss,
                          Objective objective, int numFeatures, int numClasses) {
        this.jsc = jsc;
        this.blocks = blocks;
        this.model = model;
        this.loss = loss;
        this.objective = objective;
        this.numFeatures = numFeatures;
        this.numClasses = numClasses;
    }

    /** "accuracy" or "rmse". */
    public String metricName() {
        return objective == Objective.LEAST_SQUARES ? "rmse" : "accuracy";
    }

    public Result evaluate(double[] theta) {
        Broadcast<double[]> params = jsc.broadcast(theta);
        try {
            final Model m = model;
            final Loss l = loss;
            final Objective o = objective;
            final int classes = numClasses;
            final int k = Math.max(numClasses, 2);
            JavaRDD<Partial> partials = blocks.mapPartitions(it -> {
                LossEvaluator evaluator = new LossEvaluator(m, l);
                Predictor predictor = new Predictor(o, m.architecture(), classes, params.value());
                Partial p = new Partial(new GradientAccumulator(m.numParameters()), new MetricsAccumulator(o, k));
                while (it.hasNext()) {
                    DataBlock block = it.next();
                    evaluator.accumulateValue(block, params.value(), p.loss);
                    predictor.predict(block);
                    p.metrics.add(predictor, block);
                }
                return Collections.singletonList(p).iterator();
            });
            Partial total = OrderedAggregation.aggregate(partials, SparkDataLoss.FAN_IN, Partial::merge);
            MetricsAccumulator mt = total.metrics;
            double metric = objective == Objective.LEAST_SQUARES ? mt.errors().rmse() : mt.classes().accuracy();
            return new Result(total.loss.meanLoss(), metric);
        } finally {
            params.destroy();
        }
    }

    /** One task's sums. */
    public static final class Partial implements Serializable {
        private static final long serialVersionUID = 1L;
        final GradientAccumulator loss;
        final MetricsAccumulator metrics;

        Partial(GradientAccumulator loss, MetricsAccumulator metrics) {
            this.loss = loss;
            this.metrics = metrics;
        }

        Partial merge(Partial other) {
            loss.merge(other.loss);
            metrics.merge(other.metrics);
            return this;
        }
    }
}
