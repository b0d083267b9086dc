package dev.downhill.driver.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rows are quoted in messages by reading their line back from the file at the row key's byte offset. */
class RowLocatorTest {
    @TempDir
    Path dir;

    private static final String TEXT = "1 1:0.5\r\n0 2:0.25\n7 1:0.9 2:0.1\n";
    /** Byte offset of the third line. */
    private static final long THIRD = "1 1:0.5\r\n0 2:0.25\n".getBytes(StandardCharsets.UTF_8).length;

    @Test
    void quotesTheLineOfAPlainFile() throws IOException {
        Path f = Files.writeString(dir.resolve("a.libsvm"), TEXT);
        RowLocator rows = new RowLocator(List.of(f.toUri().toString()), new Configuration());
        assertEquals(f.toUri() + " line 3 (\"7 1:0.9 2:0.1\")", rows.describe(new RowRef(RowKey.of(0, THIRD), 3, 7)));
        // A CRLF line ending is not part of the text.
        assertEquals("1 1:0.5", rows.text(new RowRef(RowKey.of(0, 0), 1, 1)));
    }

    @Test
    void quotesTheLineOfAGzipFileByDecompressedOffset() throws IOException {
        Path f = dir.resolve("a.libsvm.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write(TEXT.getBytes(StandardCharsets.UTF_8));
        }
        RowLocator rows = new RowLocator(List.of(f.toUri().toString()), new Configuration());
        assertEquals("7 1:0.9 2:0.1", rows.text(new RowRef(RowKey.of(0, THIRD), 3, 7)));
    }

    @Test
    void withoutAConfigurationOrAReadableFileOnlyTheLocationIsGiven() {
        String missing = dir.resolve("gone.libsvm").toUri().toString();
        RowRef r = new RowRef(RowKey.of(0, 10), 2, 0);
        assertEquals(missing + " line 2", new RowLocator(List.of(missing)).describe(r));
        assertNull(new RowLocator(List.of(missing), new Configuration()).text(r));
        assertEquals(missing + " line 2", new RowLocator(List.of(missing), new Configuration()).describe(r));
    }
}
