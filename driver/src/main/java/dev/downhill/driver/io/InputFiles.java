package dev.downhill.driver.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.security.AccessControlException;

/**
 * The input files behind a path (a file, a folder read recursively, or a glob), through Hadoop's
 * FileSystem API, sorted by path so that every run numbers them the same way. Names starting with '_'
 * or '.' inside folders or matched by a glob (_SUCCESS, _temporary, .crc) are skipped, as Hadoop's input
 * formats do; a file named explicitly is read whatever its name.
 */
public final class InputFiles {

    /** One input file. */
    public static final class InputFile {
        public final String path;
        public final long length;
        public final long modificationTime;

        InputFile(String path, long length, long modificationTime) {
            this.path = path;
            this.length = length;
            this.modificationTime = modificationTime;
        }
    }

    private final String input;
    private final List<InputFile> files;

    private InputFiles(String input, List<InputFile> files) {
        this.input = input;
        this.files = files;
    }

    public static InputFiles resolve(String input, Configuration conf) {
        Path path = new Path(input);
        TreeMap<String, InputFile> found = new TreeMap<>();
        try {
            FileSystem fs = path.getFileSystem(conf);
            FileStatus[] matches = fs.globStatus(path);
            boolean glob = input.matches(".*[*?\\[{].*");
            if (matches == null || matches.length == 0) {
                throw new BadInputException("input path " + input + (glob ? " matches no files" : " does not exist")
                        + ". Check --input.");
            }
            for (FileStatus match : matches) {
                String name = match.getPath().getName();
                if (glob && (name.startsWith("_") || name.startsWith("."))) {
                    continue; // a glob over job output must not pick up _SUCCESS, _temporary or .crc files
                }
                if (match.isDirectory()) {
                    RemoteIterator<LocatedFileStatus> it = fs.listFiles(match.getPath(), true);
                    while (it.hasNext()) {
                        LocatedFileStatus f = it.next();
                        if (f.isFile() && !hiddenBelow(match.getPath(), f.getPath())) {
                            found.put(f.getPath().toString(), file(f));
                        }
                    }
                } else {
                    found.put(match.getPath().toString(), file(match));
                }
            }
        } catch (AccessControlException e) {
            throw new BadInputException("cannot read input " + input + ": permission denied (" + e.getMessage() + ").", e);
        } catch (FileNotFoundException e) {
            throw new BadInputException("input path " + input + " does not exist. Check --input.", e);
        } catch (IOException e) {
            throw new BadInputException("cannot list input " + input + ": " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            throw new BadInputException("input " + input + " holds no files. Check --input.");
        }
        if (found.size() > RowKey.MAX_FILES) {
            throw new BadInputException("input " + input + " has " + found.size() + " files; at most "
                    + RowKey.MAX_FILES + " are supported.");
        }
        List<InputFile> files = new ArrayList<>(found.values());
        if (files.stream().allMatch(f -> f.length == 0)) {
            throw new BadInputException("input " + input + " is empty: " + (files.size() == 1 ? "the file has"
                    : "all " + files.size() + " files have") + " no bytes.");
        }
        return new InputFiles(input, files);
    }

    /**
     * The files behind a DataFrame (Spark's {@code inputFiles()}; none for data built in memory), with their
     * lengths where they can be read; {@code input} names the DataFrame in messages.
     */
    public static InputFiles of(String input, String[] paths, Configuration conf) {
        TreeMap<String, InputFile> found = new TreeMap<>();
        for (String p : paths) {
            Path path = new Path(p);
            try {
                found.put(path.toString(), file(path.getFileSystem(conf).getFileStatus(path)));
            } catch (IOException | RuntimeException e) {
                found.put(path.toString(), new InputFile(path.toString(), 0, 0)); // only sizes the partitions
            }
        }
        return new InputFiles(input, new ArrayList<>(found.values()));
    }

    private static InputFile file(FileStatus s) {
        return new InputFile(s.getPath().toString(), s.getLen(), s.getModificationTime());
    }

    private static boolean hiddenBelow(Path root, Path file) {
        for (Path p = file; p != null && !p.equals(root); p = p.getParent()) {
            String name = p.getName();
            if (name.startsWith("_") || name.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    public String input() {
        return input;
    }

    public List<InputFile> files() {
        return files;
    }

    public long totalBytes() {
        return files.stream().mapToLong(f -> f.length).sum();
    }

    public List<String> paths() {
        List<String> out = new ArrayList<>();
        for (InputFile f : files) {
            out.add(f.path);
        }
        return out;
    }
}
