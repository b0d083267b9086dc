package dev.downhill.driver;

import static dev.downhill.driver.BadInputHarness.assertCleanError;
import static dev.downhill.driver.BadInputHarness.assertSuccess;
import static dev.downhill.driver.BadInputHarness.run;
import static dev.downhill.driver.BadInputHarness.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.downhill.driver.BadInputHarness.Run;
import dev.downhill.driver.io.BadInputException;
import dev.downhill.driver.io.CsvParser;
import dev.downhill.driver.io.LibsvmParser;
import dev.downhill.driver.io.ParsedRow;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random byte mutations of a valid LIBSVM file: whatever the bytes, {@code train} ends in a clean success
 * (exit 0, a model) or a clean error (exit 3, one message, no stack trace, no model), never in a hang, an
 * internal error (exit 1) or an exception escaping; and the parsers return a well-formed row, skip the line,
 * or throw {@link BadInputException}, nothing else. Seeds are fixed, so a failure reproduces exactly.
 */
class BadInputFuzzTest {
    private static final String PATH = "file:/data/fuzz.libsvm";
    /** Bytes and tokens that steer the parsers into their branches: separators, signs, exponents, specials. */
    private static final byte[] BYTES = ":-+e.0123456789 \t\n\r#,".getBytes(StandardCharsets.US_ASCII);
    private static final String[] TOKENS = {"NaN", "Infinity", "-Infinity", "1e400", "2147483648", "0:", ":",
            " 7:1", "#", "\u0000", "\u00ff", "\"", "1.5", "-1", "99:1"};
    private static final String[] OBJECTIVES = {"logistic", "least-squares", "hinge", "softmax"};

    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = TestSpark.start("BadInputFuzzTest");
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
    }

    /** 30 rows, labels 0/1, up to 5 features each, from a fixed seed. */
    static byte[] validLibsvm(long seed, int rows) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            sb.append(i % 2);
            for (int j = 1; j <= 5; j++) {
                if (r.nextDouble() < 0.7) {
                    sb.append(' ').append(j).append(':').append(String.format(Locale.ROOT, "%.3f", r.nextGaussian()));
                }
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** 1 to 4 edits: flip a bit, insert or replace a byte (often a meaningful one), delete a byte, insert a token. */
    static byte[] mutate(byte[] base, Random r) {
        List<Byte> b = new ArrayList<>(base.length + 16);
        for (byte x : base) {
            b.add(x);
        }
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int pos = r.nextInt(b.size() + 1);
            int at = Math.min(pos, b.size() - 1);
            switch (r.nextInt(5)) {
                case 0 -> b.set(at, (byte) (b.get(at) ^ (1 << r.nextInt(8))));
                case 1 -> b.add(pos, randomByte(r));
                case 2 -> b.set(at, randomByte(r));
                case 3 -> b.remove(at);
                default -> {
                    byte[] token = TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.ISO_8859_1);
                    for (int k = token.length - 1; k >= 0; k--) {
                        b.add(pos, token[k]);
                    }
                }
            }
            if (b.isEmpty()) {
                b.add((byte) '\n');
            }
        }
        byte[] out = new byte[b.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i);
        }
        return out;
    }

    private static byte randomByte(Random r) {
        int k = r.nextInt(10);
        if (k < 6) {
            return BYTES[r.nextInt(BYTES.length)];
        }
        if (k == 6) {
            return 0; // NUL
        }
        if (k == 7) {
            return (byte) 0xFF; // never valid UTF-8
        }
        return (byte) r.nextInt(256);
    }

    /** The mutant as Java string literal text, for failure messages and regression fixtures. */
    static String show(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte x : bytes) {
            int c = x & 0xFF;
            if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\\' || c == '"') {
                sb.append('\\').append((char) c);
            } else if (c >= 0x20 && c < 0x7F) {
                sb.append((char) c);
            } else {
                sb.append(String.format(Locale.ROOT, "\\u%04x", c));
            }
        }
        return sb.toString();
    }

    @Test
    void trainOnMutatedFilesEndsCleanly() throws IOException {
        byte[] base = validLibsvm(7, 30);
        // Longer hunts: -Ddownhill.fuzz.seed=N -Ddownhill.fuzz.runs=M (the defaults are what CI runs).
        Random r = new Random(Long.getLong("downhill.fuzz.seed", 20251122L));
        int runs = Integer.getInteger("downhill.fuzz.runs", 48);
        int successes = 0;
        int errors = 0;
        for (int i = 0; i < runs; i++) {
            byte[] mutant = mutate(base, r);
            Path input = Files.write(dir.resolve("mutant-" + i + ".libsvm"), mutant);
            Path out = dir.resolve("out-" + i);
            // Every objective and both bad-record modes, so labels and skip counting are exercised too.
            String objective = OBJECTIVES[i % OBJECTIVES.length];
            List<String> extra = new ArrayList<>(List.of("--max-iter", "5", "--partitions", String.valueOf(1 + i % 3)));
            if (i / OBJECTIVES.length % 2 == 1) {
                extra.addAll(List.of("--on-bad-record", "skip", "--max-bad-fraction", "0.2"));
            }
            List<String> args = train(input, objective, out, extra);
            String what = "mutant " + i + " (" + String.join(" ", extra) + ", " + objective + "): \"" + show(mutant) + "\"";
            // Runs in another thread, which needs the shared session made active there (it is thread-local).
            Run run = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                SparkSession.setActiveSession(spark);
                return run(args);
            }, () -> what + " did not finish in 60 s");
            if (run.code() == ExitCode.OK) {
                assertSuccess(run, out);
                successes++;
            } else if (run.code() == ExitCode.BAD_INPUT) {
                assertCleanError(run, out);
                errors++;
            } else {
                fail(what + " ended with exit " + run.code() + " (only 0 or 3 are clean for input)\n" + run.describe());
            }
        }
        // Not a degenerate fuzz: some mutants still train, some are refused.
        assertTrue(successes >= 5 && errors >= 5, successes + " successes, " + errors + " errors");
    }

    @Test
    void libsvmParserReturnsARowSkipsOrThrowsBadInput() {
        byte[] base = validLibsvm(11, 30);
        Random r = new Random(424242L);
        LibsvmParser anyWidth = new LibsvmParser(0);
        LibsvmParser fiveFeatures = new LibsvmParser(5);
        int rows = 0;
        int bad = 0;
        for (int m = 0; m < 20_000; m++) {
            byte[] mutant = mutate(base, r);
            LibsvmParser parser = m % 2 == 0 ? anyWidth : fiveFeatures;
            int declared = m % 2 == 0 ? 0 : 5;
            List<String> lines = lines(mutant);
            for (int i = 0; i < lines.size(); i++) {
                String text = lines.get(i);
                long line = i + 1;
                ParsedRow row;
                try {
                    row = parser.parse(text, PATH, line, 100L * i);
                } catch (BadInputException e) {
                    assertTrue(e.getMessage().startsWith("bad LIBSVM record in " + PATH + " line " + line + ": "),
                            e::getMessage);
                    assertNotNull(e.category(), e::getMessage);
                    bad++;
                    continue;
                } catch (RuntimeException e) {
                    throw new AssertionError("LibsvmParser threw " + e + " on \"" + show(text) + "\"", e);
                }
                if (row != null) {
                    checkLibsvmRow(row, declared, line, text);
                    rows++;
                }
            }
        }
        assertTrue(rows > 100_000 && bad > 10_000, rows + " rows, " + bad + " bad lines");
    }

    @Test
    void csvParserReturnsARowSkipsOrThrowsBadInput() {
        StringBuilder sb = new StringBuilder("label,w,a,b,c\n");
        Random data = new Random(5);
        for (int i = 0; i < 30; i++) {
            sb.append(i % 3).append(',').append(1 + i % 4).append(String.format(Locale.ROOT, ",%.3f,\"%.3f\",%.3f%n",
                    data.nextGaussian(), data.nextGaussian(), data.nextGaussian()));
        }
        byte[] base = sb.toString().getBytes(StandardCharsets.US_ASCII);
        Random r = new Random(777L);
        CsvParser unweighted = new CsvParser(',', 0, -1, CsvParser.Header.AUTO);
        CsvParser weighted = new CsvParser(',', 0, 1, CsvParser.Header.AUTO);
        int rows = 0;
        for (int m = 0; m < 5_000; m++) {
            byte[] mutant = mutate(base, r);
            boolean hasWeight = m % 2 == 1;
            CsvParser parser = hasWeight ? weighted : unweighted;
            List<String> lines = lines(mutant);
            for (int i = 0; i < lines.size(); i++) {
                String text = lines.get(i);
                ParsedRow row;
                try {
                    row = parser.parse(text, PATH, i + 1, 100L * i, i == 0);
                } catch (BadInputException e) {
                    assertTrue(e.getMessage().startsWith("bad CSV record in " + PATH + " line " + (i + 1) + ": "),
                            e::getMessage);
                    continue;
                } catch (RuntimeException e) {
                    throw new AssertionError("CsvParser threw " + e + " on \"" + show(text) + "\"", e);
                }
                if (row != null) {
                    assertTrue(Double.isFinite(row.label), () -> show(text));
                    assertTrue(Double.isFinite(row.weight) && row.weight > 0, () -> show(text));
                    assertEquals(null, row.indices, "CSV rows are dense");
                    for (double v : row.values) {
                        assertTrue(Double.isFinite(v), () -> show(text));
                    }
                    rows++;
                }
            }
        }
        assertTrue(rows > 50_000, rows + " rows");
    }

    /** What the training code relies on: finite numbers, 0-based strictly increasing indices within bounds. */
    private static void checkLibsvmRow(ParsedRow row, int declared, long line, String text) {
        String why = "\"" + show(text) + "\"";
        assertTrue(Double.isFinite(row.label), why);
        assertEquals(1.0, row.weight, why);
        assertEquals(line, row.line, why);
        assertEquals(row.indices.length, row.values.length, why);
        int previous = -1;
        for (int k = 0; k < row.indices.length; k++) {
            assertTrue(row.indices[k] > previous, why);
            assertTrue(declared == 0 || row.indices[k] < declared, why);
            assertTrue(Double.isFinite(row.values[k]), why);
            previous = row.indices[k];
        }
    }

    /** Lines as Hadoop's LineRecordReader cuts them (\n, \r or \r\n), decoded as Text decodes them. */
    private static List<String> lines(byte[] bytes) {
        List<String> out = new ArrayList<>();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int i = 0; i < bytes.length; i++) {
            byte c = bytes[i];
            if (c == '\n' || c == '\r') {
                out.add(line.toString(StandardCharsets.UTF_8));
                line.reset();
                if (c == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n') {
                    i++;
                }
            } else {
                line.write(c);
            }
        }
        if (line.size() > 0) {
            out.add(line.toString(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String show(String text) {
        return show(text.getBytes(StandardCharsets.UTF_8));
    }
}
