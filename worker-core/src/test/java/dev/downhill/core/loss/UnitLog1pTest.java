package dev.downhill.core.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UnitLog1pTest {
    private static void same(double x) {
        assertEquals(Double.doubleToRawLongBits(StrictMath.log1p(x)), Double.doubleToRawLongBits(UnitLog1p.log1p(x)),
                () -> "log1p(" + x + ")");
    }

    @Test
    void givesTheBitsOfStrictMathOnZeroToOne() {
        SplittableRandom rnd = new SplittableRandom(15);
        for (int i = 0; i < 400_000; i++) {
            same(rnd.nextDouble());
            same(Math.exp(-Math.abs(10 * rnd.nextGaussian())));
            same(Double.longBitsToDouble(rnd.nextLong(0, Double.doubleToRawLongBits(1.0) + 1)));
            same(Math.scalb(rnd.nextDouble(), -rnd.nextInt(1100)));
        }
        // Around the branch points: x = 2^-54, 2^-29, 0.41422 (high word 0x3FDA827A), and 1 + x with the
        // mantissa near sqrt(2) (high word 0x6a09e), where the reduction switches to u / 2.
        for (long hi : new long[] {0x3c900000L, 0x3e200000L, 0x3FDA827AL}) {
            for (int j = 0; j < 20_000; j++) {
                same(Double.longBitsToDouble(((hi + rnd.nextInt(-2, 2)) << 32) | (rnd.nextLong() & 0xffffffffL)));
            }
        }
        for (int j = 0; j < 200_000; j++) {
            long hi = 0x3ff00000L | (0x6a09e + rnd.nextInt(-64, 64));
            same(Double.longBitsToDouble((hi << 32) | (rnd.nextLong() & 0xffffffffL)) - 1.0);
        }
        for (double x : new double[] {0.0, Double.MIN_VALUE, Double.MIN_NORMAL, 0x1p-20, Math.sqrt(2) - 1,
                Math.nextDown(1.0), 1.0}) {
            same(x);
        }
    }

    @Test
    void leavesOtherArgumentsToMathLog1p() {
        for (double x : new double[] {-0.0, -0.5, -1.0, -2.0, Math.nextUp(1.0), 3.0, 1e300, Double.POSITIVE_INFINITY,
                Double.NaN}) {
            same(x);
        }
    }
}
