package dev.downhill.driver.spark;

import dev.downhill.driver.io.RowKey;
import org.apache.spark.Partitioner;

/**
 * Sends a row to partition mix(key) mod P, with key its {@link RowKey}: a function of the input files
 * and the partition count alone, so rows land in the same partitions whatever the cluster or the input
 * splits.
 */
public final class RowPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;

    private final int partitions;

    public RowPartitioner(int partitions) {
        this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
        return partitions;
    }

    @Override
    public int getPartition(Object key) {
        return (int) Long.remainderUnsigned(RowKey.mix((Long) key), partitions);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowPartitioner && ((RowPartitioner) o).partitions == partitions;
    }

    @Override
    public int hashCode() {
        return partitions;
    }
}
