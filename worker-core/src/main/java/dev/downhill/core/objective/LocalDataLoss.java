package dev.downhill.core.objective;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.model.Model;
import java.util.List;

/**
 * The data loss as a plain fold over blocks held in this JVM: the reference the distributed
 * computation is tested against, and the way to train on small data without Spark.
 */
public final class LocalDataLoss implements DataLoss {
    private final List<? extends DataBlock> blocks;
    private final Model model;
    private final Loss loss;

    public LocalDataLoss(List<? extends DataBlock> blocks, Model model, Loss loss) {
        this.blocks = blocks;
        this.model = model;
        this.loss = loss;
    }

    @Override
    public int numParameters() {
        return model.numParameters();
    }

    @Override
    public GradientAccumulator evaluate(double[] params, boolean withGradient) {
        LossEvaluator evaluator = new LossEvaluator(model, loss);
        GradientAccumulator acc = new GradientAccumulator(model.numParameters());
        for (DataBlock block : blocks) {
            if (withGradient) {
                evaluator.accumulate(block, params, acc);
            } else {
                evaluator.accumulateValue(block, params, acc);
            }
        }
        return acc;
    }
}
