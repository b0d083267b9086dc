package dev.downhill.driver.train;

/** The gradient check before training found a mismatch (exit 2); the message names the parameter. */
public final class GradientCheckException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public GradientCheckException(String message) {
        super(message);
    }
}
