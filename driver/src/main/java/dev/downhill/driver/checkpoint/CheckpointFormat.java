package dev.downhill.driver.checkpoint;

import dev.downhill.core.optim.OptimizerState;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32;

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

    public static byte[] encode(Checkpoint c) throws IOException {
        byte[] header = header(c);
        byte[] payload = payload(c);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(FRAME_BYTES + header.length + payload.length);
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(header.length);
        out.write(header);
        out.writeLong(payload.length);
        out.write(payload);
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        out.flush();
        return bytes.toByteArray();
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

    private static byte[] payload(Checkpoint c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        c.state().writeTo(out);
        out.writeInt(c.history().size());
        for (Checkpoint.Point p : c.history()) {
            out.writeLong(p.iteration());
            out.writeLong(Double.doubleToRawLongBits(p.objective()));
            out.writeLong(Double.doubleToRawLongBits(p.stationarity()));
        }
        out.flush();
        return bytes.toByteArray();
    }

    /**
     * Reads a checkpoint; {@code name} is used in messages.
     *
     * @throws CorruptCheckpointException truncated, too long, wrong magic or a failed checksum
     * @throws ResumeRefusedException a format version other than {@link #VERSION}
     */
    public static Checkpoint decode(byte[] bytes, String name) throws CorruptCheckpointException {
        if (bytes.length < 12) {
            throw new CorruptCheckpointException(name + " is truncated: " + bytes.length + " bytes, shorter than"
                    + " the magic and version");
        }
        ByteBuffer frame = ByteBuffer.wrap(bytes);
        byte[] magic = new byte[MAGIC.length];
        frame.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new CorruptCheckpointException(name + " is not a Downhill checkpoint: it does not start with"
                    + " the magic bytes DHCKPT");
        }
        int version = frame.getInt();
        if (version != VERSION) {
            throw new ResumeRefusedException(name + " has checkpoint format version " + Integer.toUnsignedString(version)
                    + ", but this Downhill reads version " + VERSION + " only (written by another Downhill version,"
                    + " or damaged). Move it out of the checkpoints folder to resume from an older checkpoint, or"
                    + " train without --resume.");
        }
        if (bytes.length < FRAME_BYTES) {
            throw truncated(name, bytes.length, FRAME_BYTES);
        }
        long headerLength = Integer.toUnsignedLong(frame.getInt());
        if (16 + headerLength + 8 > bytes.length) {
            throw truncated(name, bytes.length, FRAME_BYTES + headerLength);
        }
        long payloadLength = ByteBuffer.wrap(bytes, (int) (16 + headerLength), 8).getLong();
        long expected = FRAME_BYTES + headerLength + payloadLength;
        if (payloadLength < 0 || expected != bytes.length) {
            if (payloadLength >= 0 && expected > bytes.length) {
                throw truncated(name, bytes.length, expected);
            }
            throw new CorruptCheckpointException(name + " is damaged: its lengths say " + expected + " bytes, the"
                    + " file has " + bytes.length);
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 4);
        int stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new CorruptCheckpointException(String.format(java.util.Locale.ROOT, "%s fails its checksum"
                    + " (CRC-32 stored %08x, computed %08x): the file is damaged", name, stored, (int) crc.getValue()));
        }
        try {
            DataInputStream header = new DataInputStream(new ByteArrayInputStream(bytes, 16, (int) headerLength));
            long iteration = header.readLong();
            SortedMap<String, String> settings = new TreeMap<>();
            int n = count(header.readInt(), bytes.length, name);
            for (int i = 0; i < n; i++) {
                settings.put(header.readUTF(), header.readUTF());
            }
            List<DataFingerprint.File> files = new ArrayList<>();
            int m = count(header.readInt(), bytes.length, name);
            for (int i = 0; i < m; i++) {
                files.add(new DataFingerprint.File(header.readUTF(), header.readLong(), header.readLong()));
            }
            long rows = header.readLong();
            DataInputStream payload = new DataInputStream(new ByteArrayInputStream(bytes, (int) (24 + headerLength),
                    (int) payloadLength));
            OptimizerState state = OptimizerState.readFrom(payload, (int) Math.min(Integer.MAX_VALUE - 8,
                    payloadLength / 8));
            int h = count(payload.readInt(), bytes.length, name);
            List<Checkpoint.Point> history = new ArrayList<>(h);
            for (int i = 0; i < h; i++) {
                history.add(new Checkpoint.Point(payload.readLong(), Double.longBitsToDouble(payload.readLong()),
                        Double.longBitsToDouble(payload.readLong())));
            }
            if (state.iteration() != iteration) {
                throw new CorruptCheckpointException(name + " is inconsistent: its header says iteration " + iteration
                        + ", its optimizer state " + state.iteration());
            }
            return new Checkpoint(state, settings, new DataFingerprint(files, rows), history);
        } catch (EOFException | UTFDataFormatException e) {
            throw new CorruptCheckpointException(name + " is damaged: a section ends early (" + e + ")");
        } catch (CorruptCheckpointException e) {
            throw e;
        } catch (IOException e) {
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
