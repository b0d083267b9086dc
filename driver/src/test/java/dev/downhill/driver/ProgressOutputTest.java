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

    /**
     * A network run with a validation split reports as a linear one does: a progress line per iteration with the
     * validation loss and accuracy, one metrics.jsonl record per iteration, report.html naming the architecture and
     * its parameter count, and loss.png a readable image.
     */
    @Test
    void aNetworkRunWritesProgressMetricsReportAndPlot() throws Exception {
        Path input = TestData.multiclass(300, 3, 3, 8).writeLibsvm(dir.resolve("multi.libsvm"), 0.0);
        Path output = dir.resolve("mlp");
        Run r = run(train(input, "softmax", output, "--model", "mlp", "--hidden", "5", "--activation", "relu",
                "--dropout", "0.1", "--max-iter", "12", "--tol", "0", "--step", "0.02", "--validation-fraction",
                "0.2", "--patience", "100", "--progress-every", "1"));
        assertSuccess(r, output);
        String out = r.out().replace(System.lineSeparator(), "\n");
        assertEquals("", controlCharacters(out), out);
        assertTrue(out.contains("model: mlp 3 -> 5 -> 3 (relu, dropout 0.1), 38 parameters"), out);
        for (int i = 1; i <= 12; i++) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("iteration +" + i + "/12 +objective [^\n]*"
                    + "validation loss [0-9.e+-]+ accuracy [0-9.]+").matcher(out);
            assertTrue(m.find(), "progress line of iteration " + i + ":\n" + out);
        }
        java.util.List<String> metrics = java.nio.file.Files.readAllLines(output.resolve("metrics.jsonl"));
        assertEquals(12, metrics.size());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (int i = 0; i < 12; i++) {
            com.fasterxml.jackson.databind.JsonNode rec = json.readTree(metrics.get(i));
            assertEquals(i + 1, rec.get("iteration").asInt());
            assertTrue(Double.isFinite(rec.get("objective").asDouble()), metrics.get(i));
            assertTrue(rec.get("validationLoss").asDouble() > 0, metrics.get(i));
            assertTrue(rec.has("validationAccuracy"), metrics.get(i));
        }
        String html = java.nio.file.Files.readString(output.resolve("report.html"));
        assertTrue(html.contains("mlp 3 -&gt; 5 -&gt; 3 (relu, dropout 0.1) (38 parameters)")
                || html.contains("mlp 3 -> 5 -> 3 (relu, dropout 0.1) (38 parameters)"), html);
        assertTrue(html.contains("loss.png"), html);
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(output.resolve("loss.png").toFile());
        assertTrue(png != null && png.getWidth() > 100 && png.getHeight() > 100, "loss.png is an image");
    }
}
