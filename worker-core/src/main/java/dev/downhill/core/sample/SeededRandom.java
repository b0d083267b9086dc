package dev.downhill.core.sample;

/**
 * SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
 * state += 0x9E3779B97F4A7C15, then a fixed 64-bit mix of the state. Written out here rather than using
 * java.util.SplittableRandom so that sampling is pinned to this exact algorithm on every JVM and version;
 * {@link #of} derives independent streams from a tuple such as (seed, epoch, partition).
 */
public final class SeededRandom {
    private long state;

    public SeededRandom(long seed) {
        this.state = seed;
    }

    /** A generator for the tuple {@code keys}, mixed one by one into the seed. */
    public static SeededRandom of(long seed, long... keys) {
        long s = mix(seed);
        for (long key : keys) {
            s = mix(s ^ mix(key + 0x632BE59BD9B4E019L));
        }
        return new SeededRandom(s);
    }

    /** The SplitMix64 finalizer: a bijection on 64-bit values with good avalanche. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound), unbiased (rejection of the short last range). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be > 0, got " + bound);
        }
        long limit = (1L << 32) - ((1L << 32) % bound);
        while (true) {
            long r = nextLong() >>> 32;
            if (r < limit) {
                return (int) (r % bound);
            }
        }
    }

    /** The current state, for checkpoints. */
    public long state() {
        return state;
    }
}
