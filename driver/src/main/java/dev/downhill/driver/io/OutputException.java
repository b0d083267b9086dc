package dev.downhill.driver.io;

import dev.downhill.driver.ExitCode;

/**
 * An output path that cannot or must not be written: a refusal before any work (an --output that is a file,
 * not writable, held by another run, or holding files the command must not replace; exit 2), or a write that
 * failed (no space left, an I/O error; exit 6). The message names the path and says what to do.
 */
public final class OutputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    private OutputException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** The command will not write there (exit 2): nothing was written or changed. */
    public static OutputException refused(String message) {
        return new OutputException(message, ExitCode.BAD_SETTINGS, null);
    }

    /** The command will not write there because of {@code cause} (exit 2). */
    public static OutputException refused(String message, Throwable cause) {
        return new OutputException(message, ExitCode.BAD_SETTINGS, cause);
    }

    /** A write failed (exit 6); the message names the file and what it needed. */
    public static OutputException writeFailed(String message, Throwable cause) {
        return new OutputException(message, ExitCode.OUTPUT_FAILED, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
