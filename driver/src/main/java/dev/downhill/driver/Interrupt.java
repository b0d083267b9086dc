package dev.downhill.driver;

import dev.downhill.driver.checkpoint.LastCheckpoint;
import dev.downhill.driver.spark.DriverMemory;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import sun.misc.Signal;

/**
 * Ctrl-C (SIGINT) in the command-line JVM: one line on stderr saying where the last checkpoint of this run
 * is and the exact command that resumes from it, then exit {@link ExitCode#INTERRUPTED} (130, as shells
 * report a SIGINT). Spark's shutdown hooks still run (they stop the context and remove its temporary
 * files), with logging silenced, and the failure they cause in the main thread is not reported.
 * A second Ctrl-C ends the JVM at once.
 */
final class Interrupt {
    private Interrupt() {}

    /** The file scripts/downhill and downhill-submit add as --config (they add it again on the next run). */
    static final String DEFAULT_CONFIG_ENV = "DOWNHILL_DEFAULT_CONFIG";

    private static volatile boolean happened;

    /** Whether this process was interrupted (the main thread then reports nothing). */
    static boolean happened() {
        return happened;
    }

    /** Takes over SIGINT for {@code Downhill.main}; tests running commands in-process never call it. */
    static void install(String[] args) {
        try {
            Signal.handle(new Signal("INT"), s -> interrupted(args));
        } catch (IllegalArgumentException e) {
            // The JVM does not let us have SIGINT (-Xrs): its default handling stays.
        }
    }

    private static void interrupted(String[] args) {
        if (happened) {
            Runtime.getRuntime().halt(ExitCode.INTERRUPTED);
        }
        happened = true;
        try {
            Configurator.setAllLevels(LogManager.ROOT_LOGGER_NAME, Level.OFF);
        } catch (RuntimeException | LinkageError e) {
            // Another logging back end: Spark may log its shutdown, nothing worse.
        }
        // On a terminal the cursor is after ^C, possibly on the progress bar's line.
        System.err.println((System.console() != null ? "\n" : "") + message(args, System.getenv(
                DriverMemory.LAUNCHER_ENV), System.getenv(DEFAULT_CONFIG_ENV), LastCheckpoint.get()));
        System.err.flush();
        System.exit(ExitCode.INTERRUPTED);
    }

    /** The line: what was interrupted, where its last checkpoint is, and the command that goes on from it. */
    static String message(String[] args, String launcher, String defaultConfig, LastCheckpoint.Point last) {
        if (args.length == 0 || !"train".equals(args[0])) {
            return "downhill: interrupted.";
        }
        if (last == null) {
            return "downhill: interrupted before this run wrote a checkpoint: nothing to resume from; start again"
                    + " with: " + command(args, launcher, defaultConfig, false);
        }
        return "downhill: interrupted; the last checkpoint is " + last.path() + " (iteration " + last.iteration()
                + "). Resume with: " + command(args, launcher, defaultConfig, true);
    }

    /** The command line that ran, shell-quoted, with --resume when asked (and not already there). */
    static String command(String[] args, String launcher, String defaultConfig, boolean resume) {
        List<String> words = new ArrayList<>();
        if ("scripts/downhill-submit".equals(launcher)) {
            words.add("scripts/downhill-submit [the same spark-submit options]");
        } else if (launcher != null && !launcher.isEmpty()) {
            words.add(launcher);
        } else {
            words.add("java [the same JVM options] " + Downhill.class.getName());
        }
        boolean hasResume = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (defaultConfig != null && "--config".equals(a) && i + 1 < args.length
                    && defaultConfig.equals(args[i + 1])) {
                i++; // the script adds it again
                continue;
            }
            if ("--config=".concat(String.valueOf(defaultConfig)).equals(a)) {
                continue;
            }
            if ("--resume".equals(a) || a.startsWith("--resume=")) {
                // "--resume true" and "--resume=true" both count; a following value belongs to it.
                hasResume = true;
            }
            words.add(quote(a));
        }
        if (resume && !hasResume) {
            words.add("--resume");
        }
        return String.join(" ", words);
    }

    /** The word as a POSIX shell reads it back. */
    static String quote(String word) {
        if (word.matches("[A-Za-z0-9_./:=@%+,-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
