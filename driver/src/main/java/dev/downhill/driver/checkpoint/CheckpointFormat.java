package dev.downhill.driver.checkpoint;

import dev.downhill.core.optim.OptimizerState;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;
import org.apache.hadoop.fs.ChecksumException;

/**
 * The binary layout of a checkpoint file, version 1. Numbers are big-endian; doubles are their IEEE 754
 * bits (so NaN payloads and -0.0 survive); text is Java's modified UTF-8 as written by
 * {@code DataOutput.writeUTF} (a 2-byte length, then the bytes).
 *
 * <pre>
 * offset     size  field
 * 0          8     magic: 44 48 43 4B 50 54 0D 0A ("DHCKPT\r\n")
 * 8          4     format version: int32 = 1
 * 12         4     header length H: int32
 * 16         H     header:
 *                    int64 iteration
 *                    int32 n, then n x (text key, text value)         settings fingerprint, sorted by key
 *                    int32 m, then m x (text path, int64 length,      data fingerprint: the input files,
 *                                       int64 modification time ms)     sorted by path
 *                    int64 rows trained on
 * 16+H       8     payload length P: int64
 * 24+H       P     payload:
 *                    the optimizer state (OptimizerState.writeTo)
 *                    int32 h, then h x (int64 iteration, double objective, double stationarity)   history
 * 24+H+P     4     CRC-32 (java.util.zip.CRC32, as in zip and PNG) of bytes [0, 24+H+P): int32
 * </pre>
 *
 * A file shorter than its lengths say, longer, or whose CRC-32 does not match is corrupt
 * ({@link CorruptCheckpointException}); one with another version is refused ({@link ResumeRefusedException})
 * before its checksum is read, since another version may frame its bytes differently. Never Java
 * serialization.
 */
public final class CheckpointFormat {
    private CheckpointFormat() {}

    public static final int VERSION = 1;
    static final byte[] MAGIC = {'D', 'H', 'C', 'K', 'P', 'T', '\r', '\n'};
    /** Magic, version, header length, payload length, CRC. */
    static final int FRAME_BYTES = 8 + 4 + 4 + 8 + 4;

    /** The whole file in memory (tests, small states); {@link #write} streams it. */
    public static byte[] encode(Checkpoint c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        write(c, bytes);
        return bytes.toByteArray();
    }

    /** The file's length in bytes, {@link #FRAME_BYTES} + H + P, without building it. */
    public static long length(Checkpoint c) throws IOException {
        return FRAME_BYTES + header(c).length + payloadLength(c);
    }

    /**
     * Writes the file to {@code target} as it is encoded, the CRC computed on the way: no copy of the state's
     * bytes is held, so a state larger than the heap's free part (or than a Java array, 2 GiB) is written too.
     * The payload is encoded twice, first only to count its bytes for the length field.
     */
    public static void write(Checkpoint c, OutputStream target) throws IOException {
        byte[] header = header(c);
        long payloadLength = payloadLength(c);
        CheckedOutputStream checked = new CheckedOutputStream(target, new CRC32());
        Counting counted = new Counting(checked);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(counted, 1 << 16));
        out.write(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(header.length);
        out.write(header);
        out.writeLong(payloadLength);
        payload(c, out);
        out.flush();
        long expected = FRAME_BYTES - 4 + header.length + payloadLength;
        if (counted.bytes != expected) { // the state changed between the count and the write
            throw new IllegalStateException("checkpoint of " + counted.bytes + " bytes before its CRC, " + expected
                    + " counted");
        }
        new DataOutputStream(target).writeInt((int) checked.getChecksum().getValue());
        target.flush();
    }

