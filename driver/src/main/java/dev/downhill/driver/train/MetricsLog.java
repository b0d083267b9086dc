package dev.downhill.driver.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
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
    private final java.util.List<Runnable> onClose = new java.util.ArrayList<>();

    private MetricsLog(FSDataOutputStream out) {
        this.out = out;
    }

    public static MetricsLog create(String outputDir, Configuration conf) throws IOException {
        Path dir = new Path(outputDir);
        FileSystem fs = dir.getFileSystem(conf);
        fs.mkdirs(dir);
        return new MetricsLog(fs.create(new Path(dir, NAME), true));
    }

    public ObjectNode newRecord() {
        return JSON.createObjectNode();
    }

    public void write(ObjectNode record) throws IOException {
        out.write(JSON.writeValueAsBytes(record));
        out.write('\n');
        out.hflush();
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
