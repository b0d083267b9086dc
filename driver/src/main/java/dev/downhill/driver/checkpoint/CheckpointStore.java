package dev.downhill.driver.checkpoint;

import dev.downhill.core.optim.OptimizerState;
import dev.downhill.driver.io.OutputException;
import dev.downhill.driver.io.OutputFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The checkpoints of one training run: OUTPUT/checkpoints/checkpoint-NNNNNNNNNN.ckpt (the iteration,
 * zero-padded), in {@link CheckpointFormat}, through Hadoop's FileSystem API (file://, hdfs://, ...).
 *
 * <p>A checkpoint is written to a temporary name starting with '.' and renamed once complete, so a reader
 * never takes a half-written file for a checkpoint; then only the newest {@code keep} are kept, and any
 * numbered after the one just written (left by an earlier, longer run) are deleted. Loading takes the
 * newest checkpoint that reads back intact; a truncated or damaged one is skipped with a warning naming it.
 * On the local file system the files carry their own CRC-32, so Hadoop's .crc side files are not written.
 *
 * <p>A sharded run's checkpoint (--aggregation sharded) is that file, its manifest (the small optimizer state,
 * the history and the fingerprints), plus the folder checkpoint-NNNNNNNNNN.slices beside it, where the executors
 * write the vectors ({@link SliceWriter}). The folder is written first and the manifest last, so a manifest is
 * only ever there with its slices complete; deleting a checkpoint removes the manifest first, then its folder.
 */
