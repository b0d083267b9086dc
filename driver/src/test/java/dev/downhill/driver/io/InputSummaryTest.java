package dev.downhill.driver.io;

import dev.downhill.driver.io.LabelEncoding.BinaryLabels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.downhill.core.loss.Objective;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InputSummaryTest {

    private static final class Row {
        final long key;
        final ParsedRow row;

        Row(int file, long line, double label, int width) {
            this.key = RowKey.of(file, line * 50);
            this.row = new ParsedRow(label, 1.0, null, new double[width], line);
        }
    }

    private static InputSummary summarize(List<Row> rows) {
        InputSummary s = new InputSummary();
        rows.forEach(r -> s.add(r.key, r.row));
        return s;
    }

    private static String ref(RowRef r) {
        return r == null ? "null" : r.key + "@" + r.line + "=" + r.value;
    }

    private static void assertSameSummary(InputSummary expected, InputSummary actual) {
        assertEquals(expected.rows, actual.rows, "rows");
        assertEquals(expected.maxWidth, actual.maxWidth, "maxWidth");
        assertEquals(expected.zeros, actual.zeros, "zeros");
        assertEquals(expected.ones, actual.ones, "ones");
        assertEquals(expected.minusOnes, actual.minusOnes, "minusOnes");
        assertEquals(expected.otherBinary, actual.otherBinary, "otherBinary");
        assertEquals(ref(expected.firstZero), ref(actual.firstZero), "firstZero");
        assertEquals(ref(expected.firstMinusOne), ref(actual.firstMinusOne), "firstMinusOne");
        assertEquals(ref(expected.firstOtherBinary), ref(actual.firstOtherBinary), "firstOtherBinary");
        assertEquals(ref(expected.firstNonInteger), ref(actual.firstNonInteger), "firstNonInteger");
        assertEquals(ref(expected.firstNegative), ref(actual.firstNegative), "firstNegative");
        assertEquals(expected.minLabel, actual.minLabel, "minLabel");
        assertEquals(expected.maxLabel, actual.maxLabel, "maxLabel");
        assertEquals(expected.classCounts, actual.classCounts, "classCounts");
        assertEquals(expected.tooManyClasses, actual.tooManyClasses, "tooManyClasses");
        assertEquals(expected.firstRowOfWidth.keySet(), actual.firstRowOfWidth.keySet(), "widths");
        for (Map.Entry<Integer, RowRef> e : expected.firstRowOfWidth.entrySet()) {
            assertEquals(ref(e.getValue()), ref(actual.firstRowOfWidth.get(e.getKey())), "first row of width " + e.getKey());
        }
    }

    @Test
    void countsAndFirstRowsOfOneSummary() {
        List<Row> rows = List.of(new Row(1, 1, 0, 3), new Row(0, 5, -1, 3), new Row(0, 2, 0, 4), new Row(0, 9, 1, 3),
                new Row(0, 3, 2.5, 3));
        InputSummary s = summarize(rows);
        assertEquals(5, s.rows());
        assertEquals(2, s.zeros);
        assertEquals(1, s.ones);
        assertEquals(1, s.minusOnes);
        assertEquals(1, s.otherBinary);
        // "First" is by file order (file 0 line 2), not by the order rows were added (file 1 line 1).
        assertEquals(2, s.firstZero.line);
        assertEquals(RowKey.of(0, 100), s.firstZero.key);
        assertEquals(5, s.firstMinusOne.line);
        assertEquals(-1.0, s.firstNegative.value);
        assertEquals(2.5, s.firstNonInteger.value);
        assertEquals(-1.0, s.minLabel);
        assertEquals(2.5, s.maxLabel);
        assertEquals(4, s.maxWidth);
        // Only integer, non-negative labels are class counts.
        assertEquals(Map.of(0L, 2L, 1L, 1L), s.classCounts);
        // The first row of width 3 is file 0 line 3 (line 5 and 9 come later; file 1 after file 0).
        assertEquals(3, s.firstRowOfWidth.get(3).line);
        assertEquals(2, s.firstRowOfWidth.get(4).line);
    }

    @Test
    void sparseRowsDoNotTrackWidths() {
        // Row widths are for CSV column checks; LIBSVM rows may differ in width freely.
        InputSummary s = new InputSummary();
        s.add(RowKey.of(0, 0), new ParsedRow(1, 1, new int[] {4}, new double[] {1}, 1));
        assertEquals(5, s.maxWidth);
        assertEquals(0, s.firstRowOfWidth.size());
    }

    @Test
    void emptySummaryMergesAsNothing() {
        InputSummary s = summarize(List.of(new Row(0, 1, 1, 2), new Row(0, 2, 0, 2)));
        InputSummary expected = summarize(List.of(new Row(0, 1, 1, 2), new Row(0, 2, 0, 2)));
        assertSameSummary(expected, s.merge(new InputSummary()));
        assertSameSummary(expected, new InputSummary().merge(summarize(List.of(new Row(0, 1, 1, 2),
                new Row(0, 2, 0, 2)))));
        assertNull(new InputSummary().firstZero);
    }

    @Test
    void mergingPartitionSummariesEqualsOneSummaryOverAllRows() {
        Random random = new Random(7);
        double[] labelPool = {0, 1, -1, 2, 3, 0.5, -2.5, 7};
        List<Row> rows = new ArrayList<>();
        for (int file = 0; file < 3; file++) {
            for (int line = 1; line <= 200; line++) {
                rows.add(new Row(file, line, labelPool[random.nextInt(labelPool.length)], 3 + random.nextInt(4)));
            }
        }
        InputSummary whole = summarize(rows);
        // Spread rows over partitions in random order, as the shuffle would, and merge in two different orders.
        for (int trial = 0; trial < 5; trial++) {
            List<Row> shuffled = new ArrayList<>(rows);
            Collections.shuffle(shuffled, random);
            List<InputSummary> parts = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                parts.add(summarize(shuffled.subList(p * shuffled.size() / 4, (p + 1) * shuffled.size() / 4)));
            }
            InputSummary forward = new InputSummary();
            parts.forEach(forward::merge);
            assertSameSummary(whole, forward);

            InputSummary tree = summarize(shuffled.subList(0, shuffled.size() / 4))
                    .merge(summarize(shuffled.subList(shuffled.size() / 4, shuffled.size() / 2)));
            tree.merge(summarize(shuffled.subList(shuffled.size() / 2, shuffled.size())));
            assertSameSummary(whole, tree);
        }
    }

    @Test
    void mergedSummaryGivesTheSameLabelDecision() {
        // The first -1 and first 0 sit in different partitions; the merged error must name the same rows.
        List<Row> a = List.of(new Row(1, 1, -1, 2), new Row(0, 40, 0, 2), new Row(0, 3, 1, 2));
        List<Row> b = List.of(new Row(0, 12, -1, 2), new Row(1, 5, 0, 2));
        List<Row> all = new ArrayList<>(a);
        all.addAll(b);
        List<String> paths = List.of("a.libsvm", "b.libsvm");
        String fromWhole = assertBad(summarize(all), paths);
        String fromMerged = assertBad(summarize(a).merge(summarize(b)), paths);
        assertEquals(fromWhole, fromMerged);
        assertEquals("labels mix -1 (first in a.libsvm line 12) and 0 (first in a.libsvm line 40): logistic takes"
                + " either 0/1 or -1/+1 labels, not both.", fromMerged);
        assertArrayEquals(new double[] {0, 1}, LabelEncoding.decide(Objective.LOGISTIC,
                summarize(List.of(new Row(0, 1, 0, 1), new Row(0, 2, 1, 1))), null, BinaryLabels.ZERO_ONE, paths).classLabels());
    }

    private static String assertBad(InputSummary s, List<String> paths) {
        return org.junit.jupiter.api.Assertions.assertThrows(BadInputException.class,
                () -> LabelEncoding.decide(Objective.LOGISTIC, s, null, BinaryLabels.AUTO, paths)).getMessage();
    }
}
