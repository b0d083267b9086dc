package dev.downhill.driver.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The checks that keep a command from losing a user's files, made before any work: where the path is local
 * before Spark starts, otherwise as soon as Spark's Hadoop settings are there. Every refusal is an
 * {@link OutputException} (exit 2) naming the path.
 *
 * <ul>
 *   <li>train ({@link #prepareTrain}): --output must be a folder (or not exist yet) under folders, writable;
 *       it is locked for the run ({@link OutputLock}); a folder already holding a model.json is refused
 *       unless --resume (continue that run) or --overwrite (first remove the earlier run's files, only those
 *       Downhill names: {@link #TRAIN_FILES}, the checkpoints and a sharded model's model-shards).</li>
 *   <li>evaluate ({@link #checkEvaluateOutput}): the report goes to a file; inside a model folder only to
 *       evaluation.json; an existing file is replaced only when it is an evaluation report.</li>
 *   <li>predict ({@link #checkNewFolder}): a path that does not exist yet, under folders, writable.</li>
 * </ul>
 */
public final class OutputFolder {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The model a train output folder holds; a folder with it is a model folder. */
    public static final String MODEL = "model.json";
    /** evaluate's report in a model folder. */
    public static final String EVALUATION = "evaluation.json";
    /** The files train (and evaluate) write into a train output folder by these names; --overwrite removes them. */
    public static final List<String> TRAIN_FILES = List.of(MODEL, "model.safetensors", "last-good-model.json",
            "last-good-model.safetensors", EVALUATION, "metrics.jsonl", "report.html", "loss.png");
    private static final String CHECKPOINTS = "checkpoints";
    /** A sharded run's model slices (--aggregation sharded), written by the executors. */
    private static final String MODEL_SHARDS = "model-shards";
    private static final Pattern MODEL_SHARD = Pattern.compile("\\.?part-\\d{5,}-of-\\d{5,}\\.safetensors(\\.tmp)?");
    private static final Pattern CHECKPOINT = Pattern.compile("\\.?checkpoint-\\d{10,}\\.ckpt(\\.tmp)?");
    /** A sharded run's checkpoint vectors: a folder beside the manifest, one file per slice per vector. */
    private static final Pattern CHECKPOINT_SLICES = Pattern.compile("checkpoint-\\d{10,}\\.slices");
    private static final Pattern CHECKPOINT_SLICE = Pattern.compile("\\.?[a-z0-9-]+-part-\\d{5,}-of-\\d{5,}"
            + "\\.slice(\\.tmp)?");

    private OutputFolder() {}

    /** Whether {@code path} is on the local file system, so it can be checked before Spark starts. */
    public static boolean isLocal(String path) {
        try {
            URI u = new Path(path).toUri();
            String scheme = u.getScheme() != null ? u.getScheme()
                    : FileSystem.getDefaultUri(new Configuration()).getScheme();
            return "file".equals(scheme);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A train run's hold on its output folder: the lock, and the model that was there before. */
    public static final class TrainOutput implements AutoCloseable {
        private final OutputLock lock;
        private final Path folder;
        private final byte[] earlierModel;

        TrainOutput(OutputLock lock, Path folder, byte[] earlierModel) {
            this.lock = lock;
            this.folder = folder;
            this.earlierModel = earlierModel;
        }

        /** The folder, fully qualified. */
        public Path folder() {
            return folder;
        }

        /**
         * After model.json is written: an evaluation.json beside it evaluated the model this run replaced, so
         * it is removed (with a note) when the model changed; a resumed run that took no step keeps it.
         */
        public void modelWritten(Configuration conf, PrintStream out) throws IOException {
            if (earlierModel == null) {
                return;
            }
            FileSystem fs = OutputFiles.plain(folder, conf);
            Path evaluation = new Path(folder, EVALUATION);
            byte[] now = readIfExists(fs, new Path(folder, MODEL), Long.MAX_VALUE);
            if (fs.exists(evaluation) && !Arrays.equals(now, earlierModel)) {
                fs.delete(evaluation, false);
                out.println("note: removed " + evaluation + ": it evaluated the model this run replaced.");
            }
        }

        @Override
        public void close() {
            lock.close();
        }
    }

    /**
     * Checks and locks train's --output DIR; with --overwrite removes the earlier run's files. Refuses (exit 2):
     * a DIR that is a file or lies under one, a DIR that cannot be written, one another run holds, and one that
     * holds a model.json without --resume or --overwrite. The caller closes the result when the run ends.
     */
    public static TrainOutput prepareTrain(String output, boolean resume, boolean overwrite, Configuration conf,
                                           PrintStream out) {
        Path dir = new Path(output);
        FileSystem fs;
        try {
            fs = OutputFiles.plain(dir, conf);
        } catch (IOException e) {
            throw OutputException.refused("--output " + output + " cannot be used: " + e.getMessage(), e);
        }
        Path folder = fs.makeQualified(dir);
        requireFolderPath(fs, folder, "train writes a folder (model.json, metrics.jsonl, report.html, ...)");
        requireWritable(fs, folder);
        OutputLock lock;
        try {
            lock = OutputLock.acquire(folder, conf, out);
        } catch (OutputException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw OutputException.refused("--output " + folder + " cannot be written: " + reason(e), e);
        }
        try {
            Path model = new Path(folder, MODEL);
            byte[] earlier = readIfExists(fs, model, Long.MAX_VALUE);
            if (earlier != null && !resume && !overwrite) {
                throw OutputException.refused("--output " + folder + " already holds a trained model (" + model
                        + "); this run would replace it. Pass --overwrite to replace it (the earlier run's model,"
                        + " evaluation.json, metrics, report and checkpoints are removed first; other files are"
                        + " left alone), --resume to continue the earlier run, or another --output.");
            }
            if (overwrite) {
                List<String> removed = removeTrainFiles(fs, folder);
                if (!removed.isEmpty()) {
                    out.println("note: --overwrite: removed the earlier run's " + String.join(", ", removed)
                            + " from " + folder + ".");
                }
                earlier = null;
            }
            return new TrainOutput(lock, folder, earlier);
        } catch (IOException | RuntimeException e) {
            lock.close();
            if (e instanceof OutputException o) {
                throw o;
            }
            throw OutputException.refused("--output " + folder + " cannot be read: " + reason(e), e);
        }
    }

    /** Deletes the files Downhill names in a train folder (never others); returns what was removed. */
    public static List<String> removeTrainFiles(FileSystem fs, Path folder) throws IOException {
        List<String> removed = new ArrayList<>();
        for (String name : TRAIN_FILES) {
            for (String n : List.of(name, "." + name + ".tmp")) {
                if (fs.isFile(new Path(folder, n)) && fs.delete(new Path(folder, n), false)) {
                    removed.add(n);
                }
            }
        }
        Path checkpoints = new Path(folder, CHECKPOINTS);
        int count = 0;
        try {
            for (FileStatus s : fs.listStatus(checkpoints)) {
                if (s.isFile() && CHECKPOINT.matcher(s.getPath().getName()).matches()
                        && fs.delete(s.getPath(), false)) {
                    count++;
                } else if (s.isDirectory() && CHECKPOINT_SLICES.matcher(s.getPath().getName()).matches()) {
                    for (FileStatus f : fs.listStatus(s.getPath())) {
                        if (f.isFile() && CHECKPOINT_SLICE.matcher(f.getPath().getName()).matches()) {
                            fs.delete(f.getPath(), false);
                        }
                    }
                    if (fs.listStatus(s.getPath()).length == 0) {
                        fs.delete(s.getPath(), false);
                    }
                }
            }
            if (fs.listStatus(checkpoints).length == 0) {
                fs.delete(checkpoints, false);
            }
        } catch (FileNotFoundException e) {
            // no checkpoints folder
        }
        if (count > 0) {
            removed.add(count + " checkpoint" + (count == 1 ? "" : "s"));
        }
        Path shards = new Path(folder, MODEL_SHARDS);
        int shardCount = 0;
        try {
            for (FileStatus s : fs.listStatus(shards)) {
                if (s.isFile() && MODEL_SHARD.matcher(s.getPath().getName()).matches()
                        && fs.delete(s.getPath(), false)) {
                    shardCount++;
                }
            }
            if (fs.listStatus(shards).length == 0) {
                fs.delete(shards, false);
            }
        } catch (FileNotFoundException e) {
            // no model shards
        }
        if (shardCount > 0) {
            removed.add(shardCount + " model shard" + (shardCount == 1 ? "" : "s"));
        }
        return removed;
    }

    /**
     * Checks evaluate's report path (--output, or MODEL/evaluation.json): not a folder, not under a file, inside
     * a model folder only as evaluation.json, writable, and an existing file only when it is an evaluation report
     * (which is replaced). Refuses (exit 2) naming the path.
     */
    public static void checkEvaluateOutput(Path target, Configuration conf) {
        FileSystem fs;
        try {
            fs = OutputFiles.plain(target, conf);
        } catch (IOException e) {
            throw OutputException.refused("--output " + target + " cannot be used: " + e.getMessage(), e);
        }
        Path file = fs.makeQualified(target);
        try {
            if (fs.exists(file) && fs.getFileStatus(file).isDirectory()) {
                throw OutputException.refused("--output " + file + " is a folder; evaluate writes its report to a"
                        + " file (for example " + new Path(file, EVALUATION) + ") and never deletes a folder.");
            }
            Path parent = file.getParent();
            requireFolderPath(fs, parent, "the report's folder");
            if (!EVALUATION.equals(file.getName()) && fs.exists(new Path(parent, MODEL))) {
                throw OutputException.refused("--output " + file + " is inside the model folder " + parent
                        + ", where evaluate writes only " + EVALUATION + " (the default). Leave --output out, or"
                        + " name a file outside the model folder.");
            }
            if (fs.exists(file)) {
                if (!isEvaluationReport(fs, file)) {
                    throw OutputException.refused("--output " + file + " exists and is not an evaluation report;"
                            + " evaluate replaces only a report it wrote. Choose another path, or move the file.");
                }
            }
            requireWritable(fs, parent);
        } catch (IOException e) {
            throw OutputException.refused("--output " + file + " cannot be checked: " + reason(e), e);
        }
    }

    /** Checks a path a command creates as a new folder (predict): not under a file, writable. */
    public static void checkNewFolder(String output, Configuration conf) {
        Path dir = new Path(output);
        try {
            FileSystem fs = OutputFiles.plain(dir, conf);
            Path folder = fs.makeQualified(dir);
            requireFolderPath(fs, folder.getParent(), "predict writes a new folder of part files");
            requireWritable(fs, folder.getParent());
        } catch (IOException e) {
            throw OutputException.refused("--output " + output + " cannot be checked: " + reason(e), e);
        }
    }

    /** Whether a file is one evaluate wrote: a JSON object with the report's fields. */
    static boolean isEvaluationReport(FileSystem fs, Path file) throws IOException {
        byte[] bytes = readIfExists(fs, file, 256L << 20);
        if (bytes == null) {
            return false;
        }
        try {
            JsonNode n = JSON.readTree(bytes);
            return n != null && n.isObject() && n.has("formatVersion") && n.has("model") && n.has("input")
                    && n.has("objective") && n.has("rows");
        } catch (IOException e) {
            return false;
        }
    }

    /** The bytes of a file, or null when it does not exist or is larger than {@code limit}. */
    static byte[] readIfExists(FileSystem fs, Path file, long limit) throws IOException {
        FileStatus s;
        try {
            s = fs.getFileStatus(file);
        } catch (FileNotFoundException e) {
            return null;
        }
        if (!s.isFile() || s.getLen() > limit) {
            return null;
        }
        try (InputStream in = fs.open(file)) {
            return in.readAllBytes();
        }
    }

    /** Refuses a {@code path} that is a file, or that lies under a file (it could never be created). */
    private static void requireFolderPath(FileSystem fs, Path path, String what) {
        try {
            for (Path p = path; p != null; p = p.getParent()) {
                FileStatus s;
                try {
                    s = fs.getFileStatus(p);
                } catch (FileNotFoundException e) {
                    continue;
                }
                if (s.isDirectory()) {
                    return;
                }
                throw OutputException.refused("--output " + path + (p.equals(path) ? " is a file, not a folder"
                        : " cannot be created: " + p + " is a file, not a folder") + "; " + what + ".");
            }
        } catch (IOException e) {
            throw OutputException.refused("--output " + path + " cannot be checked: " + reason(e), e);
        }
    }

    /**
     * On the local file system, refuses a path whose nearest existing folder this user cannot write (read-only
     * mount, permissions). Elsewhere the first write says so.
     */
    private static void requireWritable(FileSystem fs, Path path) {
        if (!(fs instanceof RawLocalFileSystem local)) {
            return;
        }
        Path p = path;
        while (p != null && !local.pathToFile(p).exists()) {
            p = p.getParent();
        }
        if (p != null && !Files.isWritable(local.pathToFile(p).toPath())) {
            throw OutputException.refused("--output " + path + " cannot be written: " + (p.equals(path) ? "the folder"
                    : "its folder " + p) + " is not writable (permissions, or a read-only file system).");
        }
    }

    private static String reason(Throwable e) {
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason() + ": " + f.getFile();
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
