package dev.downhill.driver.io;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeatureCovariance;
import dev.downhill.core.data.FeatureMoments;
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
    /** Cached blocks per partition, in partition order (what the mini-batch sampler numbers). */
    public final long[] blocksPerPartition;
    /** Held-out rows, or null. */
    public final Validation validation;
    /** Feature moments of the training blocks when the loader was asked for them, else null. */
    public final FeatureMoments moments;
    /** Whether the loader's options asked for the covariance (whitening) for this data's shape. */
    public final boolean covarianceWanted;
    /** The features' covariance when wanted and small enough to collect while loading, else null. */
    public final FeatureCovariance covariance;

    /**
     * The features' names, one per feature, where the input has them (a CSV header, --feature-columns, a vector
     * column's attributes), else null. Set by the loader.
     */
    public String[] featureNames;

    /** Rows held out for validation, packed and cached like the training blocks. */
    public static final class Validation {
        public final JavaRDD<DataBlock> blocks;
        public final long rows;

        public Validation(JavaRDD<DataBlock> blocks, long rows) {
            this.blocks = blocks;
            this.rows = rows;
        }
    }

    TrainingData(JavaRDD<DataBlock> blocks, InputFiles files, String format, int numFeatures, LabelEncoding labels,
                 InputSummary summary, SmoothnessBound smoothness, int partitions, long numBlocks, long denseBlocks,
                 long payloadBytes, BadRecords badRecords, long[] blocksPerPartition, Validation validation,
                 FeatureMoments moments, boolean covarianceWanted, FeatureCovariance covariance) {
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
        this.blocksPerPartition = blocksPerPartition;
        this.validation = validation;
        this.moments = moments;
        this.covarianceWanted = covarianceWanted;
        this.covariance = covariance;
    }

    /** The same data with another validation set (from --validation PATH). */
    public TrainingData withValidation(Validation v) {
        TrainingData copy = new TrainingData(blocks, files, format, numFeatures, labels, summary, smoothness,
                partitions, numBlocks, denseBlocks, payloadBytes, badRecords, blocksPerPartition, v, moments,
                covarianceWanted, covariance);
        copy.featureNames = featureNames;
        return copy;
    }

    /** Rows trained on: those packed into blocks (bad records and misfit labels left out). */
    public long rows() {
        return smoothness.rows();
    }

    /** Drops the cached blocks. */
    public void release() {
        blocks.unpersist(false);
        if (validation != null) {
            validation.blocks.unpersist(false);
        }
    }
}
