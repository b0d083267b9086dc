package dev.downhill.driver.settings;

/** A setting that is unknown, missing, of the wrong type or out of range; reported before Spark starts. */
public final class SettingsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SettingsException(String message) {
        super(message);
    }
}
