package dev.downhill.driver.io;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.data.FeatureCovariance;
import dev.downhill.core.data.FeatureMoments;
import dev.downhill.core.objective.SmoothnessBound;
import java.io.Serializable;

/**
 * Counts and sizes of the cached blocks, the smoothness bound and (when asked, for standardization) the
 * feature moments, from the one pass that fills the cache.
 */
public final class BlockStats implements Serializable {
    private static final long serialVersionUID = 1L;

    final SmoothnessBound bound = new SmoothnessBound();
    long blocks;
    long denseBlocks;
    long payloadBytes;
    /** Null unless the loader was asked for them. */
    FeatureMoments moments;
    /** Null unless asked for (whitening). */
    FeatureCovariance covariance;

    BlockStats() {
    }

    /** Also takes the feature moments of {@code numFeatures} features, and their covariance if asked. */
    BlockStats(int numFeatures, boolean covariance) {
        this.moments = new FeatureMoments(numFeatures);
        this.covariance = covariance ? new FeatureCovariance(numFeatures) : null;
    }

    void add(DataBlock block) {
        bound.add(block);
        if (moments != null) {
            moments.add(block);
        }
        if (covariance != null) {
            covariance.add(block);
        }
        blocks++;
        if (block.isDense()) {
            denseBlocks++;
        }
        payloadBytes += block.payloadBytes();
    }

    BlockStats merge(BlockStats o) {
        bound.merge(o.bound);
        blocks += o.blocks;
        denseBlocks += o.denseBlocks;
        payloadBytes += o.payloadBytes;
        if (o.moments != null) {
            moments = moments == null ? o.moments : moments.merge(o.moments);
        }
        if (o.covariance != null) {
            covariance = covariance == null ? o.covariance : covariance.merge(o.covariance);
        }
        return this;
    }
}
