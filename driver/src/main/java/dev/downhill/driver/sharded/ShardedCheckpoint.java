package dev.downhill.driver.sharded;

import dev.downhill.driver.checkpoint.ResumeRefusedException;
import dev.downhill.driver.io.OutputException;
import dev.downhill.driver.io.OutputFiles;
import dev.downhill.driver.io.WireConfiguration;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The vectors of a sharded run's checkpoint (--aggregation sharded, issue #14): the executors write slice s of
 * every vector to {@code FOLDER/NAME-part-SSSSS-of-NNNNN.slice} in one job (one task per slice, through Hadoop's
 * FileSystem: a temporary name, synced, renamed), and a resumed run reads them back into cached slices on the
 * executors. The driver never holds an entry; it writes the small manifest (the checkpoint file) after the
 * slices are complete.
 *
 * <p>A slice file, big-endian, doubles as their IEEE 754 bits (so every resumed bit is the written one):
 * <pre>
 * offset   size  field
 * 0        8     magic: 44 48 53 4C 49 43 45 0A ("DHSLICE\n")
 * 8        4     version: int32 = 1
 * 12       8     iteration: int64
 * 20       4     slice s: int32
 * 24       4     slices S: int32
 * 28       4     parameters n: int32
 * 32       4     length L of slice s: int32
 * 36       8L    the entries [start(s), start(s) + L)
 * 36+8L    4     CRC-32 of bytes [0, 36+8L): int32
 * </pre>
 */
public final class ShardedCheckpoint {
    static final byte[] MAGIC = {'D', 'H', 'S', 'L', 'I', 'C', 'E', '\n'};
    static final int VERSION = 1;
    static final int HEADER_BYTES = 36;
    /** Doubles encoded per buffer while streaming a slice. */
    private static final int CHUNK = 8192;

    private ShardedCheckpoint() {}

    /** The file of slice s of S of the vector {@code name}. */
    public static String fileName(String name, int s, int slices) {
        return String.format(Locale.ROOT, "%s-part-%05d-of-%05d.slice", name, s, slices);
    }

    /** The size of the file holding a slice of {@code length} entries. */
    public static long fileBytes(int length) {
        return HEADER_BYTES + 8L * length + 4;
    }

    /**
     * Writes slice s of each vector (named by {@code names}, in the same order) to {@code folder}, one task per
     * slice, all in one job. A failed write throws the executor's {@link OutputException} (naming the file and
     * the free space) or an IOException.
     */
    public static void write(Path folder, long iteration, List<String> names, List<ShardedVector> vectors,
                             Configuration conf) throws IOException {
        if (names.size() != vectors.size() || vectors.isEmpty()) {
            throw new IllegalArgumentException(names.size() + " names for " + vectors.size() + " vectors");
        }
        SliceLayout layout = vectors.get(0).layout();
        String dir = folder.toString();
        List<String> n = List.copyOf(names);
        WireConfiguration wire = new WireConfiguration(conf);
        try {
            ShardedVector.zip(vectors).mapPartitionsWithIndex((s, it) -> {
                double[][] slices = it.next();
                Configuration c = wire.get();
                for (int k = 0; k < n.size(); k++) {
                    double[] slice = slices[k];
                    OutputFiles.write(new Path(dir, fileName(n.get(k), s, layout.numSlices())),
                            fileBytes(slice.length), out -> encode(out, iteration, s, layout, slice), c);
                }
                return List.of(s).iterator();
            }, true).count();
        } catch (Exception e) { // Spark's job failure is a checked SparkException that Java is not told of
            for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
                if (c instanceof OutputException o) {
                    throw o;
                }
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException("the executors did not write the checkpoint's slices to " + folder + ": "
                    + e.getMessage(), e);
        }
    }

    static void encode(OutputStream raw, long iteration, int s, SliceLayout layout, double[] slice)
            throws IOException {
        CRC32 crc = new CRC32();
        OutputStream buffered = new BufferedOutputStream(raw, 1 << 16);
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put(MAGIC).putInt(VERSION).putLong(iteration).putInt(s).putInt(layout.numSlices())
                .putInt(layout.numParameters()).putInt(slice.length);
        crc.update(header.array());
        buffered.write(header.array());
        ByteBuffer chunk = ByteBuffer.allocate(8 * CHUNK);
        for (int from = 0; from < slice.length; from += CHUNK) {
            chunk.clear();
            int to = Math.min(slice.length, from + CHUNK);
            for (int j = from; j < to; j++) {
                chunk.putLong(Double.doubleToRawLongBits(slice[j]));
            }
            crc.update(chunk.array(), 0, chunk.position());
            buffered.write(chunk.array(), 0, chunk.position());
        }
        buffered.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        buffered.flush();
    }

    /**
     * Checks on the driver (one listing) that {@code folder} holds every slice file of {@code names} at its
     * expected size; returns why not, or null when it does. A run killed while writing leaves files missing.
     */
    public static String incomplete(FileSystem fs, Path folder, List<String> names, SliceLayout layout)
            throws IOException {
        Map<String, Long> sizes = new HashMap<>();
        if (fs.exists(folder)) {
            for (FileStatus f : fs.listStatus(folder)) {
                sizes.put(f.getPath().getName(), f.getLen());
            }
        }
        for (String name : names) {
            for (int s = 0; s < layout.numSlices(); s++) {
                String file = fileName(name, s, layout.numSlices());
                Long size = sizes.get(file);
                if (size == null) {
                    return "its slice file " + new Path(folder, file) + " is missing";
                }
                if (size != fileBytes(layout.length(s))) {
                    return "its slice file " + new Path(folder, file) + " has " + size + " bytes, "
                            + fileBytes(layout.length(s)) + " expected";
                }
            }
        }
        return null;
    }

