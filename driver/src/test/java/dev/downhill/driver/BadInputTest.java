package dev.downhill.driver;

import static dev.downhill.driver.BadInputHarness.assertBadInput;
import static dev.downhill.driver.BadInputHarness.assertSuccess;
import static dev.downhill.driver.BadInputHarness.fixture;
import static dev.downhill.driver.BadInputHarness.model;
import static dev.downhill.driver.BadInputHarness.run;
import static dev.downhill.driver.BadInputHarness.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.driver.BadInputHarness.Run;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per kind of bad input, each on its own small fixture under {@code src/test/resources/bad-input/}.
 *
 * <p>Record-level problems (one bad line among ten good ones) are each run four ways:
 * <ol>
 *   <li>{@code --on-bad-record fail} (the default): exit 3, one message naming the file, the line and the
 *       offending text, no stack trace, no model;</li>
 *   <li>{@code skip} with {@code --max-bad-fraction 0.5}: exit 0, the right counts per reason, and the very
 *       model bytes of</li>
 *   <li>a run on a "clean" copy of the fixture with the bad lines dropped (one partition keeps the rows in
 *       file order in both runs, so the bytes must be identical, not merely close);</li>
 *   <li>{@code skip} with the default {@code --max-bad-fraction} (0.001): 1 bad record in 11 is too many,
 *       so exit 3, a message naming the setting, and no model.</li>
 * </ol>
 * Problems of a whole file or folder (empty, missing, unreadable, truncated) are checked for their message.
 * Every run shares one local Spark session, so each costs a few hundred milliseconds.
 */
class BadInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Each record fixture: ten good records and one bad one. */
    private static final int RECORDS = 11;
    private static final List<String> SKIP = List.of("--on-bad-record", "skip", "--max-bad-fraction", "0.5",
            "--partitions", "1", "--max-iter", "20");
    private static final List<String> CLEAN = List.of("--partitions", "1", "--max-iter", "20");

    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        // An active session: Downhill.run uses it and leaves it running, instead of starting one per run.
        spark = TestSpark.start("BadInputTest");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    // ---- LIBSVM records ----

    @Test
    void libsvmMissingLabel() throws IOException {
        // The first token is the label, so "1:0.5" is read as one, and it is no number.
        records("libsvm-missing-label.libsvm", "logistic").badLine(6)
                .message("label '1:0.5' is not a number").skippedAs("not a number").check();
    }

    @Test
    void libsvmNonNumericLabel() throws IOException {
        records("libsvm-label-not-a-number.libsvm", "logistic").badLine(6)
                .message("label 'yes' is not a number").skippedAs("not a number").check();
    }

    @Test
    void libsvmIndexNotAnInteger() throws IOException {
        records("libsvm-index-not-an-integer.libsvm", "logistic").badLine(6)
                .message("feature index '2.5' in '2.5:0.25' is not an integer").skippedAs("index not an integer")
                .check();
    }

    @Test
    void libsvmZeroIndex() throws IOException {
        // Zero-based files are a common mistake: the message says LIBSVM indices are 1-based.
        records("libsvm-index-zero.libsvm", "logistic").badLine(6)
                .message("feature index 0 in '0:0.5' is below 1", "1-based").skippedAs("index below 1").check();
    }

    @Test
    void libsvmNegativeIndex() throws IOException {
        records("libsvm-index-negative.libsvm", "logistic").badLine(6)
                .message("feature index -2 in '-2:0.5' is below 1").skippedAs("index below 1").check();
    }

    @Test
    void libsvmRepeatedIndex() throws IOException {
        records("libsvm-index-repeated.libsvm", "logistic").badLine(6)
                .message("feature index 2 appears twice").skippedAs("repeated index").check();
    }

    @Test
    void libsvmIndicesNotIncreasing() throws IOException {
        records("libsvm-index-decreasing.libsvm", "logistic").badLine(6)
                .message("feature index 2 comes after 3").skippedAs("decreasing index").check();
    }

    @Test
    void libsvmMissingColon() throws IOException {
        // "2 0.25": a space where the colon should be.
        records("libsvm-missing-colon.libsvm", "logistic").badLine(6)
                .message("'2' is not an INDEX:VALUE pair (missing ':')").skippedAs("missing colon").check();
    }

    @Test
    void libsvmNonNumericValue() throws IOException {
        records("libsvm-value-not-a-number.libsvm", "logistic").badLine(6)
                .message("value of feature 2 'abc' is not a number").skippedAs("not a number").check();
    }

    @Test
    void libsvmTrailingGarbage() throws IOException {
        records("libsvm-trailing-garbage.libsvm", "logistic").badLine(6)
                .message("'xyz' is not an INDEX:VALUE pair").skippedAs("missing colon").check();
    }

    @Test
    void libsvmBlankLinesAndCommentsAreSkippedQuietly() throws IOException {
        // Blank, whitespace-only and comment lines, and a comment after a record: not records, not bad.
        Path input = fixture("libsvm-blank-and-comments.libsvm", dir.resolve("in"));
        Path out = dir.resolve("out");
        Run r = run(train(input, "logistic", out, CLEAN));
        assertSuccess(r, out);
        assertTrue(r.out().contains("data: 10 rows x 3 features (libsvm)"), r.out());
        assertFalse(r.out().contains("skipped"), r.out());

        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(input)) {
            String body = line.replaceAll("#.*", "").trim();
            if (!body.isEmpty()) {
                rows.add(body);
            }
        }
        assertEquals(10, rows.size());
        Path clean = write(dir.resolve("clean/rows.libsvm"), rows);
        Path cleanOut = dir.resolve("clean-out");
        assertSuccess(run(train(clean, "logistic", cleanOut, CLEAN)), cleanOut);
        assertEquals(model(cleanOut), model(out), "the comments changed the model");
    }

    // ---- CSV records ----

    @Test
    void csvWrongNumberOfColumns() throws IOException {
        // The message names both rows and both column counts, and quotes the row (read back by offset).
        records("csv-wrong-column-count.csv", "logistic").badLine(7)
                .message("csv-wrong-column-count.csv line 7 (\"", "\"): it has 3 columns",
                        "csv-wrong-column-count.csv line 2 (the first row) has 4")
                .skippedAs("wrong number of columns").check();
    }

    @Test
    void csvNonNumericField() throws IOException {
        records("csv-not-a-number.csv", "logistic").badLine(7)
                .message("column 2 'n/a' is not a number").skippedAs("not a number").check();
    }

    @Test
    void csvHeaderInTheMiddleOfTheData() throws IOException {
        // A header is allowed as the first line only (two files concatenated): elsewhere it is named as one.
        records("csv-header-in-the-middle.csv", "logistic").badLine(7)
                .message("looks like a header", "only be the first line of a file").skippedAs("header in the data")
                .check();
    }

    @Test
    void csvQuotedFieldsAreReadAsTheirNumbers() throws IOException {
        // Quoted header and fields, some with spaces around the quotes: the same model as without quotes.
        Path input = fixture("csv-quoted-fields.csv", dir.resolve("in"));
        Path out = dir.resolve("out");
        Run r = run(train(input, "logistic", out, CLEAN));
        assertSuccess(r, out);
        assertTrue(r.out().contains("data: 10 rows x 3 features (csv)"), r.out());

        Path plain = dir.resolve("plain/plain.csv");
        Files.createDirectories(plain.getParent());
        Files.writeString(plain, Files.readString(input).replace("\"", "").replace(" ", ""));
        Path plainOut = dir.resolve("plain-out");
        assertSuccess(run(train(plain, "logistic", plainOut, CLEAN)), plainOut);
        assertEquals(model(plainOut), model(out), "quoting changed the model");
    }

    @Test
    void csvLabelColumnPointingAtAFeature() throws IOException {
        // The label is the last column, but --label-column defaults to 0: a real-valued feature.
        Path input = fixture("csv-label-last.csv", dir.resolve("in"));
        Path out = dir.resolve("out");
        assertBadInput(run(train(input, "logistic", out)), out,
                "label 0.5 in ", "csv-label-last.csv line 2", "does not fit logistic");
        // The same with the column given explicitly: column 1 holds 1.25 on the first row.
        Path explicit = dir.resolve("explicit");
        assertBadInput(run(train(input, "logistic", explicit, "--label-column", "1")), explicit,
                "label 1.25 in ", "csv-label-last.csv line 2", "does not fit logistic");
        // Pointing it at the right column trains.
        Path right = dir.resolve("right");
        assertSuccess(run(train(input, "logistic", right, "--label-column", "3", "--max-iter", "20")), right);
    }

    @Test
    void csvLabelColumnBeyondTheColumns() throws IOException {
        Path input = fixture("csv-label-last.csv", dir.resolve("in"));
        Path out = dir.resolve("out");
        assertBadInput(run(train(input, "logistic", out, "--label-column", "4")), out,
                "csv-label-last.csv line 2", "\"0.5,1.25,-0.75,1\"", "it has 4 column(s)",
                "needs at least 5 (--label-column 4)");
    }

    // ---- values that are not finite, and instance weights ----

    @Test
    void nanFeature() throws IOException {
        records("libsvm-feature-nan.libsvm", "logistic").badLine(6)
                .message("value of feature 1 is NaN").skippedAs("not finite").check();
    }

    @Test
    void minusInfinityFeature() throws IOException {
        records("libsvm-feature-minus-infinity.libsvm", "logistic").badLine(6)
                .message("value of feature 2 is -Infinity").skippedAs("not finite").check();
    }

    @Test
    void infinityFeatureInCsv() throws IOException {
        records("csv-feature-infinity.csv", "logistic").badLine(7)
                .message("column 2 is Infinity").skippedAs("not finite").check();
    }

    @Test
    void infinityLabel() throws IOException {
        records("libsvm-label-infinity.libsvm", "logistic").badLine(6)
                .message("label is Infinity").skippedAs("not finite").check();
    }

    @Test
    void nanLabelInCsv() throws IOException {
        // least-squares takes any label: NaN must still be caught, by the parser.
        records("csv-label-nan.csv", "least-squares").badLine(7)
                .message("label (column 0) is NaN").skippedAs("not finite").check();
    }

    @Test
    void nanInstanceWeight() throws IOException {
        records("csv-weight-nan.csv", "logistic").args("--weight-column", "1").badLine(7)
                .message("weight (column 1) is NaN").skippedAs("not finite").check();
    }

    @Test
    void infinityInstanceWeight() throws IOException {
        records("csv-weight-infinity.csv", "logistic").args("--weight-column", "1").badLine(7)
                .message("weight (column 1) is Infinity").skippedAs("not finite").check();
    }

    @Test
    void negativeInstanceWeight() throws IOException {
        records("csv-weight-negative.csv", "logistic").args("--weight-column", "1").badLine(7)
                .message("instance weight -0.5 is not positive").skippedAs("weight not positive").check();
    }

    @Test
    void zeroInstanceWeight() throws IOException {
        records("csv-weight-zero.csv", "least-squares").args("--weight-column", "1").badLine(7)
                .message("instance weight 0 is not positive").skippedAs("weight not positive").check();
    }

    // ---- labels that do not fit the objective ----

    @Test
    void labelTwoForLogistic() throws IOException {
        // Label problems are found after parsing; the row's text is read back from the file for the message.
        records("libsvm-label-2-logistic.libsvm", "logistic").badLine(6)
                .message("label 2 in ", "does not fit logistic", "labels must be 0 or 1")
                .skippedAs("label does not fit logistic").check();
    }

    @Test
    void labelTwoForHinge() throws IOException {
        records("libsvm-label-2-hinge.libsvm", "hinge").badLine(6)
                .message("label 2 in ", "does not fit hinge").skippedAs("label does not fit hinge").check();
    }

    @Test
    void minusOnePlusOneLabelsNeedBinaryLabelsPm1() throws IOException {
        Path input = fixture("libsvm-labels-pm1.libsvm", dir.resolve("in"));
        Path out = dir.resolve("out");
        // The first -1 is on line 2; the message says how to accept such labels.
        assertBadInput(run(train(input, "logistic", out, CLEAN)), out,
                "label -1 in ", "libsvm-labels-pm1.libsvm line 2", "--binary-labels pm1");

        Path pm1 = dir.resolve("pm1");
        Run r = run(train(input, "logistic", pm1, withClean("--binary-labels", "pm1")));
        assertSuccess(r, pm1);
        assertTrue(r.out().contains("labels -1/+1 are read as 0/1"), r.out());
        // The same rows labelled 0/1 give the same model; only classLabels record the data's own labels.
        Path zeroOne = fixture("libsvm-labels-01.libsvm", dir.resolve("in"));
        Path zoOut = dir.resolve("01");
        assertSuccess(run(train(zeroOne, "logistic", zoOut, CLEAN)), zoOut);
        ObjectNode a = (ObjectNode) JSON.readTree(model(pm1));
        ObjectNode b = (ObjectNode) JSON.readTree(model(zoOut));
        assertEquals("[-1.0,1.0]", a.remove("classLabels").toString());
        assertEquals("[0.0,1.0]", b.remove("classLabels").toString());
        assertEquals(b, a);
    }

    @Test
    void nonIntegerLabelForSoftmax() throws IOException {
        records("libsvm-softmax-label-not-an-integer.libsvm", "softmax").badLine(6)
                .message("label 1.5 in ", "is not a class index").skippedAs("label does not fit softmax").check();
    }

    @Test
    void labelBeyondNumClassesForSoftmax() throws IOException {
        records("libsvm-softmax-label-beyond-num-classes.libsvm", "softmax").args("--num-classes", "3").badLine(6)
                .message("label 3 in ", "is out of range for --num-classes 3")
                .skippedAs("label does not fit softmax").check();
    }

    @Test
    void featureIndexBeyondNumFeatures() throws IOException {
        records("libsvm-index-beyond-num-features.libsvm", "logistic").args("--num-features", "3").badLine(6)
                .message("feature index 4 is beyond --num-features 3").skippedAs("index beyond num-features").check();
    }

    // ---- files and folders ----

    @Test
    void emptyFile() throws IOException {
        Path input = fixture("empty.libsvm", dir.resolve("in"));
        Path out = dir.resolve("out");
        assertBadInput(run(train(input, "logistic", out)), out, input.toString(), "is empty", "no bytes");
    }

    @Test
    void fileWithOnlyCommentsHoldsNoRows() throws IOException {
        Path input = fixture("libsvm-only-comments.libsvm", dir.resolve("in"));
        Path out = dir.resolve("out");
        assertBadInput(run(train(input, "logistic", out)), out, input.toString(), "holds no data rows");
    }

    @Test
    void emptyFileAmongOthersInAFolderIsFine() throws IOException {
        fixture("folder-with-empty-file/part-00000.libsvm", dir.resolve("in"));
        Path data = fixture("folder-with-empty-file/part-00001.libsvm", dir.resolve("in"));
        Path folder = data.getParent();
        assertEquals(0, Files.size(folder.resolve("part-00000.libsvm")));
        Path out = dir.resolve("out");
        Run r = run(train(folder, "logistic", out, CLEAN));
        assertSuccess(r, out);
        assertTrue(r.out().contains("data: 10 rows x 3 features (libsvm) from 2 files"), r.out());
        // The empty file adds nothing: the same model as the non-empty file alone.
        Path alone = dir.resolve("alone");
        assertSuccess(run(train(data, "logistic", alone, CLEAN)), alone);
        assertEquals(model(alone), model(out));
    }

    @Test
    void partitionsWithNoRowsAreFine() throws IOException {
        Path input = fixture("libsvm-six-rows.libsvm", dir.resolve("in"));
        Path out = dir.resolve("out");
        Run r = run(train(input, "logistic", out, "--partitions", "50", "--max-iter", "5"));
        assertSuccess(r, out);
        assertTrue(r.out().contains("data: 6 rows x 3 features (libsvm) from 1 file; 50 partitions"), r.out());
        // Other partition counts sum in another order (the README promises equal bytes for the same P only),
        // so the model agrees with one partition's up to rounding.
        Path one = dir.resolve("one");
        assertSuccess(run(train(input, "logistic", one, "--partitions", "1", "--max-iter", "5")), one);
        JsonNode a = JSON.readTree(model(out));
        JsonNode b = JSON.readTree(model(one));
        for (int j = 0; j < 3; j++) {
            assertEquals(b.get("weights").get(j).asDouble(), a.get("weights").get(j).asDouble(), 1e-12);
        }
        assertEquals(b.get("intercepts").asDouble(), a.get("intercepts").asDouble(), 1e-12);
    }

    @Test
    void pathThatDoesNotExist() {
        Path missing = dir.resolve("no-such-folder/data.libsvm");
        Path out = dir.resolve("out");
        assertBadInput(run(train(missing, "logistic", out)), out, missing.toString(), "does not exist");
    }

    @Test
    void unreadableFile() throws IOException {
        // root reads any file whatever its mode, so this cannot be tested as root: it is skipped then.
        boolean isRoot = "root".equals(System.getProperty("user.name"));
        Assumptions.assumeFalse(isRoot, "running as root: chmod 000 does not stop root from reading");
        Path input = fixture("libsvm-six-rows.libsvm", dir.resolve("in"));
        Files.setPosixFilePermissions(input, PosixFilePermissions.fromString("---------"));
        try {
            // Another user that reads everything (CAP_DAC_OVERRIDE in a container) cannot test this either.
            Assumptions.assumeFalse(Files.isReadable(input), "this user can read a file with mode 000");
            Path out = dir.resolve("out");
            Run r = run(train(input, "logistic", out));
            assertBadInput(r, out, "libsvm-six-rows.libsvm");
            assertTrue(r.err().toLowerCase(Locale.ROOT).contains("permission denied"), r.err());
        } finally {
            Files.setPosixFilePermissions(input, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    @Test
    void truncatedGzipFile() throws IOException {
        // A few thousand rows, so the cut falls well inside the compressed stream.
        Path gz = dir.resolve("in/big.libsvm.gz");
        Files.createDirectories(gz.getParent());
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 4000; i++) {
                sb.append(i % 2).append(" 1:").append(i % 7 * 0.125).append(" 2:").append(i % 5 * 0.25 - 0.5).append('\n');
            }
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        long full = Files.size(gz);
        try (RandomAccessFile f = new RandomAccessFile(gz.toFile(), "rw")) {
            f.setLength(full / 2);
        }
        Path out = dir.resolve("out");
        Run r = run(train(gz, "logistic", out));
        assertBadInput(r, out, "big.libsvm.gz");
        assertTrue(r.err().contains("truncated") || r.err().contains("corrupt"), r.err());
    }

    // ---- the four runs of a record-level case ----

    private RecordCase records(String fixture, String objective) {
        return new RecordCase(fixture, objective);
    }

    private static List<String> withClean(String... extra) {
        List<String> args = new ArrayList<>(CLEAN);
        args.addAll(Arrays.asList(extra));
        return args;
    }

    private static Path write(Path file, List<String> lines) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, lines, StandardCharsets.UTF_8);
    }

    /** A fixture with bad lines among good ones, and what each of the four runs must show. */
    private final class RecordCase {
        private final String fixture;
        private final String objective;
        private final Set<Integer> badLines = new TreeSet<>();
        private final List<String> args = new ArrayList<>();
        private final List<String> message = new ArrayList<>();
        private String category;

        RecordCase(String fixture, String objective) {
            this.fixture = fixture;
            this.objective = objective;
        }

        RecordCase badLine(int line) {
            badLines.add(line);
            return this;
        }

        /** Settings every run gets (e.g. --weight-column). */
        RecordCase args(String... extra) {
            args.addAll(Arrays.asList(extra));
            return this;
        }

        /** Parts the fail message must contain besides the file, the line and (by default) the quoted line. */
        RecordCase message(String... parts) {
            message.addAll(Arrays.asList(parts));
            return this;
        }

        /** The reason skip counts the bad records under. */
        RecordCase skippedAs(String reason) {
            category = reason;
            return this;
        }

        private List<String> with(List<String> more) {
            List<String> all = new ArrayList<>(args);
            all.addAll(more);
            return all;
        }

        void check() throws IOException {
            Path input = fixture(fixture, dir.resolve("in"));
            List<String> lines = Files.readAllLines(input, StandardCharsets.UTF_8);
            int first = badLines.iterator().next();
            String where = fixture + " line " + first;
            int bad = badLines.size();

            // 1. fail: the first bad line is named, with its text.
            Path failOut = dir.resolve("fail");
            List<String> expected = new ArrayList<>(List.of(where));
            expected.add("\"" + lines.get(first - 1) + "\"");
            expected.addAll(message);
            assertBadInput(run(train(input, objective, failOut, with(List.of()))), failOut,
                    expected.toArray(new String[0]));

            // 2. skip: counted once, under its reason, with the first example; the rest is trained on.
            Path skipOut = dir.resolve("skip");
            Run skip = run(train(input, objective, skipOut, with(SKIP)));
            assertSuccess(skip, skipOut);
            for (String s : List.of("skipped " + bad + " of " + RECORDS + " records",
                    String.format(Locale.ROOT, "  %10d  %s%n", bad, category),
                    where, "data: " + (RECORDS - bad) + " rows")) {
                assertTrue(skip.out().contains(s), () -> "stdout lacks '" + s + "':\n" + skip.out());
            }

            // 3. the good rows alone give the same model, byte for byte.
            List<String> good = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                if (!badLines.contains(i + 1)) {
                    good.add(lines.get(i));
                }
            }
            Path clean = write(dir.resolve("clean").resolve(fixture), good);
            Path cleanOut = dir.resolve("clean-out");
            Run cleanRun = run(train(clean, objective, cleanOut, with(CLEAN)));
            assertSuccess(cleanRun, cleanOut);
            assertTrue(cleanRun.out().contains("data: " + (RECORDS - bad) + " rows"), cleanRun.out());
            assertEquals(model(cleanOut), model(skipOut), "skip trained on other rows than the clean file holds");

            // 4. skip with the default --max-bad-fraction (0.001): 1 in 11 is too many.
            Path strictOut = dir.resolve("strict");
            List<String> strict = with(List.of("--on-bad-record", "skip", "--partitions", "1", "--max-iter", "20"));
            assertBadInput(run(train(input, objective, strictOut, strict)), strictOut,
                    "more than --max-bad-fraction 0.001 allows", "skipped " + bad + " of " + RECORDS + " records",
                    where);
        }
    }
}
