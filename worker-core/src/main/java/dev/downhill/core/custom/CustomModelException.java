package dev.downhill.core.custom;

/**
 * A model class that cannot be used: not found, not a {@link CustomModel}, or its constructor or forward pass
 * threw. The message names the class; {@link #kind()} says which, so a command can choose its exit code.
 */
public final class CustomModelException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** No such class on the classpath (or in the jars given). */
        NOT_FOUND,
        /** The class exists but is not a usable {@link CustomModel} (wrong type, abstract, no constructor). */
        WRONG_TYPE,
        /** Its constructor threw, or it declared no parameters or tensors that do not fit. */
        INVALID,
        /** Its forward or backward pass threw on rows of the data. */
        THREW_ON_DATA
    }

    private final Kind kind;
    private final String className;

    public CustomModelException(Kind kind, String className, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.className = className;
    }

    public Kind kind() {
        return kind;
    }

    public String className() {
        return className;
    }
}
