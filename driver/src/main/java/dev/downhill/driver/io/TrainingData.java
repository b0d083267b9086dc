package dev.downhill.driver.io;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.objective.SmoothnessBound;
import org.apache.spark.api.java.JavaRDD;

/** Loaded, packed and cached training data, with what the loader learned about it. */
public final class TrainingData {
    public final JavaRDD<DataBlock> blocks;
    public final InputFiles files;
    public final String format;
    public final int numFeatures;
    public final LabelEncoding labels;
    public final InputSummary summary;
    public final SmoothnessBound smoothness;
    public final int partitions;
    public final long numBlocks;
    public final long denseBlocks;
    public final long payloadBytes;
    /** What on-bad-record=skip left out (empty under fail). */
    public final BadRecords badRecords;

    TrainingData(JavaRDD<DataBlock> blocks, InputFiles files, String format, int numFeatures, LabelEncoding labels,
                 InputSummary summary, SmoothnessBound smoothness, int partitions, long numBlocks, long denseBlocks,
                 long payloadBytes, BadRecords badRecords) {
        this.blocks = blocks;
        this.files = files;
        this.format = format;
        this.numFeatures = numFeatures;
        this.labels = labels;
        this.summary = summary;
        this.smoothness = smoothness;
        this.partitions = partitions;
        this.numBlocks = numBlocks;
        this.denseBlocks = denseBlocks;
        this.payloadBytes = payloadBytes;
        this.badRecords = badRecords;
    }

    /** Rows trained on: those packed into blocks (bad records and misfit labels left out). */
    public long rows() {
        return smoothness.rows();
    }

    /** Drops the cached blocks. */
    public void release() {
        blocks.unpersist(false);
    }
}
