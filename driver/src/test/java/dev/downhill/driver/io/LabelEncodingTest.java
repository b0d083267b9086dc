package dev.downhill.driver.io;

import dev.downhill.driver.io.LabelEncoding.BinaryLabels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.loss.Objective;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LabelEncodingTest {

    private static final String FILE0 = "hdfs://nn/data/part-00000.libsvm";
    private static final String FILE1 = "hdfs://nn/data/part-00001.libsvm";
    private static final List<String> PATHS = List.of(FILE0, FILE1);

    private final InputSummary summary = new InputSummary();

    /** Adds a row with this label from file {@code file}, line {@code line} (offset: 100 bytes per line). */
    private LabelEncodingTest add(int file, long line, double label) {
        summary.add(RowKey.of(file, (line - 1) * 100), new ParsedRow(label, 1.0, new int[0], new double[0], line));
        return this;
    }

    private LabelEncodingTest labels(double... labels) {
        for (int i = 0; i < labels.length; i++) {
            add(0, i + 1, labels[i]);
        }
        return this;
    }

    private LabelEncoding decide(Objective o) {
        return LabelEncoding.decide(o, summary, null, BinaryLabels.ZERO_ONE, PATHS);
    }

    private String failure(Objective o, Integer numClasses) {
        return assertThrows(BadInputException.class, () -> LabelEncoding.decide(o, summary, numClasses, BinaryLabels.AUTO, PATHS))
                .getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
        }
    }

    // ---- logistic and hinge ----

    @ParameterizedTest
    @EnumSource(value = Objective.class, names = {"LOGISTIC", "HINGE"})
    void zeroOneIsKeptAsItIs(Objective o) {
        labels(0, 1, 1, 0, 1);
        LabelEncoding e = decide(o);
        assertEquals(2, e.numClasses());
        assertArrayEquals(new double[] {0, 1}, e.classLabels());
        assertEquals(0.0, e.encode(0));
        assertEquals(1.0, e.encode(1));
        assertNull(e.note(), "nothing was mapped, so nothing to tell");
    }

    @ParameterizedTest
    @EnumSource(value = Objective.class, names = {"LOGISTIC", "HINGE"})
    void minusOnePlusOneIsMappedToZeroOneWhenAsked(Objective o) {
        labels(-1, 1, -1, 1);
        LabelEncoding auto = LabelEncoding.decide(o, summary, null, BinaryLabels.AUTO, PATHS);
        LabelEncoding e = LabelEncoding.decide(o, summary, null, BinaryLabels.PLUS_MINUS_ONE, PATHS);
        assertArrayEquals(e.classLabels(), auto.classLabels());
        assertEquals(auto.encode(-1), e.encode(-1));
        assertEquals(0.0, e.encode(-1));
        assertEquals(1.0, e.encode(1));
        // The model keeps the data's own labels, in class order.
        assertArrayEquals(new double[] {-1, 1}, e.classLabels());
        assertNotNull(e.note());
        assertContains(e.note(), "-1/+1", "0/1");
    }

    @ParameterizedTest
    @EnumSource(value = Objective.class, names = {"LOGISTIC", "HINGE"})
    void minusOneIsRefusedByDefaultNamingTheRowAndTheSetting(Objective o) {
        add(0, 4, 1).add(0, 3, -1).add(0, 2, 1);
        String m = assertThrows(BadInputException.class,
                () -> LabelEncoding.decide(o, summary, null, BinaryLabels.ZERO_ONE, PATHS)).getMessage();
        assertContains(m, "label -1 in " + FILE0 + " line 3 does not fit " + o.cliName(), "--binary-labels pm1");
    }

    @Test
    void zeroIsRefusedUnderPlusMinusOne() {
        labels(1, -1, 0);
        String m = assertThrows(BadInputException.class,
                () -> LabelEncoding.decide(Objective.LOGISTIC, summary, null, BinaryLabels.PLUS_MINUS_ONE, PATHS))
                .getMessage();
        assertContains(m, "label 0 in " + FILE0 + " line 3", "-1 or +1");
    }

    @Test
    void numClassesTooSmallNamesTheRowWithTheLargestLabel() {
        add(1, 5, 4).add(0, 9, 4).add(0, 2, 0).add(0, 3, 1);
        String m = failure(Objective.SOFTMAX, 3);
        assertContains(m, "label 4 in " + FILE0 + " line 9 is out of range for --num-classes 3");
    }

    @Test
    void bothClassesPresentIsBinary() {
        labels(1, 1, 0);
        assertArrayEquals(new double[] {0, 1}, decide(Objective.LOGISTIC).classLabels());
    }

    @Test
    void mixingMinusOneAndZeroNamesTheFirstOfEach() {
        // Added out of file order: the message must name the earliest row of each kind, not the first added.
        add(1, 2, -1).add(1, 9, 0).add(0, 30, 1).add(0, 12, -1).add(0, 50, 0).add(1, 1, 1).add(0, 40, 0);
        String m = failure(Objective.LOGISTIC, null);
        assertContains(m, "labels mix -1 (first in " + FILE0 + " line 12)", "and 0 (first in " + FILE0 + " line 40)",
                "logistic");
    }

    @ParameterizedTest
    @EnumSource(value = Objective.class, names = {"LOGISTIC", "HINGE"})
    void otherLabelNamesTheFirstSuchRowInFileOrder(Objective o) {
        add(1, 3, 2).add(0, 8, 1).add(0, 7, 2).add(1, 1, 0).add(0, 9, 5);
        String m = failure(o, null);
        // File 0 comes before file 1, and within file 0 line 7 before line 9.
        assertContains(m, "label 2 in " + FILE0 + " line 7 does not fit " + o.cliName(), "3 row(s) have such labels",
                "--objective least-squares", "--objective softmax");
        assertFalse(m.contains(FILE1), m);
    }

    @Test
    void fractionalLabelForBinaryIsQuotedAsItIs() {
        labels(0, 1, 0.5);
        assertContains(failure(Objective.HINGE, null), "label 0.5 in " + FILE0 + " line 3");
    }

    @Test
    void locationFallsBackToTheByteOffset() {
        // Rows from splits that start mid-file have no line number: the message gives the byte instead.
        summary.add(RowKey.of(1, 123_456), new ParsedRow(7, 1.0, new int[0], new double[0], -1));
        assertContains(failure(Objective.LOGISTIC, null), "label 7 in " + FILE1 + " at byte 123456");
    }

    // ---- softmax ----

    @Test
    void classesFromZeroAreKept() {
        labels(2, 0, 1, 1, 0);
        LabelEncoding e = decide(Objective.SOFTMAX);
        assertEquals(3, e.numClasses());
        assertArrayEquals(new double[] {0, 1, 2}, e.classLabels());
        assertEquals(2.0, e.encode(2));
        assertNull(e.note());
        assertEquals("0: 2, 1: 2, 2: 1", LabelEncoding.classCounts(summary, e));
    }

    @Test
    void classesFromOneAreShiftedToZero() {
        labels(1, 3, 2, 2);
        LabelEncoding e = decide(Objective.SOFTMAX);
        assertEquals(3, e.numClasses());
        assertEquals(0.0, e.encode(1));
        assertEquals(2.0, e.encode(3));
        assertArrayEquals(new double[] {1, 2, 3}, e.classLabels(), "the model keeps the data's labels");
        assertNotNull(e.note());
        assertContains(e.note(), "1..3", "0..2");
    }

    @Test
    void aGapIsAnErrorNamingTheEmptyClass() {
        labels(0, 2, 2, 0);
        String m = failure(Objective.SOFTMAX, null);
        assertContains(m, "label(s) [1] never occur", "0..2");
    }

    @Test
    void shiftedClassesWithAGap() {
        labels(1, 3);
        assertContains(failure(Objective.SOFTMAX, null), "label(s) [2] never occur", "1..3");
    }

    @Test
    void nonIntegerLabelNamesTheFirstRow() {
        add(1, 4, 0).add(1, 2, 2.5).add(0, 6, 1).add(0, 5, 1.25);
        String m = failure(Objective.SOFTMAX, null);
        assertContains(m, "label 1.25 in " + FILE0 + " line 5", "is not a class index");
    }

    @Test
    void negativeLabelNamesTheFirstRow() {
        add(0, 9, -2).add(0, 3, 1).add(0, 4, -1).add(0, 1, 0);
        String m = failure(Objective.SOFTMAX, null);
        // -1 and -2 are both negative; line 4 comes first in the file.
        assertContains(m, "label -1 in " + FILE0 + " line 4", "is negative");
    }

    @Test
    void givenNumClassesSmallerThanTheLabelsIsAnError() {
        labels(0, 1, 2);
        assertContains(failure(Objective.SOFTMAX, 2), "label 2 in " + FILE0 + " line ", "is out of range for --num-classes 2", "0..1");
    }

    @Test
    void givenNumClassesLargerThanTheLabelsLeavesAnEmptyClass() {
        labels(0, 1, 2);
        assertContains(failure(Objective.SOFTMAX, 4), "label(s) [3] never occur");
        LabelEncoding e = LabelEncoding.decide(Objective.SOFTMAX, summary, 3, BinaryLabels.ZERO_ONE, PATHS);
        assertEquals(3, e.numClasses());
    }

    @Test
    void givenNumClassesDoesNotShift() {
        // With --num-classes the labels are 0..K-1 as given: 1..3 needs K=4 and then class 0 is empty.
        labels(1, 2, 3);
        assertContains(failure(Objective.SOFTMAX, 3), "label 3 in " + FILE0 + " line ", "is out of range for --num-classes 3");
        assertContains(failure(Objective.SOFTMAX, 4), "label(s) [0] never occur");
    }

    @Test
    void singleClassIsAnError() {
        labels(0, 0, 0);
        assertContains(failure(Objective.SOFTMAX, null), "all 3 rows have label 0", "at least two classes");
    }

    @Test
    void singleClassOneIsAnErrorToo() {
        // Labels 1 only would be shifted to a single class 0.
        labels(1, 1);
        assertContains(failure(Objective.SOFTMAX, null), "all 2 rows have label 1", "at least two classes");
    }

    @ParameterizedTest
    @EnumSource(value = Objective.class, names = {"LOGISTIC", "HINGE"})
    void singleClassIsAnErrorForBinaryObjectivesToo(Objective o) {
        // Before, these trained to an intercept of about +-21.5 and said they converged.
        labels(1, 1, 1, 1);
        assertContains(failure(o, null), "all 4 rows have label 1", "at least two classes");
        summary.add(RowKey.of(1, 0), new ParsedRow(7, 1.0, new int[0], new double[0], 1));
        String skipped = assertThrows(BadInputException.class, () -> LabelEncoding.decide(o, summary, null,
                BinaryLabels.AUTO, true, new RowLocator(PATHS))).getMessage();
        assertContains(skipped, "all 4 rows trained on have label 1", "1 other row(s) were left out");
    }

    @Test
    void singleClassMinusOneIsNamedAsTheDataWritesIt() {
        labels(-1, -1);
        assertContains(failure(Objective.LOGISTIC, null), "all 2 rows have label -1");
        LabelEncodingTest zeros = new LabelEncodingTest().labels(0, 0, 0);
        assertContains(zeros.failure(Objective.HINGE, null), "all 3 rows have label 0");
    }

    // ---- least squares ----

    @Test
    void leastSquaresTakesAnyLabel() {
        labels(-3.5, 100, 0.25, -1, 0, 1, 2);
        LabelEncoding e = decide(Objective.LEAST_SQUARES);
        assertEquals(0, e.numClasses());
        assertNull(e.classLabels());
        assertNull(e.note());
        for (double y : new double[] {-3.5, 100, 0.25, 1e300}) {
            assertEquals(y, e.encode(y));
        }
    }
}
