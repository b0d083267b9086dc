package dev.downhill.driver.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --overwrite's removal of an earlier run's files: Downhill's names only, a sharded run's checkpoint slices too. */
class OutputFolderTest {
    @TempDir
    Path dir;

    @Test
    void overwriteRemovesAShardedCheckpointsSlicesAndLeavesOtherFiles() throws IOException {
        Path checkpoints = Files.createDirectories(dir.resolve("checkpoints"));
        Files.write(checkpoints.resolve("checkpoint-0000000005.ckpt"), new byte[] {1});
        Path slices = Files.createDirectories(checkpoints.resolve("checkpoint-0000000005.slices"));
        Files.write(slices.resolve("x-part-00000-of-00002.slice"), new byte[] {1});
        Files.write(slices.resolve("s-3-part-00001-of-00002.slice"), new byte[] {1});
        Files.write(slices.resolve(".y-0-part-00001-of-00002.slice.tmp"), new byte[] {1});
        Path other = Files.createDirectories(checkpoints.resolve("checkpoint-0000000010.slices"));
        Files.write(other.resolve("notes.txt"), new byte[] {1});
        Files.write(checkpoints.resolve("notes.txt"), new byte[] {1});

        FileSystem fs = FileSystem.getLocal(new Configuration());
        List<String> removed = OutputFolder.removeTrainFiles(fs, new org.apache.hadoop.fs.Path(dir.toUri()));
        assertEquals(List.of("1 checkpoint"), removed);
        assertFalse(Files.exists(slices), "the slices folder of checkpoint 5");
        assertTrue(Files.exists(other.resolve("notes.txt")), "a file Downhill does not name");
        assertTrue(Files.exists(checkpoints.resolve("notes.txt")), "a file Downhill does not name");
    }
}
