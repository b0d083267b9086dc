package dev.downhill.driver.train;

import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Where the per-iteration progress goes. Plain lines by default, and always where the output is kept (a log,
 * a file, a pipe, a driver under a cluster deploy): printable text and newlines only, never a control
 * character. In an interactive terminal, one live bar (me.tongfei:progressbar) redrawn in place with a
 * carriage return, showing iteration/expected iterations (from the convergence rate; indefinite until there is an
 * estimate), elapsed time, ETA, f and ||grad f||; it is closed, leaving its
 * last state on its line, when training ends.
 */
abstract class ProgressDisplay implements AutoCloseable {

    /**
     * Shows one finished iteration; {@code line} is the plain progress line, printed when {@code lineDue};
     * {@code expectedTotal} the iterations the run is expected to take from its convergence rate, or -1 if unknown.
     */
    abstract void iteration(long iteration, String line, boolean lineDue, double objective, double gradientNorm,
                            long expectedTotal);

    /** The same without an estimate of the iterations to go. */
    final void iteration(long iteration, String line, boolean lineDue, double objective, double gradientNorm) {
        iteration(iteration, line, lineDue, objective, gradientNorm, -1);
    }

    @Override
    public abstract void close();

    /**
     * Whether to draw the bar: {@code progress-bar} on or off as set, and for auto only when the output is the
     * process's standard output, that is an interactive terminal, and the driver is not under a cluster deploy
     * (where its output is a log whatever the JVM thinks).
     */
    static boolean wantsBar(String setting, boolean toStandardOutput, boolean interactiveTerminal, String deployMode) {
        switch (setting == null ? "auto" : setting) {
            case "on":
                return true;
            case "off":
                return false;
            default:
                return toStandardOutput && interactiveTerminal && !"cluster".equals(deployMode);
        }
    }

    /**
     * Whether this JVM's standard input and output are a terminal: {@code System.console()} is null when
     * either is redirected (from Java 22 on it may exist anyway, so then also {@code Console.isTerminal()});
     * a terminal that declares itself dumb cannot redraw a line.
     */
    static boolean interactiveTerminal() {
        java.io.Console console = System.console();
        if (console == null || "dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            Method isTerminal = java.io.Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (ReflectiveOperationException e) {
            return true; // before Java 22 a console means a terminal
        }
    }

    static ProgressDisplay choose(PrintStream out, String setting, String deployMode, long maxIter) {
        boolean bar = wantsBar(setting, out == System.out, interactiveTerminal(), deployMode);
        return bar ? new Bar(out, maxIter, terminalWidth()) : new Lines(out);
    }

    /**
     * COLUMNS when the shell exports it, else what {@code stty size} says of the controlling terminal, else 80.
     * (Asked here, once: left to itself the library would open a jline terminal for every redraw.)
     */
    private static int terminalWidth() {
        String columns = System.getenv("COLUMNS");
        if (columns != null && columns.matches("[0-9]{2,4}")) {
            return Integer.parseInt(columns);
        }
        try {
            Process stty = new ProcessBuilder("sh", "-c", "stty size < /dev/tty")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String size = new String(stty.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII)
                    .trim();
            if (stty.waitFor() == 0 && size.matches("[0-9]+ [0-9]{2,4}")) {
                return Integer.parseInt(size.substring(size.indexOf(' ') + 1));
            }
        } catch (java.io.IOException | RuntimeException e) {
            // no sh or stty: the default below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 80;
    }

    /** The plain lines, as they always were. */
    static final class Lines extends ProgressDisplay {
        private final PrintStream out;

        Lines(PrintStream out) {
            this.out = out;
        }

        @Override
        void iteration(long iteration, String line, boolean lineDue, double objective, double gradientNorm,
                       long expectedTotal) {
            if (lineDue) {
                out.println(line);
            }
        }

        @Override
        public void close() {
            out.flush();
        }
    }

    /** The live bar: redrawn a few times a second by the library's thread, updated every iteration. */
    static final class Bar extends ProgressDisplay {
        private final ProgressBar bar;
        private final Console console;
        private final long maxIter;
        private long last;
        private boolean closed;

        /**
         * The bar's length is the run's expected iterations, from the convergence rate, never --max-iter alone (a
         * run that converges in 20 iterations of 1000 would show 2% and an ETA of minutes): without an estimate
         * it is indefinite, and at the end it is the iterations run, so it closes full.
         */
        Bar(PrintStream out, long maxIter, int width) {
            this.maxIter = maxIter;
            // A consumer with the width given, so the library never probes the terminal itself.
            this.console = new Console(out, Math.max(40, width - 1));
            this.bar = new ProgressBarBuilder()
                    .setTaskName("Downhill train")
                    .setInitialMax(-1)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(200)
                    .setConsumer(console)
                    .build();
        }

        /** The library's console consumer, remembering whether it was closed (it ends the bar's line). */
        private static final class Console extends ConsoleProgressBarConsumer {
            private volatile boolean closed;

            Console(PrintStream out, int width) {
                super(out, width);
            }

            @Override
            public void close() {
                closed = true;
                super.close();
            }
        }

        @Override
        void iteration(long iteration, String line, boolean lineDue, double objective, double gradientNorm,
                       long expectedTotal) {
            last = iteration;
            bar.maxHint(iteration >= maxIter ? maxIter : expectedTotal < 0 ? -1 : Math.max(iteration, expectedTotal));
            bar.stepTo(iteration);
            bar.setExtraMessage(String.format(Locale.ROOT, "f %.10g |grad| %.3e", objective, gradientNorm));
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                if (last > 0) {
                    bar.maxHint(last); // the run is over: its iterations are the whole bar
                    bar.stepTo(last);
                }
                bar.close();
                if (!console.closed) {
                    // Closed before its first scheduled redraw, the library draws once and leaves the line open.
                    console.close();
                }
            }
        }
    }
}