    /**
     * The vectors {@code names} read back from {@code folder} into cached slices (each executor reads its own;
     * nothing until a job needs them). Each is kept as {@link ShardedVector#keep} keeps optimizer state, so
     * that a lost executor's slices come from their copies, not from this checkpoint's files, which a later
     * checkpoint may delete.
     * A file whose header or checksum does not match fails the job with a {@link ResumeRefusedException} naming
     * it (exit 5): the executors find the damage, after the driver chose this checkpoint.
     */
    public static List<ShardedVector> read(JavaSparkContext jsc, Path folder, long iteration, List<String> names,
                                           SliceLayout layout, Configuration conf) {
        List<Integer> ids = new ArrayList<>(layout.numSlices());
        for (int s = 0; s < layout.numSlices(); s++) {
            ids.add(s);
        }
        WireConfiguration wire = new WireConfiguration(conf);
        String dir = folder.toString();
        List<ShardedVector> out = new ArrayList<>(names.size());
        for (String name : names) {
            out.add(ShardedVector.persist(layout, jsc.parallelize(ids, layout.numSlices()).map(s -> {
                Path file = new Path(dir, fileName(name, s, layout.numSlices()));
                Configuration c = wire.get();
                byte[] bytes = new byte[(int) fileBytes(layout.length(s))];
                try (InputStream in = OutputFiles.plain(file, c).open(file)) {
                    new DataInputStream(in).readFully(bytes);
                    if (in.read() >= 0) {
                        throw damaged(file + " is longer than " + bytes.length + " bytes");
                    }
                }
                return decode(bytes, iteration, s, layout, file.toString());
            })));
        }
        return out;
    }

    /**
     * Whether every slice file in {@code folder} passes its CRC-32, read on the executors in one job (files
     * streamed, up to four tasks a core): the first damaged file in name order and why, or null when all pass. A resume runs it
     * before it takes a checkpoint, so that a damaged one is skipped for the one before rather than found late.
     */
    public static String damage(JavaSparkContext jsc, Path folder, Configuration conf) throws IOException {
        FileSystem fs = folder.getFileSystem(conf);
        List<String> files = new ArrayList<>();
        for (FileStatus f : fs.listStatus(folder)) {
            if (f.getPath().getName().endsWith(".slice")) {
                files.add(f.getPath().toString());
            }
        }
        if (files.isEmpty()) {
            return null;
        }
        Collections.sort(files);
        WireConfiguration wire = new WireConfiguration(conf);
        int tasks = Math.min(files.size(), 4 * Math.max(1, jsc.defaultParallelism()));
        List<String> found = jsc.parallelize(files, tasks).map(name -> {
            Path file = new Path(name);
            Configuration c = wire.get();
            CRC32 crc = new CRC32();
            byte[] buffer = new byte[1 << 16];
            byte[] stored = new byte[4];
            FileSystem plain = OutputFiles.plain(file, c);
            try (InputStream in = plain.open(file)) {
                long summed = plain.getFileStatus(file).getLen() - 4; // the last 4 bytes: the CRC
                if (summed < 0) {
                    return file + " is shorter than a checksum";
                }
                DataInputStream data = new DataInputStream(in);
                for (long left = summed; left > 0; ) {
                    int n = (int) Math.min(buffer.length, left);
                    data.readFully(buffer, 0, n);
                    crc.update(buffer, 0, n);
                    left -= n;
                }
                data.readFully(stored);
            } catch (IOException e) { // a file system's own checksum (HDFS blocks), or a file cut meanwhile
                return file + " cannot be read (" + e.getMessage() + ")";
            }
            return ByteBuffer.wrap(stored).getInt() == (int) crc.getValue() ? "" : file + " fails its checksum";
        }).collect();
        for (String f : found) {
            if (!f.isEmpty()) {
                return f;
            }
        }
        return null;
    }

    /** The entries of a slice file, after checking its magic, header and CRC-32. */
    static double[] decode(byte[] bytes, long iteration, int s, SliceLayout layout, String where) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (b.getInt(bytes.length - 4) != (int) crc.getValue()) {
            throw damaged(where + " fails its checksum: the file is damaged");
        }
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        int length = layout.length(s);
        if (!Arrays.equals(magic, MAGIC) || b.getInt() != VERSION || b.getLong() != iteration || b.getInt() != s
                || b.getInt() != layout.numSlices() || b.getInt() != layout.numParameters() || b.getInt() != length) {
            throw damaged(where + " is not slice " + s + " of " + layout + " at iteration " + iteration);
        }
        double[] slice = new double[length];
        for (int j = 0; j < length; j++) {
            slice[j] = Double.longBitsToDouble(b.getLong());
        }
        return slice;
    }

    private static ResumeRefusedException damaged(String what) {
        return new ResumeRefusedException("cannot resume: checkpoint slice " + what + ". Move that checkpoint (its"
                + " .ckpt file and .slices folder) out of the checkpoints folder to resume from the one before, or"
                + " train without --resume.");
    }
}