public final class CheckpointStore {
    public static final String FOLDER = "checkpoints";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{10,})\\.ckpt");
    private static final Pattern SLICES = Pattern.compile("checkpoint-(\\d{10,})\\.slices");
    /**
     * Manifest scalars under this prefix describe the checkpoint, not the optimizer: a resumed run drops them. The
     * slices' bytes are checked before a resume, so that an incomplete folder makes the previous checkpoint used.
     */
    public static final String MANIFEST_PREFIX = "checkpoint.";
    public static final String SLICE_BYTES = MANIFEST_PREFIX + "slice-bytes";

    /** Writes a sharded checkpoint's vectors into its (empty) slices folder. */
    @FunctionalInterface
    public interface SliceWriter {
        /**
         * Writes into {@code folder}; puts what a resume needs to read them back into {@code manifest} (scalars
         * named {@link #MANIFEST_PREFIX}...).
         */
        void write(Path folder, OptimizerState manifest) throws IOException;
    }

    /** Reads a sharded checkpoint's slices back before a resume takes it (their checksums). */
    @FunctionalInterface
    public interface SliceCheck {
        /** None: a sharded checkpoint's slices are read by the run itself. */
        SliceCheck NONE = folder -> null;

        /** Why the slices in {@code folder} do not read back intact, or null when they do. */
        String damage(Path folder) throws IOException;
    }

    private final Path dir;
    private final FileSystem fs;
    private final int keep;

    /** The store under {@code outputDir}/checkpoints keeping the newest {@code keep} checkpoints. */
    public CheckpointStore(String outputDir, Configuration conf, int keep) throws IOException {
        if (keep < 1) {
            throw new IllegalArgumentException("keep must be >= 1, got " + keep);
        }
        Path d = new Path(outputDir, FOLDER);
        FileSystem any = d.getFileSystem(conf);
        this.fs = any instanceof ChecksumFileSystem c ? c.getRawFileSystem() : any;
        this.dir = fs.makeQualified(d);
        this.keep = keep;
    }

    /** How many checkpoints are kept while training. */
    public int keep() {
        return keep;
    }

    /** The folder, fully qualified. */
    public Path folder() {
        return dir;
    }

    /** The file holding the checkpoint of {@code iteration}. */
    public Path pathOf(long iteration) {
        return new Path(dir, String.format(Locale.ROOT, "checkpoint-%010d.ckpt", iteration));
    }

    /** The folder of a sharded checkpoint's vectors. */
    public Path slicesOf(long iteration) {
        return new Path(dir, String.format(Locale.ROOT, "checkpoint-%010d.slices", iteration));
    }

    /** The checkpoints present (by file name), newest first. */
    public List<Long> iterations() throws IOException {
        List<Long> out = new ArrayList<>();
        FileStatus[] listing;
        try {
            listing = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return out;
        }
        for (FileStatus s : listing) {
            Matcher m = NAME.matcher(s.getPath().getName());
            if (s.isFile() && m.matches()) {
                out.add(Long.parseLong(m.group(1)));
            }
        }
        out.sort(Comparator.reverseOrder());
        return out;
    }

    /**
     * Writes {@code c} atomically (temporary name, synced, then rename), then prunes; returns its path. A failed
     * write removes its temporary file and throws {@link OutputException} naming the file, the bytes it needed
     * and the free space; the checkpoints already there are untouched.
     */
    public Path write(Checkpoint c) throws IOException {
        return write(c, null);
    }

    /**
     * The same, for a sharded run when {@code slices} is not null: any checkpoint of that iteration is deleted
     * first (an earlier run's manifest must not name new slices), the executors write the vectors, and the
     * manifest is written last.
     */
    public Path write(Checkpoint c, SliceWriter slices) throws IOException {
        if (slices != null) {
            delete(c.iteration());
            Path folder = slicesOf(c.iteration());
            slices.write(folder, c.state());
            c.state().putScalar(SLICE_BYTES, slicesBytes(c.iteration()));
        }
        // streamed: a tree run's state can be larger than the heap's free part, or than a Java array
        Path target = OutputFiles.write(fs, pathOf(c.iteration()), CheckpointFormat.length(c),
                out -> CheckpointFormat.write(c, out));
        prune(c.iteration());
        return target;
    }

    /** The size of a checkpoint (its file and a sharded run's slices) in bytes, or -1 when it cannot be read. */
    public long size(long iteration) {
        try {
            return fs.getFileStatus(pathOf(iteration)).getLen() + slicesBytes(iteration);
        } catch (IOException e) {
            return -1;
        }
    }

    /** The bytes of the complete files in a slices folder (0 when there is none); temporary files are left out. */
    private long slicesBytes(long iteration) throws IOException {
        long bytes = 0;
        try {
            for (FileStatus f : fs.listStatus(slicesOf(iteration))) {
                if (f.isFile() && !f.getPath().getName().startsWith(".")) {
                    bytes += f.getLen();
                }
            }
        } catch (FileNotFoundException e) {
            return 0;
        }
        return bytes;
    }

    /** Deletes a checkpoint: the manifest first (a checkpoint without it is none), then a sharded run's slices. */
    private boolean delete(long iteration) throws IOException {
        boolean deleted = fs.delete(pathOf(iteration), false);
        fs.delete(slicesOf(iteration), true);
        return deleted;
    }

    /** Deletes slices folders whose manifest is gone (a run killed while writing or deleting a checkpoint). */
    private void deleteOrphanSlices() throws IOException {
        List<Long> manifests = iterations();
        FileStatus[] listing;
        try {
            listing = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return;
        }
        for (FileStatus s : listing) {
            Matcher m = SLICES.matcher(s.getPath().getName());
            if (s.isDirectory() && m.matches() && !manifests.contains(Long.parseLong(m.group(1)))) {
                fs.delete(s.getPath(), true);
            }
        }
    }

    /** Deletes those after {@code newest} and all but the newest {@code keep} up to it. */
    private void prune(long newest) throws IOException {
        int kept = 0;
        for (long it : iterations()) {
            if (it <= newest && kept < keep) {
                kept++;
            } else {
                delete(it);
            }
        }
        deleteOrphanSlices();
    }

    /**
     * Deletes every checkpoint except that of {@code iteration} (a fresh run replacing an earlier run's, or a
     * finished run keeping only what --resume needs); returns the bytes freed.
     */
    public long deleteAllBut(long iteration) throws IOException {
        long freed = 0;
        for (long it : iterations()) {
            if (it != iteration) {
                long size = size(it);
                if (delete(it) && size > 0) {
                    freed += size;
                }
            }
        }
        deleteOrphanSlices();
        return freed;
    }

    /** A checkpoint read back, with where it came from. */
    public record Loaded(Path path, Checkpoint checkpoint) {
    }

    /**
     * The newest checkpoint that reads back intact, or empty when there is none. Each damaged or
     * truncated one is skipped with a warning naming it (through {@code warn}).
     *
     * @throws ResumeRefusedException the newest readable file has another format version
     */
    public Optional<Loaded> newestValid(Consumer<String> warn) throws IOException {
        return newestValid(warn, SliceCheck.NONE);
    }

    /** As {@link #newestValid(Consumer)}, checking a sharded checkpoint's slices with {@code slices}. */
    public Optional<Loaded> newestValid(Consumer<String> warn, SliceCheck slices) throws IOException {
        for (long it : iterations()) {
            Path p = pathOf(it);
            try {
                Checkpoint c = read(p);
                double bytes = c.state().scalar(SLICE_BYTES, -1);
                if (bytes >= 0 && bytes != slicesBytes(it)) {
                    warn.accept("checkpoint " + p + " is incomplete: its slices folder " + slicesOf(it) + " holds "
                            + slicesBytes(it) + " bytes, " + (long) bytes + " were written; skipping it.");
                    continue;
                }
                String damage = bytes >= 0 ? slices.damage(slicesOf(it)) : null;
                if (damage != null) {
                    warn.accept("checkpoint " + p + " is damaged: " + damage + "; skipping it.");
                    continue;
                }
                return Optional.of(new Loaded(p, c));
            } catch (CorruptCheckpointException e) {
                warn.accept("checkpoint " + e.getMessage() + "; skipping it.");
            } catch (ChecksumException e) {
                // the file system's own checksum (HDFS blocks) caught the damage first
                warn.accept("checkpoint " + p + " is damaged (" + e.getMessage() + "); skipping it.");
            }
        }
        return Optional.empty();
    }

    /** Reads one checkpoint file. */
    public Checkpoint read(Path p) throws IOException {
        return CheckpointFormat.read(() -> fs.open(p), fs.getFileStatus(p).getLen(), p.toString());
    }
}
