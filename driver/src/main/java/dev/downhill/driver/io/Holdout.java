package dev.downhill.driver.io;

import dev.downhill.core.sample.SeededRandom;
import java.io.Serializable;

/**
 * The deterministic validation split: a row is held out when a seeded hash of its content (label, weight,
 * feature indices and values) falls below the fraction. It depends on the row alone, never on its
 * position, partition or the cluster, so the same rows are held out on every run; identical rows land on
 * the same side, so duplicates cannot leak from training into validation.
 */
public final class Holdout implements Serializable {
    private static final long serialVersionUID = 1L;

    private final long seed;
    private final double fraction;

    public Holdout(long seed, double fraction) {
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 1), got " + fraction);
        }
        this.seed = seed;
        this.fraction = fraction;
    }

    /** The fraction of rows held out. */
    public double fraction() {
        return fraction;
    }

    public boolean isEnabled() {
        return fraction > 0;
    }

    public boolean heldOut(ParsedRow r) {
        if (fraction == 0) {
            return false;
        }
        long h = SeededRandom.mix(seed ^ 0x5DEECE66DL);
        h = SeededRandom.mix(h ^ Double.doubleToLongBits(r.label));
        h = SeededRandom.mix(h ^ Double.doubleToLongBits(r.weight));
        if (r.indices != null) {
            for (int i = 0; i < r.indices.length; i++) {
                h = SeededRandom.mix(h ^ ((long) r.indices[i] << 1 | 1));
                h = SeededRandom.mix(h ^ Double.doubleToLongBits(r.values[i] + 0.0)); // -0.0 and 0.0 alike
            }
        } else {
            for (int j = 0; j < r.values.length; j++) {
                if (r.values[j] != 0) { // dense and sparse spellings of a row hash alike
                    h = SeededRandom.mix(h ^ ((long) j << 1 | 1));
                    h = SeededRandom.mix(h ^ Double.doubleToLongBits(r.values[j]));
                }
            }
        }
        return (h >>> 11) * 0x1.0p-53 < fraction;
    }
}
