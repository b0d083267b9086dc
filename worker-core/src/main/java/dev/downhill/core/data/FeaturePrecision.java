package dev.downhill.core.data;

/**
 * How a block stores feature values. FLOAT64 keeps them exactly; FLOAT32 rounds each to the nearest float
 * (relative error at most 2^-24, about 6e-8), halving the memory of dense blocks and the memory traffic
 * of every pass. Either way every product and sum is computed in double (a float widens to double
 * exactly), so the objective is the exact-arithmetic objective of the stored values up to double rounding.
 * Labels and instance weights are always doubles.
 */
public enum FeaturePrecision {
    FLOAT64(8),
    FLOAT32(4);

    private final int bytes;

    FeaturePrecision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes of one stored value. */
    public int bytesPerValue() {
        return bytes;
    }
}