    private static long payloadLength(Checkpoint c) throws IOException {
        Counting counted = new Counting(OutputStream.nullOutputStream());
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(counted, 1 << 16));
        payload(c, out);
        out.flush();
        return counted.bytes;
    }

    /** Counts the bytes that pass (DataOutputStream's own count stops at 2^31 - 1). */
    private static final class Counting extends FilterOutputStream {
        long bytes;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            bytes += len;
        }
    }

    private static byte[] header(Checkpoint c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeLong(c.iteration());
        out.writeInt(c.settings().size());
        for (Map.Entry<String, String> e : c.settings().entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
        List<DataFingerprint.File> files = new ArrayList<>(c.data().files());
        files.sort((a, b) -> a.path().compareTo(b.path()));
        out.writeInt(files.size());
        for (DataFingerprint.File f : files) {
            out.writeUTF(f.path());
            out.writeLong(f.length());
            out.writeLong(f.modificationTime());
        }
        out.writeLong(c.data().rows());
        out.flush();
        return bytes.toByteArray();
    }

    private static void payload(Checkpoint c, DataOutputStream out) throws IOException {
        c.state().writeTo(out);
        out.writeInt(c.history().size());
        for (Checkpoint.Point p : c.history()) {
            out.writeLong(p.iteration());
            out.writeLong(Double.doubleToRawLongBits(p.objective()));
            out.writeLong(Double.doubleToRawLongBits(p.stationarity()));
        }
    }

    /** Opens the checkpoint file at its first byte (called twice: once for the checksum, once to parse). */
    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    /** Reads a checkpoint held in memory; {@code name} is used in messages. See {@link #read}. */
    public static Checkpoint decode(byte[] bytes, String name) throws CorruptCheckpointException {
        try {
            return read(() -> new ByteArrayInputStream(bytes), bytes.length, name);
        } catch (CorruptCheckpointException e) {
            throw e;
        } catch (IOException e) { // none from memory
            throw new CorruptCheckpointException(name + " is damaged: " + e.getMessage());
        }
    }

    /**
     * Reads a checkpoint file of {@code length} bytes; {@code name} is used in messages. The file is read twice,
     * streamed: first its framing and CRC-32 are checked, then the state is parsed, so nothing beyond the state
     * itself is held in memory (and a file above 2 GiB is read too).
     *
     * @throws CorruptCheckpointException truncated, too long, wrong magic or a failed checksum
     * @throws ResumeRefusedException a format version other than {@link #VERSION}
     * @throws IOException the file system's own errors (its checksums included)
     */
    public static Checkpoint read(Source source, long length, String name) throws IOException {
        if (length < 12) {
            throw new CorruptCheckpointException(name + " is truncated: " + length + " bytes, shorter than"
                    + " the magic and version");
        }
        long headerLength;
        CRC32 crc = new CRC32();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(source.open(), 1 << 16))) {
            byte[] start = new byte[12];
            in.readFully(start);
            ByteBuffer frame = ByteBuffer.wrap(start);
            byte[] magic = new byte[MAGIC.length];
            frame.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw new CorruptCheckpointException(name + " is not a Downhill checkpoint: it does not start with"
                        + " the magic bytes DHCKPT");
            }
            int version = frame.getInt();
            if (version != VERSION) {
                throw new ResumeRefusedException(name + " has checkpoint format version "
                        + Integer.toUnsignedString(version) + ", but this Downhill reads version " + VERSION
                        + " only (written by another Downhill version, or damaged). Move it out of the checkpoints"
                        + " folder to resume from an older checkpoint, or train without --resume.");
            }
            if (length < FRAME_BYTES) {
                throw truncated(name, length, FRAME_BYTES);
            }
            crc.update(start);
            int rawHeaderLength = in.readInt();
            headerLength = Integer.toUnsignedLong(rawHeaderLength);
            if (16 + headerLength + 8 > length) {
                throw truncated(name, length, FRAME_BYTES + headerLength);
            }
            byte[] header = new byte[(int) headerLength];
            in.readFully(header);
            long payloadLength = in.readLong();
            ByteBuffer lengths = ByteBuffer.allocate(4 + header.length + 8);
            lengths.putInt(rawHeaderLength).put(header).putLong(payloadLength);
            crc.update(lengths.array());
            long expected = FRAME_BYTES + headerLength + payloadLength;
            if (payloadLength < 0 || expected != length) {
                if (payloadLength >= 0 && expected > length) {
                    throw truncated(name, length, expected);
                }
                throw new CorruptCheckpointException(name + " is damaged: its lengths say " + expected + " bytes,"
                        + " the file has " + length);
            }
            byte[] chunk = new byte[1 << 16];
            for (long left = payloadLength; left > 0; ) {
                int n = in.read(chunk, 0, (int) Math.min(chunk.length, left));
                if (n < 0) {
                    throw truncated(name, length - left, length);
                }
                crc.update(chunk, 0, n);
                left -= n;
            }
            int stored = in.readInt();
            if (stored != (int) crc.getValue()) {
                throw new CorruptCheckpointException(String.format(java.util.Locale.ROOT, "%s fails its checksum"
                        + " (CRC-32 stored %08x, computed %08x): the file is damaged", name, stored,
                        (int) crc.getValue()));
            }
        } catch (EOFException e) {
            throw new CorruptCheckpointException(name + " is damaged: it ends early (" + e + ")");
        }
        int bound = (int) Math.min(Integer.MAX_VALUE, length);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(source.open(), 1 << 16))) {
            in.skipNBytes(16);
            long iteration = in.readLong();
            SortedMap<String, String> settings = new TreeMap<>();
            int n = count(in.readInt(), bound, name);
            for (int i = 0; i < n; i++) {
                settings.put(in.readUTF(), in.readUTF());
            }
            List<DataFingerprint.File> files = new ArrayList<>();
            int m = count(in.readInt(), bound, name);
            for (int i = 0; i < m; i++) {
                files.add(new DataFingerprint.File(in.readUTF(), in.readLong(), in.readLong()));
            }
            long rows = in.readLong();
            in.readLong(); // the payload's length, checked above
            OptimizerState state = OptimizerState.readFrom(in, (int) Math.min(Integer.MAX_VALUE - 8, length / 8));
            int h = count(in.readInt(), bound, name);
            List<Checkpoint.Point> history = new ArrayList<>(h);
            for (int i = 0; i < h; i++) {
                history.add(new Checkpoint.Point(in.readLong(), Double.longBitsToDouble(in.readLong()),
                        Double.longBitsToDouble(in.readLong())));
            }
            if (state.iteration() != iteration) {
                throw new CorruptCheckpointException(name + " is inconsistent: its header says iteration " + iteration
                        + ", its optimizer state " + state.iteration());
            }
            return new Checkpoint(state, settings, new DataFingerprint(files, rows), history);
        } catch (EOFException | UTFDataFormatException e) {
            throw new CorruptCheckpointException(name + " is damaged: a section ends early (" + e + ")");
        } catch (CorruptCheckpointException | ChecksumException e) {
            throw e;
        } catch (IOException e) { // OptimizerState's checks of the lengths it reads
            throw new CorruptCheckpointException(name + " is damaged: " + e.getMessage());
        }
    }

    private static CorruptCheckpointException truncated(String name, long actual, long expected) {
        return new CorruptCheckpointException(name + " is truncated: " + actual + " bytes, " + expected
                + " expected (an interrupted copy or write)");
    }

    private static int count(int n, int bound, String name) throws CorruptCheckpointException {
        if (n < 0 || n > bound) {
            throw new CorruptCheckpointException(name + " is damaged: a count of " + n + " is impossible in a file"
                    + " of " + bound + " bytes");
        }
        return n;
    }
}
