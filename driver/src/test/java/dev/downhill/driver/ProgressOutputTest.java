package dev.downhill.driver;

import static dev.downhill.driver.BadInputHarness.assertSuccess;
import static dev.downhill.driver.BadInputHarness.run;
import static dev.downhill.driver.BadInputHarness.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.BadInputHarness.Run;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training run's output where it is kept (not a terminal: here a captured stream, as a log or a pipe would
 * be) holds printable text and newlines only; forced on, the bar takes the lines' place, which shows the
 * check can fail.
 */
class ProgressOutputTest {
    @TempDir
    Path dir;

    /** Characters below U+0020 other than the newline, and DEL, with their positions. */
    static String controlCharacters(String s) {
        StringBuilder found = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\n') || c == 0x7f) {
                found.append(String.format("U+%04X at %d; ", (int) c, i));
            }
        }
        return found.toString();
    }

    private String trained(Path input, String name, String progressBar) {
        Path output = dir.resolve(name);
        Run r = run(train(input, "logistic", output, "--max-iter", "40", "--tol", "0", "--rel-tol", "0", "--f-tol", "0",
                "--optimizer", "gd", "--progress-bar", progressBar));
        assertSuccess(r, output);
        return r.out().replace(System.lineSeparator(), "\n");
    }

    @Test
    void trainingOutputWithoutATerminalHasNoControlCharacters() throws Exception {
        Path input = TestData.binary(60, 2, 5).writeLibsvm(dir.resolve("data.libsvm"), 0.0);
        String lines = trained(input, "lines", "auto");
        assertEquals("", controlCharacters(lines), lines);
        assertTrue(lines.contains("iteration  1/40  objective "), lines);

        String bar = trained(input, "bar", "on");
        assertFalse(controlCharacters(bar).isEmpty(), bar);
        assertFalse(bar.contains("iteration  1/40"), bar);
        assertTrue(bar.contains("Downhill train") && bar.contains("40/40"), bar);
        // The bar is closed before the closing lines, which start lines of their own.
        assertTrue(bar.contains("\nstopped after 40 iterations"), bar);
    }
}
