package dev.downhill.driver.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scale bench's data: deterministic, valid LIBSVM in range, tens of non-zeros, skewed, both labels. */
class HashedTextDataTest {
    @Test
    void rowsAreSeededValidSkewedAndLabelledBothWays() {
        HashedTextData data = new HashedTextData(7, 25, 20, 60);
        StringBuilder sb = new StringBuilder();
        assertEquals(data.line(123, sb), new HashedTextData(7, 25, 20, 60).line(123, new StringBuilder()));
        assertNotEquals(data.line(123, sb), new HashedTextData(8, 25, 20, 60).line(123, sb));
        Map<Long, Integer> rowsWithBucket = new HashMap<>();
        int positives = 0;
        long nonZeros = 0;
        int rows = 2000;
        for (int i = 0; i < rows; i++) {
            String[] tokens = data.line(i, sb).split(" ");
            positives += tokens[0].equals("1") ? 1 : 0;
            assertTrue(tokens[0].equals("0") || tokens[0].equals("1"), tokens[0]);
            long previous = 0;
            int count = 0;
            for (int t = 1; t < tokens.length; t++) {
                String[] kv = tokens[t].split(":");
                long index = Long.parseLong(kv[0]);
                assertTrue(index > previous && index <= 1L << 25, "1-based increasing in range: " + tokens[t]);
                previous = index;
                count += Integer.parseInt(kv[1]);
                rowsWithBucket.merge(index, 1, Integer::sum);
            }
            assertTrue(count >= 20 && count <= 60, "tokens in row " + i + ": " + count);
            nonZeros += tokens.length - 1;
        }
        assertTrue(nonZeros > 10L * rows, "tens of non-zeros a row: " + nonZeros / (double) rows);
        int most = rowsWithBucket.values().stream().max(Integer::compare).orElseThrow();
        // Zipf: the commonest word is in most rows, while most buckets seen are seen once.
        assertTrue(most > rows / 2, "commonest bucket in " + most + " rows");
        long once = rowsWithBucket.values().stream().filter(c -> c == 1).count();
        assertTrue(once > rowsWithBucket.size() / 2, once + " of " + rowsWithBucket.size() + " seen once");
        assertTrue(positives > rows / 10 && positives < rows * 9 / 10, positives + " positives of " + rows);
    }
}
