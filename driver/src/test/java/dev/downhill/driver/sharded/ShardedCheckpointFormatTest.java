package dev.downhill.driver.sharded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.checkpoint.ResumeRefusedException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A checkpoint slice file: every bit back (NaN payloads, -0.0), its size as stated, damage and mix-ups refused. */
class ShardedCheckpointFormatTest {
    private static final SliceLayout LAYOUT = new SliceLayout(20_003, 3);

    private static byte[] encode(long iteration, int s, double[] slice) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ShardedCheckpoint.encode(out, iteration, s, LAYOUT, slice);
        return out.toByteArray();
    }

    @Test
    void everyBitComesBack() throws IOException {
        double[] slice = new Random(5).doubles(LAYOUT.length(1), -1e300, 1e300).toArray();
        slice[0] = -0.0;
        slice[1] = Double.longBitsToDouble(0x7ff8_0000_dead_beefL); // a NaN with a payload
        slice[2] = Double.MIN_VALUE;
        byte[] file = encode(42, 1, slice);
        assertEquals(ShardedCheckpoint.fileBytes(slice.length), file.length);
        double[] back = ShardedCheckpoint.decode(file, 42, 1, LAYOUT, "f");
        assertEquals(slice.length, back.length);
        for (int j = 0; j < slice.length; j++) {
            assertEquals(Double.doubleToRawLongBits(slice[j]), Double.doubleToRawLongBits(back[j]), "entry " + j);
        }
        assertArrayEquals(file, encode(42, 1, back), "the same bytes written again");
    }

    @Test
    void aFlippedBitOrAnotherSliceOrIterationIsRefusedNamingTheFile() throws IOException {
        double[] slice = new double[LAYOUT.length(2)];
        byte[] file = encode(7, 2, slice);
        byte[] flipped = file.clone();
        flipped[ShardedCheckpoint.HEADER_BYTES + 11] ^= 0x01;
        ResumeRefusedException e = assertThrows(ResumeRefusedException.class,
                () -> ShardedCheckpoint.decode(flipped, 7, 2, LAYOUT, "x-part-00002-of-00003.slice"));
        assertTrue(e.getMessage().contains("x-part-00002-of-00003.slice fails its checksum"), e.getMessage());
        assertThrows(ResumeRefusedException.class, () -> ShardedCheckpoint.decode(file, 8, 2, LAYOUT, "f"));
        assertThrows(ResumeRefusedException.class, () -> ShardedCheckpoint.decode(file, 7, 1, LAYOUT, "f"));
    }
}
