package dev.downhill.driver.io;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.objective.SmoothnessBound;
import java.io.Serializable;

/** Counts and sizes of the cached blocks, and the smoothness bound, from one pass over them. */
public final class BlockStats implements Serializable {
    private static final long serialVersionUID = 1L;

    final SmoothnessBound bound = new SmoothnessBound();
    long blocks;
    long denseBlocks;
    long payloadBytes;

    void add(DataBlock block) {
        bound.add(block);
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
        return this;
    }
}
