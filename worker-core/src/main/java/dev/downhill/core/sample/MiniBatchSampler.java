package dev.downhill.core.sample;

import java.io.Serializable;

/**
 * Chooses the cached blocks of each mini-batch without scanning the others. With B blocks in all,
 * numbered partition by partition (partition p holds global numbers start[p] .. start[p+1]-1) and
 * S = batches per epoch, batch b belongs to epoch e = b / S and slot s = b mod S. In epoch e, partition p
 * shuffles its blocks with a generator seeded by (seed, e, p): local block i gets global position
 * start[p] + pi_{e,p}(i), and it belongs to slot (position + r_e) mod S, r_e a seeded rotation. So:
 * <ul>
 *   <li>which blocks a task uses is a function of (seed, batch, partition) and the fixed block counts only;</li>
 *   <li>every block is in exactly one batch of each epoch (sampling without replacement);</li>
 *   <li>batch sizes differ by at most one block, and none is empty when B >= S.</li>
 * </ul>
 */
public final class MiniBatchSampler implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long seed;
    private final int batchesPerEpoch;
    private final long[] start;

    /**
     * @param blocksPerPartition the number of cached blocks of each partition, in partition order
     * @param batchesPerEpoch S >= 1, at most the total number of blocks
     */
    public MiniBatchSampler(long seed, int batchesPerEpoch, long[] blocksPerPartition) {
        this.seed = seed;
        this.start = new long[blocksPerPartition.length + 1];
        for (int p = 0; p < blocksPerPartition.length; p++) {
            start[p + 1] = start[p] + blocksPerPartition[p];
        }
        if (batchesPerEpoch < 1 || batchesPerEpoch > Math.max(1, start[blocksPerPartition.length])) {
            throw new IllegalArgumentException("batches per epoch must be in [1, " + start[blocksPerPartition.length]
                    + " blocks], got " + batchesPerEpoch);
        }
        this.batchesPerEpoch = batchesPerEpoch;
    }

    /** S from a batch fraction F: round(1/F), at least 1. */
    public static int batchesPerEpoch(double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("batch fraction must be in (0, 1], got " + fraction);
        }
        return (int) Math.max(1, Math.round(1.0 / fraction));
    }

    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    public long totalBlocks() {
        return start[start.length - 1];
    }

    /** Which of partition {@code p}'s local blocks are in batch {@code batch} (true = use it). */
    public boolean[] chosen(long batch, int partition) {
        int n = (int) (start[partition + 1] - start[partition]);
        boolean[] use = new boolean[n];
        if (batchesPerEpoch == 1) {
            java.util.Arrays.fill(use, true);
            return use;
        }
        long epoch = batch / batchesPerEpoch;
        int slot = (int) (batch % batchesPerEpoch);
        int rotation = SeededRandom.of(seed, epoch, -1).nextInt(batchesPerEpoch);
        int[] position = permutation(n, SeededRandom.of(seed, epoch, partition));
        for (int i = 0; i < n; i++) {
            long global = start[partition] + position[i];
            use[i] = (global + rotation) % batchesPerEpoch == slot;
        }
        return use;
    }

    /** A uniform random permutation of 0..n-1 (Fisher-Yates). */
    private static int[] permutation(int n, SeededRandom random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
