package dev.downhill.driver.checkpoint;

import org.apache.hadoop.fs.Path;

/**
 * The newest checkpoint the current {@code train} run can resume from (written by it, or the one it resumed
 * from), for the one line an interrupted run prints. Process-wide, since a signal is.
 */
public final class LastCheckpoint {
    private LastCheckpoint() {}

    /** A checkpoint file and its iteration. */
    public record Point(Path path, long iteration) {}

    private static volatile Point last;

    static void set(Path path, long iteration) {
        last = new Point(path, iteration);
    }

    /** Forgets the previous run's (a new run starts). */
    static void clear() {
        last = null;
    }

    /** The newest, or null when this run has none yet. */
    public static Point get() {
        return last;
    }
}
