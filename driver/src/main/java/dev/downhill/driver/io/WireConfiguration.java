package dev.downhill.driver.io;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;

/**
 * The driver's Hadoop Configuration on its way to the executors inside a task's closure: Configuration is
 * Writable, not Serializable, so it travels as the bytes of {@link Configuration#write} (and the executors'
 * file systems see the driver's settings, e.g. s3a credentials set on the context).
 */
public final class WireConfiguration implements Serializable {
    private static final long serialVersionUID = 1L;
    private final byte[] bytes;

    public WireConfiguration(Configuration conf) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(b)) {
                conf.write(out);
            }
            bytes = b.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new Configuration with the driver's settings (no defaults loaded on top). */
    public Configuration get() throws IOException {
        Configuration c = new Configuration(false);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            c.readFields(in);
        }
        return c;
    }
}
