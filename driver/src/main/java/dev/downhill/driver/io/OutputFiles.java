package dev.downhill.driver.io;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Writing the files Downhill leaves in an output folder: each one complete or not at all, and none with a
 * checksum side file a person's edit would invalidate.
 *
 * <p>{@link #write} writes to a temporary name beside the target ({@code .NAME.tmp}), syncs it and renames it
 * over the target, so an earlier file of that name stays whole until the new one is complete; on failure the
 * temporary file is removed and the error ({@link OutputException}, exit 6) names the file, the bytes it
 * needed and the free space the file system reports. On the local file system the files are written through
 * the raw file system: Hadoop's checksummed one would add a hidden {@code .NAME.crc} that makes a hand-edited
 * model.json unreadable ("Checksum error"), and reads go through it too, so a stale side file is ignored.
 */
public final class OutputFiles {
    private OutputFiles() {}

    /** Writes the content of a file to a stream. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** The file system without checksum side files (the raw local one for file:, any other as it is). */
    public static FileSystem plain(FileSystem fs) {
        return fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
    }

    /** The plain file system of {@code path}. */
    public static FileSystem plain(Path path, Configuration conf) throws IOException {
        return plain(path.getFileSystem(conf));
    }

    /** Writes {@code bytes} to {@code target} (temporary name, then rename); returns the qualified target. */
    public static Path write(Path target, byte[] bytes, Configuration conf) {
        return write(target, bytes.length, out -> out.write(bytes), conf);
    }

    /**
     * Writes what {@code body} produces to {@code target}, through a temporary file renamed over it once complete
     * and synced; {@code expectedBytes} (or -1 when unknown) is what the message names if the write fails.
     * Creates the parent folder. Returns the qualified target.
     */
    public static Path write(Path target, long expectedBytes, Body body, Configuration conf) {
        FileSystem any;
        try {
            any = target.getFileSystem(conf);
        } catch (IOException e) {
            throw OutputException.writeFailed("cannot write " + target + ": " + e.getMessage(), e);
        }
        return write(any, target, expectedBytes, body);
    }

    /** The same on a given file system ({@code any}: the plain one is used, and its side files removed). */
    public static Path write(FileSystem any, Path target, long expectedBytes, Body body) {
        FileSystem fs = plain(any);
        Path file = fs.makeQualified(target);
        Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp");
        long[] written = {0};
        try {
            fs.mkdirs(file.getParent());
            try (FSDataOutputStream raw = fs.create(tmp, true);
                 OutputStream out = new FilterOutputStream(raw) {
                     @Override
                     public void write(byte[] b, int off, int len) throws IOException {
                         raw.write(b, off, len);
                         written[0] += len;
                     }

                     @Override
                     public void write(int b) throws IOException {
                         raw.write(b);
                         written[0]++;
                     }
                 }) {
                body.writeTo(out);
                out.flush();
                raw.hsync();
            }
            if (any instanceof ChecksumFileSystem c) {
                fs.delete(c.getChecksumFile(file), false); // an earlier version's side file would fail reads
            }
            // Local rename replaces the target atomically; HDFS refuses an existing target, so delete it first.
            if (!fs.rename(tmp, file) && !(fs.exists(file) && fs.delete(file, false) && fs.rename(tmp, file))) {
                throw new IOException("cannot rename " + tmp + " to " + file);
            }
            return file;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(fs, tmp);
            long needed = Math.max(expectedBytes, written[0]);
            throw OutputException.writeFailed("cannot write " + file + ": " + describe(e) + " (" + space(fs, file,
                    needed, written[0]) + "). Its temporary file was removed; the files written before it are"
                    + " whole.", e);
        }
    }

    /** "it needed N bytes, M were written; the file system reports K bytes free" as far as known. */
    public static String space(FileSystem fs, Path file, long neededBytes, long writtenBytes) {
        StringBuilder s = new StringBuilder();
        if (neededBytes >= 0) {
            s.append("it needed ").append(bytes(neededBytes));
            if (writtenBytes > 0 && writtenBytes < neededBytes) {
                s.append(", ").append(bytes(writtenBytes)).append(" were written");
            }
        }
        long free = freeBytes(fs, file);
        if (free >= 0) {
            s.append(s.length() > 0 ? "; " : "").append("the file system reports ").append(bytes(free))
                    .append(" free");
        }
        return s.length() > 0 ? s.toString() : "no size known";
    }

    /** The free bytes the file system reports where {@code file} goes, or -1 when it does not say. */
    public static long freeBytes(FileSystem fs, Path file) {
        try {
            Path p = file.getParent() == null ? file : file.getParent();
            while (p.getParent() != null && !fs.exists(p)) {
                p = p.getParent();
            }
            return fs.getStatus(p).getRemaining();
        } catch (IOException | RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /** "1234 bytes (1.2 KiB)": exact, and readable. */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%d bytes (%.1f %s)", n, v, units[u]);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    /** Deletes a file this command made, ignoring failures (the error being reported matters more). */
    public static void deleteQuietly(FileSystem fs, Path p) {
        try {
            fs.delete(p, false);
        } catch (IOException | RuntimeException e) {
            // nothing more to do: the original failure is reported
        }
    }
}
