package dev.downhill.driver.train;

/** Training produced a NaN or infinite objective or gradient; no model is written. */
public final class DivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DivergedException(String message) {
        super(message);
    }
}
