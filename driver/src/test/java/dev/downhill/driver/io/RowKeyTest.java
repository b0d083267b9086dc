package dev.downhill.driver.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RowKeyTest {

    private static void assertRoundTrip(int file, long offset) {
        long key = RowKey.of(file, offset);
        assertEquals(file, RowKey.fileIndex(key), () -> "file of " + file + "/" + offset);
        assertEquals(offset, RowKey.byteOffset(key), () -> "offset of " + file + "/" + offset);
        // Keys are compared as signed longs (Spark sorts Long keys), so they must never be negative.
        assertTrue(key >= 0, () -> "negative key for " + file + "/" + offset);
    }

    @Test
    void roundTripAtTheBoundaries() {
        assertRoundTrip(0, 0);
        assertRoundTrip(0, RowKey.MAX_OFFSET);
        assertRoundTrip(RowKey.MAX_FILES - 1, 0);
        assertRoundTrip(RowKey.MAX_FILES - 1, RowKey.MAX_OFFSET);
        assertRoundTrip(1, 1);
        assertRoundTrip(12345, 987_654_321_012L);
        assertEquals(0L, RowKey.of(0, 0));
    }

    @Test
    void theLimitsAreTheDocumentedOnes() {
        // 1 TiB per file (the message promises it); file index and offset fill the 63 non-sign bits.
        assertEquals(1L << 40, RowKey.MAX_OFFSET + 1);
        assertEquals(Long.MAX_VALUE, RowKey.of(RowKey.MAX_FILES - 1, RowKey.MAX_OFFSET));
    }

    @Test
    void keysSortInFileOrder() {
        // RowRef.first and the per-partition sort rely on key order = (file, offset) order.
        assertTrue(RowKey.of(0, RowKey.MAX_OFFSET) < RowKey.of(1, 0));
        assertTrue(RowKey.of(3, 10) < RowKey.of(3, 11));
        assertTrue(RowKey.of(RowKey.MAX_FILES - 2, RowKey.MAX_OFFSET) < RowKey.of(RowKey.MAX_FILES - 1, 0));
    }

    @Test
    void offsetBeyondTheLimitIsBadInput() {
        long tooFar = RowKey.MAX_OFFSET + 1;
        BadInputException e = assertThrows(BadInputException.class, () -> RowKey.of(0, tooFar));
        assertTrue(e.getMessage().contains("byte " + tooFar), e.getMessage());
        assertTrue(e.getMessage().contains("split the file"), e.getMessage());
        assertThrows(BadInputException.class, () -> RowKey.of(0, -1));
    }

    @Test
    void fileIndexOutOfRangeIsRefused() {
        // More files than fit is checked by InputFiles; here it would be a bug, not bad input.
        assertThrows(IllegalArgumentException.class, () -> RowKey.of(RowKey.MAX_FILES, 0));
        assertThrows(IllegalArgumentException.class, () -> RowKey.of(-1, 0));
    }

    @Test
    void mixIsSplitMix64() {
        // The SplitMix64 reference (Vigna, splitmix64.c) seeded with 0 first returns 0xE220A8397B1DCDAF,
        // i.e. the finalizer applied to 0 + golden gamma. The same constant on every JVM means the same partitions
        // on a laptop and a cluster.
        assertEquals(0xE220A8397B1DCDAFL, RowKey.mix(0));
    }

    @Test
    void mixSpreadsConsecutiveKeysOverPartitions() {
        int partitions = 7;
        int n = 10_000;
        // Consecutive offsets (tiny lines) and offsets a typical line length apart, in a file other than the first.
        for (long stride : new long[] {1, 37, 4096}) {
            int[] counts = new int[partitions];
            Set<Long> mixed = new HashSet<>();
            for (int i = 0; i < n; i++) {
                long key = RowKey.of(3, i * stride);
                mixed.add(RowKey.mix(key));
                counts[(int) Long.remainderUnsigned(RowKey.mix(key), partitions)]++;
            }
            assertEquals(n, mixed.size(), "mix must not merge keys");
            for (int p = 0; p < partitions; p++) {
                // Expected 1/7 = 14.3% each; a fair spread stays well within 10%..20%.
                int c = counts[p];
                int part = p;
                assertTrue(c >= n / 10 && c <= n / 5,
                        () -> "stride " + stride + ": partition " + part + " got " + c + " of " + n);
            }
        }
    }
}
