package dev.downhill.core.optim;

/** Argument checks shared by the update rules and schedules; each message names the value it rejects. */
final class HyperParameters {
    private HyperParameters() {}

    /** v > 0 and finite. */
    static double positive(double v, String what) {
        if (!(v > 0.0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be positive and finite, got " + v);
        }
        return v;
    }

    /** v >= 0 and finite. */
    static double nonNegative(double v, String what) {
        if (!(v >= 0.0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be finite and >= 0, got " + v);
        }
        return v;
    }

    /** 0 <= v < 1 (a decay rate of a moving average or a momentum coefficient). */
    static double fraction(double v, String what) {
        if (!(v >= 0.0 && v < 1.0)) {
            throw new IllegalArgumentException(what + " must be in [0, 1), got " + v);
        }
        return v;
    }

    /** n >= 1. */
    static long atLeastOne(long n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + n);
        }
        return n;
    }

    /** The iteration index of a schedule: t = 1, 2, ... */
    static void iteration(long t) {
        if (t < 1) {
            throw new IllegalArgumentException("iteration t must be >= 1, got " + t);
        }
    }
}
