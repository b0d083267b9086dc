package dev.downhill.driver.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.objective.DifferentiableFunction;
import dev.downhill.core.optim.GradientDescent;
import dev.downhill.core.optim.OptimizerState;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint file format and store on the local file system: no Spark. */
class CheckpointStoreTest {
    @TempDir
    Path dir;

    /** f(x) = sum_j a_j x_j^2 / 2 + b_j x_j, gradient a_j x_j + b_j: a test function with exact steps. */
    private static final class Quadratic implements DifferentiableFunction {
        final double[] a = {1.0, 3.0, 0.5, 2.0};
        final double[] b = {-1.0, 0.25, 2.0, 0.0};

        @Override
        public int dimension() {
            return a.length;
        }

        @Override
        public double valueAndGradient(double[] x, double[] g) {
            double f = 0;
            for (int j = 0; j < a.length; j++) {
                f += 0.5 * a[j] * x[j] * x[j] + b[j] * x[j];
                g[j] = a[j] * x[j] + b[j];
            }
            return f;
        }
    }

    private static OptimizerState stateAt(long iteration) {
        Quadratic q = new Quadratic();
        GradientDescent gd = new GradientDescent(0.1);
        OptimizerState s = gd.initialize(q, new double[] {0.5, -0.0, 1e-300, 3.0});
        for (long i = 0; i < iteration; i++) {
            gd.step(q, s);
        }
        s.putVector("gd.extra", new double[] {Double.NaN, -0.0, Double.MIN_VALUE});
        s.putScalar("stop.rises", 2);
        s.putScalar("gd.rng", Double.longBitsToDouble(0x7ff8_dead_beef_0001L)); // a NaN with a payload
        return s;
    }

    private static SortedMap<String, String> settings(String l2) {
        SortedMap<String, String> m = new TreeMap<>();
        m.put("objective", "logistic");
        m.put("l2", l2);
        m.put("partitions", "3");
        return m;
    }

    private static DataFingerprint data() {
        return new DataFingerprint(List.of(new DataFingerprint.File("file:/data/a.libsvm", 1234, 1_700_000_000_000L),
                new DataFingerprint.File("file:/data/b.libsvm", 99, 1_700_000_000_123L)), 250);
    }

    private static Checkpoint checkpoint(long iteration) {
        List<Checkpoint.Point> history = new ArrayList<>();
        for (long i = 0; i <= iteration; i++) {
            history.add(new Checkpoint.Point(i, 1.0 / (i + 1), Math.sqrt(i)));
        }
        return new Checkpoint(stateAt(iteration), settings("0.01"), data(), history);
    }

    private CheckpointStore store(int keep) throws IOException {
        return new CheckpointStore(dir.resolve("out").toUri().toString(), new Configuration(), keep);
    }

    private Path file(long iteration) {
        return dir.resolve(String.format("out/checkpoints/checkpoint-%010d.ckpt", iteration));
    }

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("out/checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void roundTripGivesTheSameBitsAndTheSameContinuation() throws IOException {
        CheckpointStore store = store(3);
        Checkpoint c = checkpoint(7);
        store.write(c);
        Checkpoint back = store.newestValid(w -> { throw new AssertionError(w); }).orElseThrow().checkpoint();
        assertEquals(7, back.iteration());
        assertEquals(c.state(), back.state(), "OptimizerState.equals compares every double bit for bit");
        assertEquals(0x7ff8_dead_beef_0001L, Double.doubleToRawLongBits(back.state().scalar("gd.rng", 0)));
        assertEquals(c.settings(), back.settings());
        assertEquals(c.data(), back.data());
        assertEquals(c.history(), back.history());

        // Ten more steps from the original and from the copy read back: the same bits.
        Quadratic q = new Quadratic();
        GradientDescent gd = new GradientDescent(0.1);
        OptimizerState original = c.state().copy();
        OptimizerState restored = back.state().copy();
        for (int i = 0; i < 10; i++) {
            gd.step(q, original);
            gd.step(q, restored);
        }
        assertArrayEquals(original.x(), restored.x());
        assertEquals(original, restored);
    }

