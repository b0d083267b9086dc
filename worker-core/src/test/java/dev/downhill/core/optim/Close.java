package dev.downhill.core.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Comparisons to 1e-15 relative (a few ulps): hand-computed values against the rules' arithmetic. */
final class Close {
    static final double RELATIVE = 1e-15;

    private Close() {}

    static void close(double expected, double actual, String what) {
        assertEquals(expected, actual, RELATIVE * Math.abs(expected), what);
    }

    static void close(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int j = 0; j < expected.length; j++) {
            close(expected[j], actual[j], what + "[" + j + "]");
        }
    }
}
