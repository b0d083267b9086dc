package dev.downhill.driver.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * Turns a {@link RowRef} into words for a message: file and line (or byte offset), and, when a Hadoop
 * configuration is at hand, the row's text read back from its file. Rows are not kept as text after
 * parsing (that would double the loading shuffle), so errors found after the summary pass (a label that
 * does not fit, a CSV row of the wrong width) fetch their one line again: a seek for plain files, a
 * decompressing skip for compressed ones. Only error paths pay for it. Rows that are not lines of text
 * (Parquet, DataFrames: {@link DataFrameRows}) are described by subclasses.
 */
public class RowLocator {
    /** Bytes of a line quoted at most. */
    static final int MAX_QUOTED = 200;

    private final List<String> paths;
    private final Configuration conf;

    /** Locations only: file and line. */
    public RowLocator(List<String> paths) {
        this(paths, null);
    }

    public RowLocator(List<String> paths, Configuration conf) {
        this.paths = paths;
        this.conf = conf;
    }

    public List<String> paths() {
        return paths;
    }

    /** "FILE line N" or "FILE at byte B", followed by the row's text in quotes when it can be read back. */
    public String describe(RowRef r) {
        String where = r.describe(paths);
        String text = text(r);
        return text == null ? where : where + " (" + BadInputException.quote(text) + ")";
    }

    /** The text of the row, or null when there is no configuration or the file cannot be read now. */
    String text(RowRef r) {
        if (conf == null) {
            return null;
        }
        Path path = new Path(paths.get(RowKey.fileIndex(r.key)));
        long offset = RowKey.byteOffset(r.key);
        try {
            FileSystem fs = path.getFileSystem(conf);
            CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
            try (FSDataInputStream raw = fs.open(path)) {
                InputStream in = raw;
                if (codec == null) {
                    raw.seek(offset);
                } else {
                    // Keys of compressed files count decompressed bytes, as the line reader does.
                    in = codec.createInputStream(raw);
                    in.skipNBytes(offset);
                }
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                for (int b = in.read(); b >= 0 && b != '\n' && line.size() <= MAX_QUOTED; b = in.read()) {
                    line.write(b);
                }
                String text = line.toString(StandardCharsets.UTF_8);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
        } catch (IOException | RuntimeException e) {
            return null; // the location alone still says where to look
        }
    }
}
