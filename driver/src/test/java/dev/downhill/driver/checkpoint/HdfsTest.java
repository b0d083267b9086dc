package dev.downhill.driver.checkpoint;

import static dev.downhill.driver.checkpoint.DownhillRuns.inProcess;
import static dev.downhill.driver.checkpoint.DownhillRuns.train;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.ExitCode;
import dev.downhill.driver.TestData;
import dev.downhill.driver.io.OutputLock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real HDFS (MiniDFSCluster: a namenode and a datanode in this JVM, on 127.0.0.1): training data read from
 * hdfs://127.0.0.1:PORT/..., model, metrics and checkpoints written there, and resumed from there, also past
 * a damaged newest checkpoint.
 */
class HdfsTest {
    private static final int ITERATIONS = 24;

    @TempDir
    static Path dir;
    static MiniDFSCluster cluster;
    static FileSystem hdfs;
    static String root;
    static String input;
    static byte[] uninterrupted;

    @BeforeAll
    static void startHdfsAndTrainOnce() throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        for (String key : List.of("dfs.namenode.http-address", "dfs.namenode.https-address", "dfs.datanode.address",
                "dfs.datanode.http.address", "dfs.datanode.https.address", "dfs.datanode.ipc.address")) {
            conf.set(key, "127.0.0.1:0");
        }
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).nameNodePort(0).build();
        cluster.waitActive();
        root = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
        hdfs = FileSystem.get(URI.create(root), new Configuration());

        Path local = TestData.binary(800, 5, 52).writeLibsvm(dir.resolve("train.libsvm"), 0.0);
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()),
                new org.apache.hadoop.fs.Path(root + "/data/train.libsvm"));
        input = root + "/data/train.libsvm";

        DownhillRuns.Run r = inProcess(train(input, root + "/runs/whole", "--max-iter", String.valueOf(ITERATIONS),
                "--checkpoint-every", "5"));
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("model written to " + root + "/runs/whole/model.json"), r.out());
        uninterrupted = read("/runs/whole/model.json");
    }

    @AfterAll
    static void stopHdfs() throws IOException {
        if (hdfs != null) {
            hdfs.close();
        }
        if (cluster != null) {
            cluster.shutdown(true);
        }
    }

    private static byte[] read(String path) throws IOException {
        try (InputStream in = hdfs.open(new org.apache.hadoop.fs.Path(root + path))) {
            return in.readAllBytes();
        }
    }

    private static List<String> checkpoints(String run) throws IOException {
        return Arrays.stream(hdfs.listStatus(new org.apache.hadoop.fs.Path(root + run + "/checkpoints")))
                .map(FileStatus::getPath).map(org.apache.hadoop.fs.Path::getName).sorted().toList();
    }

    @Test
    void modelMetricsAndCheckpointsAreWrittenToHdfs() throws IOException {
        assertEquals(List.of("checkpoint-0000000024.ckpt"), checkpoints("/runs/whole"),
                "a finished run keeps its last");
        var model = new ObjectMapper().readTree(uninterrupted);
        assertEquals(ITERATIONS, model.get("iterations").asInt());
        assertEquals("max-iterations", model.get("stopReason").asText());
        String metrics = new String(read("/runs/whole/metrics.jsonl"), StandardCharsets.UTF_8);
        assertEquals(ITERATIONS, metrics.lines().count());
        assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path(root + "/runs/whole/report.html")));
    }

    /** The output lock on HDFS: created with overwrite off, released at the end, refusing a second run. */
    @Test
    void theOutputLockWorksOnHdfs() throws IOException {
        assertFalse(hdfs.exists(new org.apache.hadoop.fs.Path(root + "/runs/whole/" + OutputLock.NAME)),
                "a finished run removed its lock");
        org.apache.hadoop.fs.Path lock = new org.apache.hadoop.fs.Path(root + "/runs/held/" + OutputLock.NAME);
        try (OutputStream out = hdfs.create(lock, false)) {
            out.write("host=other-host\npid=4242\nstarted=2026-12-07T00:01:02Z\ntoken=t\n"
                    .getBytes(StandardCharsets.UTF_8));
        }
        DownhillRuns.Run r = inProcess(train(input, root + "/runs/held", "--max-iter", "3"));
        assertEquals(ExitCode.BAD_SETTINGS, r.code(), r.all());
        assertTrue(r.err().contains("--output " + root + "/runs/held is in use by another train run (host"
                + " other-host, pid 4242, started 2026-12-07T00:01:02Z"), r.err());
        assertTrue(hdfs.exists(lock), "the other run's lock is left alone");
        assertFalse(hdfs.exists(new org.apache.hadoop.fs.Path(root + "/runs/held/model.json")));
    }

    @Test
    void aRunResumedFromHdfsWritesTheSameModelBytes() throws IOException {
        assertEquals(0, inProcess(train(input, root + "/runs/resumed", "--max-iter", "12", "--checkpoint-every", "5"))
                .code());
        DownhillRuns.Run r = inProcess(train(input, root + "/runs/resumed", "--max-iter", String.valueOf(ITERATIONS),
                "--checkpoint-every", "5", "--resume"));
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("resuming from " + root + "/runs/resumed/checkpoints/checkpoint-0000000012.ckpt"),
                r.out());
        assertArrayEquals(uninterrupted, read("/runs/resumed/model.json"));
        List<String> lines = new String(read("/runs/resumed/metrics.jsonl"), StandardCharsets.UTF_8).lines().toList();
        assertEquals(ITERATIONS, lines.size());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            assertEquals(i + 1, json.readTree(lines.get(i)).get("iteration").asInt());
        }
    }

    @Test
    void aDamagedNewestCheckpointOnHdfsIsSkippedAndThePreviousUsed() throws IOException {
        // A killed run leaves its newest 3; a finished one keeps only its last, so keep iteration 10's aside.
        assertEquals(0, inProcess(train(input, root + "/runs/damaged", "--max-iter", "10", "--checkpoint-every", "5"))
                .code());
        byte[] previous = read("/runs/damaged/checkpoints/checkpoint-0000000010.ckpt");
        assertEquals(0, inProcess(train(input, root + "/runs/damaged", "--max-iter", "15", "--checkpoint-every", "5",
                "--resume")).code());
        try (OutputStream out = hdfs.create(new org.apache.hadoop.fs.Path(root
                + "/runs/damaged/checkpoints/checkpoint-0000000010.ckpt"), true)) {
            out.write(previous);
        }
        String newest = "/runs/damaged/checkpoints/checkpoint-0000000015.ckpt";
        byte[] b = read(newest);
        try (OutputStream out = hdfs.create(new org.apache.hadoop.fs.Path(root + newest), true)) {
            out.write(Arrays.copyOf(b, b.length - 9)); // cut short, as by a copy that died
        }
        DownhillRuns.Run r = inProcess(train(input, root + "/runs/damaged", "--max-iter", String.valueOf(ITERATIONS),
                "--checkpoint-every", "5", "--resume"));
        assertEquals(0, r.code(), r.all());
        assertTrue(r.out().contains("downhill: warning: checkpoint " + root + newest + " is truncated"), r.out());
        assertTrue(r.out().contains("checkpoint-0000000010.ckpt (iteration 10"), r.out());
        assertArrayEquals(uninterrupted, read("/runs/damaged/model.json"));
    }

}
