package dev.downhill.driver.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Looks at the first bytes of the input files before Spark reads them, so that a file of the wrong kind is
 * one message naming it, what it looks like and the setting to use (exit 3), not raw bytes echoed from a
 * parse error or a Parquet reader's stack trace. Recognized: gzip (1f 8b), Parquet ("PAR1"), bzip2 ("BZh"),
 * zstd (28 b5 2f fd), xz (fd 37 7a 58 5a 00), zip ("PK\3\4"); text is binary when more than 1 in 20 of its
 * first bytes are NUL or other control characters (not tab, line feed, carriage return or form feed): random
 * bytes hold about 1 in 9, while a text file with a stray NUL is left to the parser, which names the line.
 * A gzip file named *.gz is read as text by Hadoop, so its decompressed start is judged instead.
 */
public final class FileSniffer {
    private FileSniffer() {}

    /** Bytes looked at per file. */
    static final int SNIFF_BYTES = 4096;
    /** Files looked at, at most (the first in path order): opening each costs a round trip on a cluster. */
    static final int MAX_FILES = 64;

    /** What the start of a file looks like. */
    enum Kind {
        TEXT("text"), GZIP("gzip-compressed"), PARQUET("a Parquet file"), BZIP2("bzip2-compressed"),
        ZSTD("zstd-compressed"), XZ("xz-compressed"), ZIP("a zip archive"), BINARY("binary, not text"),
        EMPTY("empty");

        final String words;

        Kind(String words) {
            this.words = words;
        }
    }

    /**
     * Refuses the first file that {@code format} (libsvm, csv or parquet, as resolved) cannot read.
     *
     * @param given the --format setting as the user gave it (auto, or the format itself)
     */
    public static void check(InputFiles files, String format, String given, Configuration conf) {
        List<String> paths = files.paths();
        for (int i = 0; i < Math.min(paths.size(), MAX_FILES); i++) {
            String path = paths.get(i);
            byte[] head;
            try {
                head = head(new Path(path), conf);
            } catch (IOException e) {
                continue; // the reader reports an unreadable file with its own message
            }
            String problem = problem(path, head, format, "auto".equals(given));
            if (problem != null) {
                throw new BadInputException("unreadable file", problem);
            }
        }
    }

    private static byte[] head(Path path, Configuration conf) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
        try (FSDataInputStream in = fs.open(path)) {
            return in.readNBytes(SNIFF_BYTES);
        }
    }

    /** The complaint about a file starting with {@code head} read as {@code format}, or null when it fits. */
    static String problem(String path, byte[] head, String format, boolean formatFromNames) {
        Kind kind = kind(head);
        String how = formatFromNames ? "read as " + format + " (from the file names; --format auto)"
                : "read as --format " + format;
        if ("parquet".equals(format)) {
            if (kind == Kind.PARQUET || kind == Kind.EMPTY) {
                return null;
            }
            String looks = kind == Kind.TEXT ? "text" + textGuess(head) : kind.words;
            return path + " is not a Parquet file (those start with the bytes PAR1): it looks like " + looks
                    + ". It is " + how + "; " + (kind == Kind.TEXT ? "set --format libsvm or --format csv for text"
                    : kind == Kind.GZIP ? "gzip text is read with --format libsvm or csv and a name ending in .gz"
                    : "convert it to LIBSVM, CSV or Parquet") + ".";
        }
        boolean gzName = path.toLowerCase(Locale.ROOT).endsWith(".gz");
        if (kind == Kind.GZIP && gzName) {
            byte[] inner = gunzipHead(head);
            if (inner == null) {
                return path + " is named .gz but its gzip data cannot be read (truncated or damaged?).";
            }
            kind = kind(inner);
            if (kind == Kind.TEXT || kind == Kind.EMPTY) {
                return null;
            }
            return path + " is gzip-compressed, and inside it is " + kind.words + ": " + advice(kind, how);
        }
        switch (kind) {
            case TEXT:
            case EMPTY:
                return null;
            case GZIP:
                return path + " is gzip-compressed, but its name does not end in .gz, so it would be " + how
                        + " without decompressing: rename it to end in .gz (Hadoop decompresses by the name).";
            default:
                return path + " is " + kind.words + ": " + advice(kind, how);
        }
    }

    private static String advice(Kind kind, String how) {
        switch (kind) {
            case PARQUET:
                return "it is " + how + ", which reads text; read it with --format parquet.";
            case BZIP2:
            case ZSTD:
            case XZ:
            case ZIP:
                return "it is " + how + ", which reads text: decompress it, or recompress it with gzip and a name"
                        + " ending in .gz.";
            default:
                return "it is " + how + ", which reads text (LIBSVM or CSV lines); Parquet is read with --format"
                        + " parquet. Check --input.";
        }
    }

    static Kind kind(byte[] b) {
        if (b.length == 0) {
            return Kind.EMPTY;
        }
        if (starts(b, 0x1f, 0x8b)) {
            return Kind.GZIP;
        }
        if (starts(b, 'P', 'A', 'R', '1')) {
            return Kind.PARQUET;
        }
        if (starts(b, 'B', 'Z', 'h')) {
            return Kind.BZIP2;
        }
        if (starts(b, 0x28, 0xb5, 0x2f, 0xfd)) {
            return Kind.ZSTD;
        }
        if (starts(b, 0xfd, '7', 'z', 'X', 'Z', 0x00)) {
            return Kind.XZ;
        }
        if (starts(b, 'P', 'K', 3, 4)) {
            return Kind.ZIP;
        }
        int control = 0;
        for (byte x : b) {
            int c = x & 0xff;
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f) {
                control++;
            }
        }
        return control * 20 > b.length ? Kind.BINARY : Kind.TEXT;
    }

    /** " (LIBSVM?)" or " (CSV?)" from the first line that is neither blank nor a comment. */
    private static String textGuess(byte[] head) {
        for (String line : new String(head, java.nio.charset.StandardCharsets.UTF_8).split("\r?\n")) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            if (t.matches("\\S+(\\s+\\d+:\\S+)+.*")) {
                return " (LIBSVM lines, --format libsvm)";
            }
            if (t.contains(",") || t.contains(";")) {
                return " (CSV lines, --format csv)";
            }
            return "";
        }
        return "";
    }

    private static boolean starts(byte[] b, int... magic) {
        if (b.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[i] & 0xff) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** The first decompressed bytes of a gzip stream's start, or null when they cannot be read. */
    private static byte[] gunzipHead(byte[] head) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(head))) {
            byte[] out = new byte[SNIFF_BYTES];
            int n = 0;
            while (n < out.length) {
                int r;
                try {
                    r = in.read(out, n, out.length - n);
                } catch (java.io.EOFException e) {
                    break; // the head ends mid-stream: what was decompressed is enough
                }
                if (r < 0) {
                    break;
                }
                n += r;
            }
            return Arrays.copyOf(out, n);
        } catch (IOException e) {
            return null;
        }
    }
}
