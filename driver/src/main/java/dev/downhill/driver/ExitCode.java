package dev.downhill.driver;

/** Process exit codes (documented in the README). */
public final class ExitCode {
    private ExitCode() {}

    public static final int OK = 0;
    /** An unexpected failure (a bug, or the cluster failed): the message and stack trace are printed. */
    public static final int INTERNAL = 1;
    /**
     * Unknown, missing or invalid settings, found before Spark starts; or found unusable once the data or
     * the cluster are seen (a --batch-fraction the data cannot split into, a master that does not answer),
     * a --model-class that cannot be used, or a failed gradient check (--check-gradient).
     */
    public static final int BAD_SETTINGS = 2;
    /**
     * Input data that cannot be used (the message names file, line and text), or for evaluate, predict and export a
     * model folder that is missing or holds no valid model.json (the message names it).
     */
    public static final int BAD_INPUT = 3;
    /** The objective or gradient became NaN or infinite. */
    public static final int DIVERGED = 4;
    /** A --resume that was refused: the checkpoint is from other settings or data, or another format version. */
    public static final int REFUSED_RESUME = 5;
    /**
     * An output file could not be written (no space left, an I/O error): the message names the file, the bytes
     * it needed and the free space; the command's temporary files are removed and earlier files left whole.
     */
    public static final int OUTPUT_FAILED = 6;
    /** Interrupted (Ctrl-C, SIGINT): one line says where the last checkpoint is and how to resume. */
    public static final int INTERRUPTED = 130;
}
