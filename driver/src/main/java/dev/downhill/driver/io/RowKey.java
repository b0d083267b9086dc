package dev.downhill.driver.io;

/**
 * A row's identity as one long: (file index << 40) | byte offset of the line in its file. It depends only
 * on the input files, never on how they were split, so it decides a row's partition and its order
 * within the partition identically on a laptop and on a cluster.
 */
public final class RowKey {
    private RowKey() {}

    static final int OFFSET_BITS = 40;
    public static final int MAX_FILES = 1 << (63 - OFFSET_BITS);
    public static final long MAX_OFFSET = (1L << OFFSET_BITS) - 1;

    public static long of(int fileIndex, long byteOffset) {
        if (fileIndex < 0 || fileIndex >= MAX_FILES) {
            throw new IllegalArgumentException("file index " + fileIndex + " out of range");
        }
        if (byteOffset < 0 || byteOffset > MAX_OFFSET) {
            throw new BadInputException("a line starts at byte " + byteOffset
                    + ", beyond the 1 TiB per file that Downhill supports; split the file.");
        }
        return ((long) fileIndex << OFFSET_BITS) | byteOffset;
    }

    public static int fileIndex(long key) {
        return (int) (key >>> OFFSET_BITS);
    }

    public static long byteOffset(long key) {
        return key & MAX_OFFSET;
    }

    /** A well-mixed 64-bit hash (the SplitMix64 finalizer), so consecutive keys spread over partitions. */
    public static long mix(long key) {
        long z = key + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
