package dev.downhill.driver.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.io.CsvParser.Header;
import org.junit.jupiter.api.Test;

class CsvParserTest {

    private static final String PATH = "file:/data/train/day=2024-01-01/rows.csv";
    private static final long LINE = 42;
    private static final long OFFSET = 9000;

    /** Label in column 0, no weights, header auto-detected: the defaults. */
    private static final CsvParser DEFAULT = new CsvParser(',', 0, -1, Header.AUTO);

    private static ParsedRow row(CsvParser p, String text) {
        return p.parse(text, PATH, LINE, OFFSET, false);
    }

    private static String failure(CsvParser p, String text, boolean firstLine) {
        long line = firstLine ? 1 : LINE;
        String m = assertThrows(BadInputException.class, () -> p.parse(text, PATH, line, OFFSET, firstLine), text)
                .getMessage();
        // Every CSV error names the file and line and quotes the line.
        assertContains(m, "bad CSV record in " + PATH + " line " + line + ": ", BadInputException.quote(text));
        return m;
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
        }
    }

    @Test
    void plainRowIsLabelThenDenseFeatures() {
        ParsedRow r = row(DEFAULT, "1,2.5,-3,0,1e-3");
        assertEquals(1.0, r.label);
        assertEquals(1.0, r.weight);
        assertNull(r.indices, "CSV rows are dense");
        assertArrayEquals(new double[] {2.5, -3, 0, 0.001}, r.values);
        assertEquals(LINE, r.line);
        assertEquals(4, r.width());
    }

    @Test
    void spacesAroundFieldsAndAWindowsLineEndAreIgnored() {
        ParsedRow r = row(DEFAULT, " 0 , 2 ,\t3\r");
        assertEquals(0.0, r.label);
        assertArrayEquals(new double[] {2, 3}, r.values);
    }

    @Test
    void blankLineIsSkipped() {
        assertNull(row(DEFAULT, ""));
        assertNull(row(DEFAULT, "  \t "));
    }

    @Test
    void quotedNumbersAreNumbers() {
        ParsedRow r = row(DEFAULT, "\"1\",\"2.5\", \"-4\" ");
        assertEquals(1.0, r.label);
        assertArrayEquals(new double[] {2.5, -4}, r.values);
    }

    @Test
    void quotedFieldKeepsAnEmbeddedDelimiter() {
        // If the comma split the field, the error would be about '"2' or column counts; it names the whole field.
        String m = failure(DEFAULT, "1,\"2,5\",3", false);
        assertContains(m, "column 1 '2,5' is not a number");
    }

    @Test
    void doubledQuoteInsideQuotesIsALiteralQuote() {
        String m = failure(DEFAULT, "1,\"say \"\"hi\"\"\",3", false);
        assertContains(m, "column 1 'say \"hi\"' is not a number");
    }

    @Test
    void quotedHeaderWithDelimitersAndQuotesIsDetected() {
        // Three header fields, one with a comma and one with an escaped quote: none is a number.
        assertNull(DEFAULT.parse("\"label\",\"height, cm\",\"say \"\"hi\"\"\"", PATH, 1, 0, true));
    }

    @Test
    void unclosedQuoteIsAnError() {
        assertContains(failure(DEFAULT, "1,\"2,3", false), "a quoted field is not closed");
        // Also on a first line, where it could otherwise pass for a header.
        assertContains(failure(DEFAULT, "\"label,x", true), "a quoted field is not closed");
    }

    @Test
    void autoHeaderOnlyOnTheFirstLineOfAFile() {
        String header = "label,x1,x2";
        assertNull(DEFAULT.parse(header, PATH, 1, 0, true));
        // The same line further down is bad data, not a second header.
        assertContains(failure(DEFAULT, header, false), "looks like a header", "only be the first line");
    }

    @Test
    void autoFirstLineWithANumberIsData() {
        ParsedRow r = DEFAULT.parse("1,2,3", PATH, 1, 0, true);
        assertNotNull(r);
        assertArrayEquals(new double[] {2, 3}, r.values);
        // One numeric field is enough to make it data, so the other fields must then be numbers.
        assertContains(failure(DEFAULT, "y,7,x2", true), "label (column 0) 'y' is not a number");
    }

    @Test
    void headerTrueSkipsTheFirstLineEvenWhenNumeric() {
        CsvParser p = new CsvParser(',', 0, -1, Header.TRUE);
        assertNull(p.parse("1,2,3", PATH, 1, 0, true));
        // Only the first line of each file.
        ParsedRow r = p.parse("1,2,3", PATH, 2, 6, false);
        assertArrayEquals(new double[] {2, 3}, r.values);
    }

    @Test
    void headerFalseMakesANonNumericFirstLineAnError() {
        CsvParser p = new CsvParser(',', 0, -1, Header.FALSE);
        assertContains(failure(p, "label,x1,x2", true), "'label' is not a number");
        assertNotNull(p.parse("0,1,2", PATH, 1, 0, true));
    }

    @Test
    void labelColumnOtherThanZero() {
        CsvParser p = new CsvParser(',', 2, -1, Header.AUTO);
        ParsedRow r = row(p, "0.5,0.25,1,8");
        assertEquals(1.0, r.label);
        // The other columns keep their order.
        assertArrayEquals(new double[] {0.5, 0.25, 8}, r.values);
    }

    @Test
    void weightColumnIsNeitherLabelNorFeature() {
        CsvParser p = new CsvParser(',', 0, 1, Header.AUTO);
        ParsedRow r = row(p, "1,2.5,3,4");
        assertEquals(1.0, r.label);
        assertEquals(2.5, r.weight);
        assertArrayEquals(new double[] {3, 4}, r.values);
        assertEquals(2, r.width());
    }

    @Test
    void weightBeforeLabel() {
        CsvParser p = new CsvParser(';', 2, 0, Header.AUTO);
        ParsedRow r = row(p, "3;7;1;9");
        assertEquals(1.0, r.label);
        assertEquals(3.0, r.weight);
        assertArrayEquals(new double[] {7, 9}, r.values);
    }

    @Test
    void weightMustBePositive() {
        CsvParser p = new CsvParser(',', 0, 1, Header.AUTO);
        assertContains(failure(p, "1,0,3", false), "instance weight 0 is not positive");
        assertContains(failure(p, "1,-1,3", false), "instance weight -1 is not positive");
        assertContains(failure(p, "1,NaN,3", false), "weight (column 1) is NaN");
        assertContains(failure(p, "1,heavy,3", false), "weight (column 1) 'heavy' is not a number");
    }

    @Test
    void tooFewColumnsForTheLabelColumn() {
        CsvParser p = new CsvParser(',', 3, -1, Header.AUTO);
        String m = failure(p, "1,2", false);
        assertContains(m, "it has 2 column(s)", "needs at least 4", "--label-column 3");
    }

    @Test
    void tooFewColumnsForTheWeightColumn() {
        CsvParser p = new CsvParser(',', 0, 4, Header.AUTO);
        String m = failure(p, "1,2,3", false);
        assertContains(m, "it has 3 column(s)", "label/weight column needs at least 5", "--weight-column 4");
    }

    @Test
    void nonNumericFieldIsNamedAndQuoted() {
        // "field N" counts from 1, like a spreadsheet column; the line is quoted whole by failure().
        assertContains(failure(DEFAULT, "1,2,abc,4", false), "column 2 'abc' is not a number");
        assertContains(failure(DEFAULT, "1,2,,4", false), "column 2 '' is not a number");
        assertContains(failure(DEFAULT, "1,2,Infinity", false), "column 2 is Infinity; only finite numbers");
        assertContains(failure(DEFAULT, "x,2,3", false), "label (column 0) 'x' is not a number");
    }

    @Test
    void tabDelimiter() {
        CsvParser p = new CsvParser('\t', 0, -1, Header.AUTO);
        ParsedRow r = row(p, "1\t2\t3.5");
        assertArrayEquals(new double[] {2, 3.5}, r.values);
        // Commas are not delimiters then: "2,5" is one field.
        String m = failure(p, "1\t2,5", false);
        assertContains(m, "column 1 '2,5' is not a number", "\"1\\t2,5\"");
    }

    @Test
    void unknownLineNumberGivesTheByteOffset() {
        String m = assertThrows(BadInputException.class, () -> DEFAULT.parse("1,x", PATH, -1, 77L, false))
                .getMessage();
        assertContains(m, PATH + " at byte 77", "\"1,x\"");
    }

    @Test
    void withoutALabelColumnEveryColumnIsAFeature() {
        CsvParser unlabeled = new CsvParser(',', -1, -1, Header.AUTO, 0, null);
        ParsedRow r = row(unlabeled, "1,2.5,-3");
        assertTrue(Double.isNaN(r.label));
        assertArrayEquals(new double[] {1, 2.5, -3}, r.values);
        // With a weight column, that one column is left out.
        ParsedRow w = row(new CsvParser(',', -1, 1, Header.AUTO, 0, null), "1,2,3");
        assertEquals(2.0, w.weight);
        assertArrayEquals(new double[] {1, 3}, w.values);
    }

    @Test
    void aModelsWidthIsRequiredOfEveryRow() {
        CsvParser forModel = new CsvParser(',', 0, -1, Header.AUTO, 2, "the model has 2 features");
        assertArrayEquals(new double[] {4, 5}, row(forModel, "1,4,5").values);
        assertContains(failure(forModel, "1,4,5,6", false), "it has 3 feature column(s), but the model has 2 features");
        assertContains(failure(forModel, "1,4", false), "it has 1 feature column(s)");
        // A header is still recognized before the width is checked.
        assertNull(forModel.parse("y,a,b,c", PATH, 1, 0, true));
    }
}
