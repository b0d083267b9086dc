package dev.downhill.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What goes wrong around the data ends in one clean line and a documented exit code, never an internal
 * error or a stack trace (issue 16): mini-batches on small data, a master that is not there, binary files.
 */
class CleanErrorsTest {
    static final Path SAMPLE = Path.of("sample", "binary.libsvm").toAbsolutePath();

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
        String describe() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Downhill.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private List<String> train(Path input, Path output, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--input", input.toString(), "--objective", "logistic",
                "--output", output.toString(), "--master", "local[2]"));
        args.addAll(List.of(extra));
        return args;
    }

    static void assertClean(Run r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception") || r.err().contains("internal error"),
                r::describe);
    }

    /** Was: exit 1 with a SettingsException trace, since the sample packs into 2 blocks and 10 batches were asked. */
    @Test
    void aSmallBatchFractionTrainsOnTheBundledSample() throws Exception {
        Path out = dir.resolve("mini");
        Run r = run(train(SAMPLE, out, "--batch-fraction", "0.1", "--max-iter", "30").toArray(new String[0]));
        assertEquals(ExitCode.OK, r.code(), r::describe);
        assertClean(r);
        assertTrue(Files.exists(out.resolve("model.json")), r::describe);
        // 2000 rows, 10 batches an epoch: blocks of 100 rows, about 20 of them (one more per partition end).
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(", (\\d+) blocks").matcher(r.out());
        assertTrue(m.find(), r::describe);
        int blocks = Integer.parseInt(m.group(1));
        assertTrue(blocks >= 20 && blocks <= 22, r::describe);
    }

    /** Fewer rows than batches cannot work: exit 2 naming the setting and the fraction that would. */
    @Test
    void moreBatchesThanRowsIsABadSetting() throws Exception {
        Path input = Files.writeString(dir.resolve("five.libsvm"), "1 1:1\n0 1:-1\n1 1:2\n0 1:-2\n1 1:0.5\n");
        Run r = run(train(input, dir.resolve("five-out"), "--batch-fraction", "0.1").toArray(new String[0]));
        assertEquals(ExitCode.BAD_SETTINGS, r.code(), r::describe);
        assertTrue(r.err().startsWith("downhill: error: --batch-fraction 0.1 asks for 10 mini-batches")
                && r.err().contains("5 rows") && r.err().contains("at least 1/5"), r::describe);
        assertClean(r);
    }
}
