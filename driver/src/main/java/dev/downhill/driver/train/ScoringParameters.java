package dev.downhill.driver.train;

import dev.downhill.core.data.DataBlock;
import dev.downhill.driver.sharded.ShardedScoring;
import dev.downhill.driver.sharded.ShardedVector;
import java.io.PrintStream;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * A model's parameters as evaluate's and predict's tasks read them: broadcast from the driver when the model file
 * gave them to it, else (a sharded model above a quarter of the driver's heap, {@link ShardedModelFile}) read into
 * slices on the executors and pulled per data partition ({@link ShardedScoring}). Closing frees whichever it holds.
 */
public final class ScoringParameters implements AutoCloseable {
    private final Broadcast<double[]> broadcast;
    private final ShardedVector theta;
    private final ShardedScoring pulled;

    private ScoringParameters(Broadcast<double[]> broadcast, ShardedVector theta, ShardedScoring pulled) {
        this.broadcast = broadcast;
        this.theta = theta;
        this.pulled = pulled;
    }

    /**
     * The model's parameters for scoring {@code blocks} (asked for only on the sharded path, which reads the data
     * once more for each partition's feature set); on the sharded path prints why to {@code out}.
     */
    public static ScoringParameters of(JavaSparkContext jsc, TrainingResult model,
                                       Supplier<JavaRDD<DataBlock>> blocks, PrintStream out) {
        if (model.parameters != null) {
            return new ScoringParameters(jsc.broadcast(model.parameters), null, null);
        }
        ShardedVector theta = ShardedModelFile.readSlices(jsc, model);
        try {
            out.println(ShardedModelFile.scoringNote(model));
            return new ScoringParameters(null, theta,
                    ShardedScoring.pull(blocks.get(), theta, model.numFeatures, model.numOutputs));
        } catch (RuntimeException e) {
            theta.release();
            throw e;
        }
    }

    /** The broadcast parameters, or null when the model is scored from its shards. */
    public Broadcast<double[]> broadcast() {
        return broadcast;
    }

    /** Each data partition's pulled part of a sharded model (one per partition), or null when broadcast. */
    public JavaRDD<ShardedScoring.LocalModel> localModels() {
        return pulled == null ? null : pulled.localModels();
    }

    @Override
    public void close() {
        if (broadcast != null) {
            broadcast.destroy();
        }
        if (pulled != null) {
            pulled.release();
        }
        if (theta != null) {
            theta.release();
        }
    }
}
