package dev.downhill.driver;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FsStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * A local file system under the scheme {@code fullfs:} that runs out of space: a file whose name matches
 * {@link #failWrites}'s pattern takes that many bytes, and the next write fails with "No space left on device",
 * as a full disk does. It reports {@link #FREE} bytes free. Registered in a test's Hadoop configuration with
 * {@code fs.fullfs.impl}.
 */
public class FullFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "fullfs";
    public static final long FREE = 4096;
    private static final URI NAME = URI.create(SCHEME + ":///");

    private static volatile Pattern failing;
    private static volatile long limit;

    /** Writes to files whose name contains a match of {@code namePattern} fail after {@code bytes} bytes. */
    public static void failWrites(String namePattern, long bytes) {
        limit = bytes;
        failing = Pattern.compile(namePattern);
    }

    /** Every write succeeds again. */
    public static void reset() {
        failing = null;
    }

    @Override
    public URI getUri() {
        return NAME;
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FsStatus getStatus(Path p) {
        return new FsStatus(1L << 30, (1L << 30) - FREE, FREE);
    }

    @Override
    protected OutputStream createOutputStream(Path f, boolean append) throws IOException {
        return limited(f, super.createOutputStream(f, append));
    }

    @Override
    protected OutputStream createOutputStreamWithMode(Path f, boolean append, FsPermission permission)
            throws IOException {
        return limited(f, super.createOutputStreamWithMode(f, append, permission));
    }

    private static OutputStream limited(Path f, OutputStream out) {
        Pattern p = failing;
        if (p == null || !p.matcher(f.getName()).find()) {
            return out;
        }
        long room = limit;
        return new FilterOutputStream(out) {
            private long written;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (written + len > room) {
                    int fits = (int) Math.max(0, room - written);
                    out.write(b, off, fits);
                    written += fits;
                    throw new IOException("No space left on device");
                }
                out.write(b, off, len);
                written += len;
            }
        };
    }
}
