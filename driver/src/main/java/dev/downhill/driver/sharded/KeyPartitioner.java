package dev.downhill.driver.sharded;

import org.apache.spark.Partitioner;

/** Sends the record with integer key k to partition k: slice s to partition s, data partition p to p. */
final class KeyPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;

    KeyPartitioner(int partitions) {
        this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
        return partitions;
    }

    @Override
    public int getPartition(Object key) {
        return (Integer) key;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyPartitioner k && k.partitions == partitions;
    }

    @Override
    public int hashCode() {
        return partitions;
    }
}
