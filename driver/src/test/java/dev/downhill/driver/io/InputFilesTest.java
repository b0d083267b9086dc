package dev.downhill.driver.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {

    @TempDir
    Path tmp;

    private Path root;

    @BeforeEach
    void realRoot() throws IOException {
        // Hadoop reports resolved local paths; compare against the real path of the temp folder.
        root = tmp.toRealPath();
    }

    private Path write(String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    private static InputFiles resolve(String input) {
        return InputFiles.resolve(input, new Configuration());
    }

    private static String failure(String input) {
        return assertThrows(BadInputException.class, () -> resolve(input)).getMessage();
    }

    /** The local file behind each resolved path ("file:/tmp/..."), in the order resolve() gives them. */
    private static List<Path> localFiles(InputFiles files) {
        return files.paths().stream()
                .map(p -> Path.of(new org.apache.hadoop.fs.Path(p).toUri().getPath()))
                .collect(Collectors.toList());
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
        }
    }

    @Test
    void singleFile() throws IOException {
        Path f = write("train.libsvm", "1 1:2\n0 2:3\n");
        InputFiles files = resolve(f.toString());
        assertEquals(List.of(f), localFiles(files));
        assertEquals(Files.size(f), files.files().get(0).length);
        assertEquals(Files.size(f), files.totalBytes());
        assertEquals(f.toString(), files.input());
    }

    @Test
    void folderIsReadRecursivelySkippingHiddenAndUnderscoreNames() throws IOException {
        Path a = write("data/a.libsvm", "1 1:1\n");
        Path b = write("data/sub/b.libsvm", "0 1:2\n");
        Path c = write("data/sub/deeper/c.libsvm", "1 2:1\n");
        // Markers and side files that Hadoop and Spark jobs leave behind are not data.
        write("data/_SUCCESS", "");
        write("data/.hidden", "not data");
        write("data/sub/.part-0.crc", "binary junk");
        write("data/_temporary/0/part-0", "half-written");
        write("data/.staging/x.libsvm", "1 1:1\n");
        InputFiles files = resolve(root.resolve("data").toString());
        assertEquals(List.of(a, b, c), localFiles(files));
        assertEquals(Files.size(a) + Files.size(b) + Files.size(c), files.totalBytes());
    }

    @Test
    void underscoreOrDotAboveTheInputFolderDoesNotHideIt() throws IOException {
        // Only names below the given folder are skipped; a user's folder may well live under "_work" or ".cache".
        Path f = write("_work/.cache/data/part-0.libsvm", "1 1:1\n");
        assertEquals(List.of(f), localFiles(resolve(root.resolve("_work/.cache/data").toString())));
    }

    @Test
    void filesAreSortedByPath() throws IOException {
        // Created out of order: the numbering (and so the row keys) must not depend on the listing order.
        List<Path> created = new ArrayList<>();
        for (String name : new String[] {"part-2", "part-10", "b/part-0", "part-1", "a/z"}) {
            created.add(write("data/" + name, "1 1:1\n"));
        }
        List<Path> resolved = localFiles(resolve(root.resolve("data").toString()));
        List<String> names = resolved.stream().map(p -> root.resolve("data").relativize(p).toString())
                .collect(Collectors.toList());
        // Plain string order: "part-10" before "part-2".
        assertEquals(List.of("a/z", "b/part-0", "part-1", "part-10", "part-2"), names);
        assertEquals(created.size(), resolved.size());
    }

    @Test
    void globSelectsMatchingFiles() throws IOException {
        Path x = write("data/x.csv", "1,2\n");
        write("data/y.txt", "1,2\n");
        Path z = write("data/z.csv", "1,3\n");
        InputFiles files = resolve(root.resolve("data").toString() + "/*.csv");
        assertEquals(List.of(x, z), localFiles(files));
    }

    @Test
    void globMatchingFoldersReadsThemRecursively() throws IOException {
        Path d1 = write("logs/day-1/part-0", "1 1:1\n");
        Path d2 = write("logs/day-2/nested/part-0", "1 1:1\n");
        write("logs/day-2/_SUCCESS", "");
        write("logs/other/part-0", "1 1:1\n");
        assertEquals(List.of(d1, d2), localFiles(resolve(root.resolve("logs").toString() + "/day-*")));
    }

    @Test
    void missingPathSaysItDoesNotExist() {
        String missing = root.resolve("no/such/file.libsvm").toString();
        assertContains(failure(missing), missing, "does not exist", "--input");
    }

    @Test
    void globMatchingNothingSaysSo() throws IOException {
        write("data/x.csv", "1,2\n");
        String glob = root.resolve("data").toString() + "/*.libsvm";
        String m = failure(glob);
        assertContains(m, glob, "matches no files");
    }

    @Test
    void folderOfEmptyFilesIsEmpty() throws IOException {
        write("data/a.csv", "");
        write("data/sub/b.csv", "");
        String input = root.resolve("data").toString();
        assertContains(failure(input), input, "is empty", "all 2 files have no bytes");
    }

    @Test
    void singleEmptyFileIsEmpty() throws IOException {
        Path f = write("empty.libsvm", "");
        assertContains(failure(f.toString()), f.toString(), "is empty", "the file has no bytes");
    }

    @Test
    void folderWithOnlySkippedFilesHoldsNoFiles() throws IOException {
        write("out/_SUCCESS", "");
        write("out/.part-0.crc", "x");
        String input = root.resolve("out").toString();
        assertContains(failure(input), input, "holds no files");
    }

    @Test
    void oneEmptyFileAmongOthersIsFine() throws IOException {
        // Empty parts are common in job output; only an input with no bytes at all is an error.
        Path a = write("data/part-0", "");
        Path b = write("data/part-1", "1 1:1\n");
        InputFiles files = resolve(root.resolve("data").toString());
        assertEquals(List.of(a, b), localFiles(files));
        assertEquals(0, files.files().get(0).length);
    }

    @Test
    void aGlobOverJobOutputSkipsUnderscoreAndDotEntries() throws IOException {
        Path part = write("out/part-0", "1 1:1\n");
        write("out/_SUCCESS", "");
        write("out/.part-0.crc", "x");
        write("out/_temporary/0/p", "1 1:1\n");
        assertEquals(List.of(part), localFiles(resolve(root.resolve("out") + "/*")));
    }

    @Test
    void aFileNamedExplicitlyIsReadWhateverItsName() throws IOException {
        Path hidden = write("data/_odd-name.libsvm", "1 1:1\n");
        assertEquals(List.of(hidden), localFiles(resolve(hidden.toString())));
    }
}
