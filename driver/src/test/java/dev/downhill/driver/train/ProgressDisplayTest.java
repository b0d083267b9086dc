package dev.downhill.driver.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * When the live bar replaces the progress lines (an interactive terminal only, never a log), what the lines
 * and the bar write. (ProgressOutputTest checks a whole run's output.)
 */
class ProgressDisplayTest {
    @Test
    void theBarNeedsAnInteractiveTerminalOnStandardOutputOutsideAClusterDeploy() {
        // auto: every condition must hold.
        assertTrue(ProgressDisplay.wantsBar("auto", true, true, "client"));
        assertFalse(ProgressDisplay.wantsBar("auto", false, true, "client"), "another stream (a file, a test)");
        assertFalse(ProgressDisplay.wantsBar("auto", true, false, "client"), "no terminal: a log or a pipe");
        assertFalse(ProgressDisplay.wantsBar("auto", true, true, "cluster"), "a driver on the cluster logs");
        assertTrue(ProgressDisplay.wantsBar(null, true, true, "client"), "unset is auto");
        // on and off win over everything.
        assertTrue(ProgressDisplay.wantsBar("on", false, false, "cluster"));
        assertFalse(ProgressDisplay.wantsBar("off", true, true, "client"));
    }

    @Test
    void linesAreTextAndTheBarRedrawsInPlace() {
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        try (ProgressDisplay d = new ProgressDisplay.Lines(new PrintStream(lines, true, StandardCharsets.UTF_8))) {
            d.iteration(1, "iteration 1/3  objective 0.5", true, 0.5, 0.1);
            d.iteration(2, "iteration 2/3  objective 0.4", false, 0.4, 0.05);
            d.iteration(3, "iteration 3/3  objective 0.3", true, 0.3, 0.01);
        }
        assertEquals("iteration 1/3  objective 0.5\niteration 3/3  objective 0.3\n",
                lines.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));

        ByteArrayOutputStream bar = new ByteArrayOutputStream();
        ProgressDisplay b = new ProgressDisplay.Bar(new PrintStream(bar, true, StandardCharsets.UTF_8), 3, 100);
        b.iteration(1, "unused", true, 0.5, 0.1);
        b.iteration(3, "unused", true, 0.25, 0.01);
        b.close();
        b.close(); // closing twice (the log's hook and an error path) is harmless
        String drawn = bar.toString(StandardCharsets.UTF_8);
        assertTrue(drawn.contains("\r"), "the bar is redrawn in place");
        assertTrue(drawn.contains("Downhill train"), drawn);
        String last = drawn.substring(drawn.lastIndexOf('\r') + 1);
        assertTrue(last.contains("3/3") && last.contains("f 0.2500000000 |grad| 1.000e-02"), last);
        assertTrue(drawn.endsWith(System.lineSeparator()), () -> "the final state keeps its line: " + drawn.replace("\r", "<CR>").replace("\n", "<LF>"));
    }

    @Test
    void aBarClosedAtOnceStillEndsItsLine() {
        // Closed before the library's first redraw (a very short run), the bar must still end its line, or the
        // next line printed would continue it.
        for (int i = 0; i < 20; i++) {
            ByteArrayOutputStream bar = new ByteArrayOutputStream();
            ProgressDisplay b = new ProgressDisplay.Bar(new PrintStream(bar, true, StandardCharsets.UTF_8), 5, 80);
            b.iteration(5, "unused", true, 1.0, 0.5);
            b.close();
            String drawn = bar.toString(StandardCharsets.UTF_8);
            assertTrue(drawn.endsWith(System.lineSeparator()), drawn);
            assertEquals(1, drawn.split(System.lineSeparator(), -1).length - 1, "exactly one line: " + drawn);
        }
    }

    /** (iteration, log of the smallest stationarity so far) for iterations from..to of g_k = g0 * q^k. */
    private static java.util.List<double[]> geometric(double g0, double q, int from, int to) {
        java.util.List<double[]> points = new java.util.ArrayList<>();
        for (int k = from; k <= to; k++) {
            points.add(new double[] {k, Math.log(g0 * Math.pow(q, k))});
        }
        return points;
    }

    @Test
    void theIterationsToGoFollowTheConvergenceRateNotTheLimit() {
        // Halving every iteration from 1 to the target 1e-9: log2(1e9) = 29.9 iterations in all.
        assertEquals(25, ProgressReporter.remainingIterations(geometric(1, 0.5, 1, 5), 1e-9, 995));
        assertEquals(5, ProgressReporter.remainingIterations(geometric(1, 0.5, 16, 25), 1e-9, 975));
        // Never beyond the iteration limit, and 0 once there.
        assertEquals(7, ProgressReporter.remainingIterations(geometric(1, 0.5, 1, 5), 1e-9, 7));
        assertEquals(0, ProgressReporter.remainingIterations(geometric(1, 0.5, 1, 40), 1e-9, 960));
        // No estimate: too few iterations seen, or no fall (a plateau).
        assertEquals(-1, ProgressReporter.remainingIterations(geometric(1, 0.5, 1, 2), 1e-9, 998));
        assertEquals(-1, ProgressReporter.remainingIterations(geometric(1, 1.0, 1, 10), 1e-9, 990));
        // No gradient test (--tol and --rel-tol 0): the run goes to the limit, which is then the estimate.
        assertEquals(990, ProgressReporter.remainingIterations(geometric(1, 0.5, 1, 10), 0.0, 990));
    }

    @Test
    void theBarIsIndefiniteUntilThereIsAnEstimateAndEndsFull() {
        ByteArrayOutputStream bar = new ByteArrayOutputStream();
        ProgressDisplay b = new ProgressDisplay.Bar(new PrintStream(bar, true, StandardCharsets.UTF_8), 1000, 100);
        b.iteration(1, "unused", true, 0.5, 0.1, -1);
        b.iteration(2, "unused", true, 0.4, 0.05, 30);
        b.iteration(12, "unused", true, 0.3, 0.01, 20);
        b.close();
        String drawn = bar.toString(StandardCharsets.UTF_8);
        assertFalse(drawn.contains("/1000"), "the iteration limit is not the bar's length: " + drawn);
        String last = drawn.substring(drawn.lastIndexOf('\r') + 1);
        assertTrue(last.contains("12/12") && last.contains("100%"), last);
    }
}
