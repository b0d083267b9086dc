package dev.downhill.driver.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LibsvmParserTest {

    private static final String PATH = "hdfs://nn:8020/data/train/part-00003.libsvm";
    private static final long LINE = 17;
    private static final long OFFSET = 4242;

    private static final LibsvmParser ANY_WIDTH = new LibsvmParser(0);

    private static String failure(LibsvmParser parser, String text) {
        return assertThrows(BadInputException.class, () -> parser.parse(text, PATH, LINE, OFFSET), text).getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
        }
    }

    @Test
    void validLineWithTabsSpacesAndComment() {
        ParsedRow r = ANY_WIDTH.parse("  -1 \t3:0.5\t\t7:-2.25   10:1e3 # a comment: 11:5\r", PATH, LINE, OFFSET);
        assertEquals(-1.0, r.label);
        assertEquals(1.0, r.weight, "LIBSVM rows are unweighted");
        // 1-based in the file, 0-based in the row.
        assertArrayEquals(new int[] {2, 6, 9}, r.indices);
        assertArrayEquals(new double[] {0.5, -2.25, 1000.0}, r.values);
        assertEquals(LINE, r.line);
        assertEquals(10, r.width(), "width is the largest 1-based index");
    }

    @Test
    void firstIndexBecomesZero() {
        ParsedRow r = ANY_WIDTH.parse("0 1:4", PATH, 1, 0);
        assertArrayEquals(new int[] {0}, r.indices);
        assertArrayEquals(new double[] {4.0}, r.values);
        assertEquals(0.0, r.label);
    }

    @Test
    void labelOnlyIsAnAllZeroRow() {
        ParsedRow r = ANY_WIDTH.parse("3.5", PATH, LINE, OFFSET);
        assertEquals(3.5, r.label);
        assertEquals(0, r.indices.length);
        assertEquals(0, r.width());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\t", "\r", "# a comment", "   # indented 1 2:3", "#1 1:1"})
    void blankAndCommentLinesAreSkipped(String text) {
        assertNull(ANY_WIDTH.parse(text, PATH, LINE, OFFSET));
    }

    @Test
    void declaredWidthAllowsItsLastIndex() {
        ParsedRow r = new LibsvmParser(5).parse("1 5:1", PATH, LINE, OFFSET);
        assertArrayEquals(new int[] {4}, r.indices);
    }

    @Test
    void noDeclaredWidthAcceptsLargeIndices() {
        ParsedRow r = ANY_WIDTH.parse("1 2000000000:1", PATH, LINE, OFFSET);
        assertEquals(1_999_999_999, r.indices[0]);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "abc 1:0.5            | label 'abc' is not a number",
            "1:0.5 2:1            | label '1:0.5' is not a number",      // label missing
            "1 3                  | '3' is not an INDEX:VALUE pair (missing ':')",
            "1 2:1 3=4            | '3=4' is not an INDEX:VALUE pair",
            "1 a:0.5              | feature index 'a' in 'a:0.5' is not an integer",
            "1 1.5:2              | feature index '1.5' in '1.5:2' is not an integer",
            "1 :2                 | feature index '' in ':2' is not an integer",
            "1 0:0.5              | feature index 0 in '0:0.5' is below 1",
            "1 -2:0.5             | feature index -2 in '-2:0.5' is below 1",
            "1 2:0.5 2:1          | feature index 2 appears twice",
            "1 3:0.5 2:1          | feature index 2 comes after 3",
            "1 1:1 4:2 3:3        | feature index 3 comes after 4",
            "1 2:x                | value of feature 2 'x' is not a number",
            "1 2:                 | value of feature 2 '' is not a number",
            "1 2:NaN              | value of feature 2 is NaN; only finite numbers",
            "1 2:Infinity         | value of feature 2 is Infinity; only finite numbers",
            "1 2:-Infinity        | value of feature 2 is -Infinity; only finite numbers",
            "1 2:inf              | value of feature 2 'inf' is not a number",
            "NaN 1:1              | label is NaN; only finite numbers",
    })
    void badLineNamesPathLineReasonAndQuotesTheText(String text, String reason) {
        String m = failure(ANY_WIDTH, text);
        assertContains(m, "bad LIBSVM record in " + PATH + " line " + LINE + ": ", reason, "\"" + text + "\"");
        assertFalse(m.contains("at byte"), "a known line number is what the user needs: " + m);
    }

    @Test
    void indexBeyondDeclaredWidthIsAnError() {
        String text = "1 2:1 6:1";
        String m = failure(new LibsvmParser(5), text);
        assertContains(m, PATH + " line " + LINE, "feature index 6 is beyond --num-features 5", "\"" + text + "\"");
    }

    @Test
    void commentTextIsQuotedToo() {
        // The whole line is shown, so the user can find it even when the comment is what looks odd.
        String text = "1 2:x # from run 7";
        assertContains(failure(ANY_WIDTH, text), "\"" + text + "\"");
    }

    @Test
    void tabsInTheQuotedTextAreShownAsBackslashT() {
        String m = failure(ANY_WIDTH, "1\t2:x");
        assertContains(m, "\"1\\t2:x\"");
    }

    @Test
    void longLinesAreCutInTheMessage() {
        StringBuilder sb = new StringBuilder("oops");
        for (int i = 1; i <= 200; i++) {
            sb.append(' ').append(i).append(":1");
        }
        String text = sb.toString();
        String m = failure(ANY_WIDTH, text);
        // The first 200 characters, then an ellipsis, not the whole (much longer) line.
        assertContains(m, "\"" + text.substring(0, 200) + "...\"");
        assertFalse(m.contains(text.substring(0, 201)), m);
    }

    @Test
    void unknownLineNumberGivesTheByteOffset() {
        String m = assertThrows(BadInputException.class, () -> ANY_WIDTH.parse("1 0:1", PATH, -1, 123_456_789L))
                .getMessage();
        assertContains(m, PATH + " at byte 123456789", "\"1 0:1\"");
        assertFalse(m.contains(PATH + " line"), m);
    }

    @Test
    void unlabeledLinesAreFeaturesOnlyWithANaNLabel() {
        LibsvmParser unlabeled = new LibsvmParser(0, false, null);
        ParsedRow r = unlabeled.parse("3:0.5 7:-2", PATH, LINE, OFFSET);
        assertTrue(Double.isNaN(r.label));
        assertArrayEquals(new int[] {2, 6}, r.indices);
        assertArrayEquals(new double[] {0.5, -2}, r.values);
        // A leading label is then a malformed pair, not silently read as a feature.
        assertContains(failure(unlabeled, "1 3:0.5"), "'1' is not an INDEX:VALUE pair");
    }

    @Test
    void indexBeyondAModelsWidthNamesTheModel() {
        LibsvmParser forModel = new LibsvmParser(5, true, "the 5 features of model m/model.json");
        String m = failure(forModel, "1 2:1 6:1");
        assertContains(m, PATH + " line " + LINE, "feature index 6 is beyond the 5 features of model m/model.json",
                "\"1 2:1 6:1\"");
        assertFalse(m.contains("--num-features"), m);
    }
}
