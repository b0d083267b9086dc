package dev.downhill.core.sample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MiniBatchSamplerTest {
    private static final long[] BLOCKS = {5, 0, 3, 7, 1}; // uneven, with an empty partition

    @Test
    void everyEpochUsesEveryBlockExactlyOnce() {
        MiniBatchSampler s = new MiniBatchSampler(42, 4, BLOCKS);
        for (long epoch = 0; epoch < 5; epoch++) {
            for (int p = 0; p < BLOCKS.length; p++) {
                int[] uses = new int[(int) BLOCKS[p]];
                for (int slot = 0; slot < 4; slot++) {
                    boolean[] c = s.chosen(epoch * 4 + slot, p);
                    for (int i = 0; i < c.length; i++) {
                        uses[i] += c[i] ? 1 : 0;
                    }
                }
                int[] once = new int[uses.length];
                Arrays.fill(once, 1);
                assertArrayEquals(once, uses, "epoch " + epoch + ", partition " + p);
            }
        }
    }

    @Test
    void batchesAreBalancedAndNeverEmpty() {
        MiniBatchSampler s = new MiniBatchSampler(7, 5, BLOCKS); // 16 blocks, 5 batches: 3 or 4 each
        for (long b = 0; b < 50; b++) {
            int n = 0;
            for (int p = 0; p < BLOCKS.length; p++) {
                for (boolean c : s.chosen(b, p)) {
                    n += c ? 1 : 0;
                }
            }
            assertTrue(n == 3 || n == 4, "batch " + b + " has " + n + " blocks");
        }
    }

    @Test
    void choiceDependsOnSeedBatchAndPartitionOnly() {
        // Two samplers built separately (as on two executors) agree, whatever order they are asked in.
        MiniBatchSampler a = new MiniBatchSampler(123, 3, BLOCKS);
        MiniBatchSampler b = new MiniBatchSampler(123, 3, BLOCKS);
        for (long batch = 20; batch >= 0; batch--) {
            for (int p = BLOCKS.length - 1; p >= 0; p--) {
                assertArrayEquals(a.chosen(batch, p), b.chosen(batch, p));
            }
        }
        // Another seed chooses differently somewhere, and so does another epoch.
        MiniBatchSampler other = new MiniBatchSampler(124, 3, BLOCKS);
        boolean seedMatters = false;
        boolean epochMatters = false;
        for (long batch = 0; batch < 30; batch++) {
            seedMatters |= !Arrays.equals(a.chosen(batch, 3), other.chosen(batch, 3));
            epochMatters |= !Arrays.equals(a.chosen(batch, 3), a.chosen(batch + 3, 3));
        }
        assertTrue(seedMatters);
        assertTrue(epochMatters);
    }

    @Test
    void oneBatchPerEpochIsTheFullData() {
        MiniBatchSampler s = new MiniBatchSampler(1, 1, BLOCKS);
        for (int p = 0; p < BLOCKS.length; p++) {
            boolean[] c = s.chosen(17, p);
            for (boolean used : c) {
                assertTrue(used);
            }
        }
        assertEquals(16, s.totalBlocks());
    }

    @Test
    void batchesPerEpochFromFraction() {
        assertEquals(1, MiniBatchSampler.batchesPerEpoch(1.0));
        assertEquals(10, MiniBatchSampler.batchesPerEpoch(0.1));
        assertEquals(3, MiniBatchSampler.batchesPerEpoch(0.3));
        assertThrows(IllegalArgumentException.class, () -> MiniBatchSampler.batchesPerEpoch(0));
        assertThrows(IllegalArgumentException.class, () -> MiniBatchSampler.batchesPerEpoch(1.5));
        assertThrows(IllegalArgumentException.class, () -> new MiniBatchSampler(1, 17, BLOCKS));
    }

    @Test
    void splitMixMatchesItsPublishedFirstOutputs() {
        // SplitMix64 from seed 0: the reference sequence of Vigna's splitmix64.c.
        SeededRandom r = new SeededRandom(0);
        assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, r.nextLong());
        SeededRandom u = SeededRandom.of(9, 1, 2);
        for (int i = 0; i < 1000; i++) {
            double v = u.nextDouble();
            assertTrue(v >= 0 && v < 1);
            int k = u.nextInt(7);
            assertTrue(k >= 0 && k < 7);
        }
        assertFalse(SeededRandom.of(9, 1, 2).nextLong() == SeededRandom.of(9, 2, 1).nextLong());
    }
}
