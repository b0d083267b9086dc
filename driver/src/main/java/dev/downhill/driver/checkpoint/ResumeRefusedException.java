package dev.downhill.driver.checkpoint;

/**
 * A {@code --resume} that cannot continue: the newest valid checkpoint was written with other settings or
 * other data, or in a format version this build does not read. The message names what differs; the
 * command exits with {@code ExitCode.REFUSED_RESUME} (5).
 */
public final class ResumeRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ResumeRefusedException(String message) {
        super(message);
    }
}
