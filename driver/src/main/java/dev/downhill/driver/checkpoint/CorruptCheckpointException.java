package dev.downhill.driver.checkpoint;

import java.io.IOException;

/** A checkpoint file that is truncated, fails its checksum or does not start with the magic bytes. */
public final class CorruptCheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptCheckpointException(String message) {
        super(message);
    }
}
