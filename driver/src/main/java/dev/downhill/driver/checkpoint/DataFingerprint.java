package dev.downhill.driver.checkpoint;

import dev.downhill.driver.io.InputFiles;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What identifies the training data of a checkpoint: every input file (full path, size in bytes,
 * modification time in ms since the epoch, as the file system reports them) and the number of rows
 * trained on. A resume whose files or row count differ is refused.
 */
public final class DataFingerprint {

    /** One input file. */
    public record File(String path, long length, long modificationTime) {
        public File {
            Objects.requireNonNull(path);
        }
    }

    private final List<File> files;
    private final long rows;

    public DataFingerprint(List<File> files, long rows) {
        this.files = List.copyOf(files);
        this.rows = rows;
    }

    public static DataFingerprint of(InputFiles input, long rows) {
        List<File> files = new ArrayList<>();
        if (input != null) {
            for (InputFiles.InputFile f : input.files()) {
                files.add(new File(f.path, f.length, f.modificationTime));
            }
        }
        return new DataFingerprint(files, rows);
    }

    public List<File> files() {
        return files;
    }

    public long rows() {
        return rows;
    }

    /** Each difference in words, naming the file; empty when the data is the same. */
    public List<String> differences(DataFingerprint now) {
        List<String> out = new ArrayList<>();
        Map<String, File> before = byPath(files);
        Map<String, File> after = byPath(now.files);
        for (File was : before.values()) {
            File is = after.get(was.path());
            if (is == null) {
                out.add("file " + was.path() + " is no longer in the input");
            } else {
                if (was.length() != is.length()) {
                    out.add("file " + was.path() + " changed size: " + was.length() + " bytes, now " + is.length());
                }
                if (was.modificationTime() != is.modificationTime()) {
                    out.add("file " + was.path() + " was modified: " + Instant.ofEpochMilli(was.modificationTime())
                            + ", now " + Instant.ofEpochMilli(is.modificationTime()));
                }
            }
        }
        for (File is : after.values()) {
            if (!before.containsKey(is.path())) {
                out.add("file " + is.path() + " is new in the input");
            }
        }
        if (rows != now.rows) {
            out.add("rows trained on: " + rows + ", now " + now.rows);
        }
        return out;
    }

    private static Map<String, File> byPath(List<File> files) {
        Map<String, File> m = new LinkedHashMap<>();
        for (File f : files) {
            m.put(f.path(), f);
        }
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataFingerprint d && d.rows == rows && d.files.equals(files);
    }

    @Override
    public int hashCode() {
        return files.hashCode() * 31 + Long.hashCode(rows);
    }
}
