package dev.downhill.driver.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.driver.io.OutputException;
import dev.downhill.driver.io.OutputFiles;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * OUTPUT/metrics.jsonl: one JSON object per iteration (objective, gradient norm, step, timings), written
 * through Hadoop's FileSystem API and flushed line by line, so a run that dies leaves every completed
 * iteration readable. Timings live here and in the logs, never in the model file.
 */
public final class MetricsLog implements Closeable {
    public static final String NAME = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FSDataOutputStream out;
    private final FileSystem fs;
    private final Path file;
    private final java.util.List<Runnable> onClose = new java.util.ArrayList<>();

    private MetricsLog(FSDataOutputStream out, FileSystem fs, Path file) {
        this.out = out;
        this.fs = fs;
        this.file = file;
    }

    public static MetricsLog create(String outputDir, Configuration conf) throws IOException {
        Path dir = new Path(outputDir);
        FileSystem fs = dir.getFileSystem(conf);
        fs.mkdirs(dir);
        Path file = new Path(dir, NAME);
        return new MetricsLog(createFlushable(fs, file), fs, file);
    }

    /**
     * A new file whose hflush reaches the file. Hadoop's checksummed local file system does not pass hflush
     * through (lines reach the file in 4 KiB bursts), so there the file is written without its .crc side file.
     */
    private static FSDataOutputStream createFlushable(FileSystem fs, Path file) throws IOException {
        if (fs instanceof ChecksumFileSystem c) {
            FileSystem raw = c.getRawFileSystem();
            raw.delete(c.getChecksumFile(file), false); // a stale one would fail checksummed reads
            return raw.create(file, true);
        }
        return fs.create(file, true);
    }

    /**
     * OUTPUT/metrics.jsonl for a run that continues after {@code iteration} (0: a fresh file): the records
     * of iterations up to it are kept, later ones (which the resumed run redoes, and a torn last line of a
     * killed run) are dropped, and new records follow.
     */
    public static MetricsLog continueAfter(String outputDir, Configuration conf, long iteration) throws IOException {
        Path dir = new Path(outputDir);
        FileSystem fs = dir.getFileSystem(conf);
        fs.mkdirs(dir);
        Path file = new Path(dir, NAME);
        List<String> kept = new ArrayList<>();
        if (iteration > 0 && fs.exists(file)) {
            // Read past Hadoop's .crc side file: a killed run may have left it behind the data.
            FileSystem raw = fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(raw.open(file), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    try {
                        JsonNode record = JSON.readTree(line);
                        if (record != null && record.path("iteration").asLong(Long.MAX_VALUE) <= iteration) {
                            kept.add(line);
                        }
                    } catch (JsonProcessingException e) {
                        // a line cut short when the earlier run was killed
                    }
                }
            }
        }
        FSDataOutputStream out = createFlushable(fs, file);
        MetricsLog log = new MetricsLog(out, fs, file);
        for (String line : kept) {
            log.writeLine(line.getBytes(StandardCharsets.UTF_8));
        }
        return log;
    }

    public ObjectNode newRecord() {
        return JSON.createObjectNode();
    }

    /** Appends one record; a failed write (no space left) is an {@link OutputException} naming the file. */
    public void write(ObjectNode record) throws IOException {
        writeLine(JSON.writeValueAsBytes(record));
    }

    private void writeLine(byte[] line) {
        try {
            out.write(line);
            out.write('\n');
            out.hflush();
        } catch (IOException e) {
            throw OutputException.writeFailed("cannot write " + fs.makeQualified(file) + ": " + e.getMessage() + " ("
                    + OutputFiles.space(fs, file, line.length + 1, -1) + "). Training stopped; the lines written"
                    + " before are whole, and --resume continues from the newest checkpoint.", e);
        }
    }

    /** Runs {@code action} when the log is closed, that is when training ends (the progress bar's end). */
    public void onClose(Runnable action) {
        onClose.add(action);
    }

    @Override
    public void close() throws IOException {
        try {
            onClose.forEach(Runnable::run);
        } finally {
            out.close();
        }
    }
}