    @Test
    void theFileFollowsTheDocumentedLayout() throws IOException {
        store(3).write(checkpoint(4));
        byte[] b = Files.readAllBytes(file(4));
        assertArrayEquals(new byte[] {0x44, 0x48, 0x43, 0x4B, 0x50, 0x54, 0x0D, 0x0A}, java.util.Arrays.copyOf(b, 8));
        ByteBuffer buf = ByteBuffer.wrap(b);
        assertEquals(1, buf.getInt(8), "format version");
        int headerLength = buf.getInt(12);
        long payloadLength = buf.getLong(16 + headerLength);
        assertEquals(28 + headerLength + payloadLength, b.length);
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 4);
        assertEquals((int) crc.getValue(), buf.getInt(b.length - 4));
        DataInputStream header = new DataInputStream(new ByteArrayInputStream(b, 16, headerLength));
        assertEquals(4, header.readLong(), "iteration");
        assertEquals(3, header.readInt(), "number of settings");
        assertEquals("l2", header.readUTF());
        assertEquals("0.01", header.readUTF());
        DataInputStream payload = new DataInputStream(new ByteArrayInputStream(b, 24 + headerLength,
                (int) payloadLength));
        assertEquals(checkpoint(4).state(), OptimizerState.readFrom(payload, 1000));
        assertEquals(5, payload.readInt(), "history points 0..4");
        // the store streams the file; encoding it in memory gives the same bytes and the counted length
        assertArrayEquals(CheckpointFormat.encode(checkpoint(4)), b);
        assertEquals(b.length, CheckpointFormat.length(checkpoint(4)));
    }

    @Test
    void aFileStreamedInShortReadsIsReadWhole() throws IOException {
        byte[] b = CheckpointFormat.encode(checkpoint(7));
        // a stream that hands out at most 5 bytes a call, as a network file system may
        CheckpointFormat.Source dribble = () -> new java.io.FilterInputStream(new ByteArrayInputStream(b)) {
            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                return super.read(buf, off, Math.min(len, 5));
            }
        };
        Checkpoint c = CheckpointFormat.read(dribble, b.length, "dribbled");
        assertEquals(checkpoint(7).state(), c.state());
        assertEquals(checkpoint(7).history(), c.history());
        // the length the file system reports must be the file's: one byte fewer is a truncation
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
                () -> CheckpointFormat.read(dribble, b.length - 1, "short"));
        assertTrue(e.getMessage().contains("short is truncated"), e.getMessage());
    }

    @Test
    void writingGoesThroughATemporaryNameAndAnInterruptedWriteIsIgnored() throws IOException {
        CheckpointStore store = store(3);
        store.write(checkpoint(10));
        assertEquals(List.of("checkpoint-0000000010.ckpt"), names(), "no temporary file or .crc left behind");
        // A write of iteration 20 killed before its rename leaves only the temporary file, cut short.
        byte[] full = CheckpointFormat.encode(checkpoint(20));
        Files.write(dir.resolve("out/checkpoints/.checkpoint-0000000020.ckpt.tmp"),
                java.util.Arrays.copyOf(full, full.length / 2));
        List<String> warnings = new ArrayList<>();
        assertEquals(10, store.newestValid(warnings::add).orElseThrow().checkpoint().iteration());
        assertEquals(List.of(), warnings, "a temporary file is not a checkpoint");
        // The next write of that iteration replaces the leftover.
        store.write(checkpoint(20));
        assertEquals(List.of("checkpoint-0000000010.ckpt", "checkpoint-0000000020.ckpt"), names());
    }

    @Test
    void keepsTheNewestMAndDropsThoseAfterTheOneWritten() throws IOException {
        CheckpointStore store = store(3);
        for (long it = 5; it <= 30; it += 5) {
            store.write(checkpoint(it));
        }
        assertEquals(List.of("checkpoint-0000000020.ckpt", "checkpoint-0000000025.ckpt", "checkpoint-0000000030.ckpt"),
                names());
        assertEquals(List.of(30L, 25L, 20L), store.iterations());
        // A checkpoint before the others (an earlier run's later ones are not this trajectory's) replaces them.
        store.write(checkpoint(12));
        assertEquals(List.of("checkpoint-0000000012.ckpt"), names());
        CheckpointStore one = store(1);
        one.write(checkpoint(13));
        one.write(checkpoint(14));
        assertEquals(List.of("checkpoint-0000000014.ckpt"), names());
    }

    @Test
    void aDamagedNewestIsSkippedWithAWarningNamingItAndThePreviousIsUsed() throws IOException {
        CheckpointStore store = store(3);
        store.write(checkpoint(10));
        store.write(checkpoint(20));
        byte[] b = Files.readAllBytes(file(20));
        b[b.length / 2] ^= 0x10; // one bit flipped inside the payload
        Files.write(file(20), b);
        List<String> warnings = new ArrayList<>();
        CheckpointStore.Loaded loaded = store.newestValid(warnings::add).orElseThrow();
        assertEquals(10, loaded.checkpoint().iteration());
        assertEquals(checkpoint(10).state(), loaded.checkpoint().state());
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("checkpoint-0000000020.ckpt") && warnings.get(0).contains("fails its checksum")
                && warnings.get(0).contains("skipping it"), warnings.get(0));
    }

    @Test
    void aTruncatedNewestIsSkippedWithAWarningAndThePreviousIsUsed() throws IOException {
        CheckpointStore store = store(3);
        store.write(checkpoint(10));
        store.write(checkpoint(20));
        byte[] b = Files.readAllBytes(file(20));
        for (int keep : new int[] {b.length - 1, b.length / 2, 20, 5, 0}) {
            Files.write(file(20), java.util.Arrays.copyOf(b, keep));
            List<String> warnings = new ArrayList<>();
            assertEquals(10, store.newestValid(warnings::add).orElseThrow().checkpoint().iteration(), "kept " + keep);
            assertEquals(1, warnings.size());
            assertTrue(warnings.get(0).contains("checkpoint-0000000020.ckpt is truncated: " + keep + " bytes"),
                    warnings.get(0));
        }
        Files.write(file(20), java.util.Arrays.copyOf(b, b.length + 3)); // bytes appended
        List<String> warnings = new ArrayList<>();
        assertEquals(10, store.newestValid(warnings::add).orElseThrow().checkpoint().iteration());
        assertTrue(warnings.get(0).contains("is damaged: its lengths say " + b.length + " bytes"), warnings.get(0));
    }

    @Test
    void aFileThatIsNotACheckpointIsSkippedAndNoneLeftMeansEmpty() throws IOException {
        CheckpointStore store = store(3);
        store.write(checkpoint(10));
        Files.writeString(file(10), "{\"formatVersion\": 1}\n");
        List<String> warnings = new ArrayList<>();
        assertTrue(store.newestValid(warnings::add).isEmpty());
        assertTrue(warnings.get(0).contains("is not a Downhill checkpoint"), warnings.get(0));
        assertTrue(store(3).newestValid(warnings::add).isEmpty());
    }

    @Test
    void anotherFormatVersionIsAClearErrorEvenWithAValidChecksum() throws IOException {
        CheckpointStore store = store(3);
        store.write(checkpoint(10));
        store.write(checkpoint(20));
        byte[] b = Files.readAllBytes(file(20));
        ByteBuffer.wrap(b).putInt(8, 2);
        Files.write(file(20), b);
        ResumeRefusedException tampered = assertThrows(ResumeRefusedException.class, () -> store.newestValid(w -> { }));
        assertTrue(tampered.getMessage().contains("checkpoint-0000000020.ckpt has checkpoint format version 2, but this"
                + " Downhill reads version 1 only"), tampered.getMessage());
        // The same with the checksum recomputed, as a future version would write it.
        CRC32 crc = new CRC32();
        crc.update(b, 0, b.length - 4);
        ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc.getValue());
        Files.write(file(20), b);
        ResumeRefusedException newer = assertThrows(ResumeRefusedException.class, () -> store.newestValid(w -> { }));
        assertEquals(tampered.getMessage(), newer.getMessage());
    }

    @Test
    void aTamperedFieldWithTheOldChecksumFails() throws IOException {
        CheckpointStore store = store(3);
        store.write(checkpoint(10));
        byte[] b = Files.readAllBytes(file(10));
        ByteBuffer.wrap(b).putLong(16, 3); // the header's iteration, 10 -> 3
        Files.write(file(10), b);
        CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class,
                () -> store.read(new org.apache.hadoop.fs.Path(file(10).toUri())));
        assertTrue(e.getMessage().contains("fails its checksum"), e.getMessage());
        assertFalse(e.getMessage().contains("inconsistent"));
    }

    @Test
    void settingsDifferencesNameTheSettingWithOldAndNewValues() {
        assertEquals(List.of(), SettingsFingerprint.differences(settings("0.01"), settings("0.01")));
        SortedMap<String, String> now = settings("0.1");
        now.put("step", "0.5");
        now.remove("partitions");
        assertEquals(List.of("--l2 was '0.01', now '0.1'", "--partitions was '3', now not set",
                "--step was not set, now '0.5'"), SettingsFingerprint.differences(settings("0.01"), now));
    }

    @Test
    void dataDifferencesNameTheFile() {
        DataFingerprint now = new DataFingerprint(List.of(
                new DataFingerprint.File("file:/data/a.libsvm", 1300, 1_700_000_000_000L),
                new DataFingerprint.File("file:/data/c.libsvm", 5, 1_700_000_000_999L)), 251);
        List<String> d = data().differences(now);
        assertEquals(List.of("file file:/data/a.libsvm changed size: 1234 bytes, now 1300",
                "file file:/data/b.libsvm is no longer in the input", "file file:/data/c.libsvm is new in the input",
                "rows trained on: 250, now 251"), d);
        DataFingerprint touched = new DataFingerprint(List.of(
                new DataFingerprint.File("file:/data/a.libsvm", 1234, 1_700_000_001_000L),
                new DataFingerprint.File("file:/data/b.libsvm", 99, 1_700_000_000_123L)), 250);
        assertEquals(List.of("file file:/data/a.libsvm was modified: 2023-11-14T22:13:20Z, now 2023-11-14T22:13:21Z"),
                data().differences(touched));
        assertEquals(List.of(), data().differences(data()));
    }
}
