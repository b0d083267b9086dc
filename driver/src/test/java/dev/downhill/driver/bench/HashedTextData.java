package dev.downhill.driver.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Seeded text-like sparse logistic data with hashed features (the hashing trick of Weinberger et al., "Feature
 * Hashing for Large Scale Multitask Learning", ICML 2009). Row i is a pure function of (seed, i):
 * <ul>
 *   <li>it has between {@code minTokens} and {@code maxTokens} tokens (uniform), each a word rank r in 1..V drawn
 *       from a Zipf-like law P(r) ~ r^-s (a bounded Pareto, inverse CDF r = ((V^(1-s) - 1) u + 1)^(1/(1-s))), so
 *       a few words are in most rows and most words are rare, as in text;</li>
 *   <li>word r goes to bucket h(r) = mix(seed', r) mod 2^k; the row's value in a bucket is its count of words
 *       there (term frequency), so tens of non-zeros a row;</li>
 *   <li>the label is a draw of the logistic model P(y = 1) = sigma(w*.x + b*), with a sparse true model: bucket j
 *       has weight N(0, sigma_w^2) with probability 1/{@value #TRUE_MODEL_ONE_IN}, else 0 (a function of (seed,
 *       j): nothing of size 2^k is ever held).</li>
 * </ul>
 * Written as LIBSVM (1-based increasing indices) to a folder of part files.
 */
public final class HashedTextData {
    static final double ZIPF_EXPONENT = 1.1;
    static final long VOCABULARY = 50_000_000L;
    static final int TRUE_MODEL_ONE_IN = 20;
    static final double INTERCEPT = -0.5;
    private static final long GOLDEN = 0x9e3779b97f4a7c15L;

    final long seed;
    final int log2Features;
    final int minTokens;
    final int maxTokens;
    private final long mask;
    private final double weightScale;

    public HashedTextData(long seed, int log2Features, int minTokens, int maxTokens) {
        if (log2Features < 1 || log2Features > 30 || minTokens < 1 || maxTokens < minTokens) {
            throw new IllegalArgumentException("need 1 <= log2 features <= 30 and 1 <= min <= max tokens");
        }
        this.seed = seed;
        this.log2Features = log2Features;
        this.minTokens = minTokens;
        this.maxTokens = maxTokens;
        this.mask = (1L << log2Features) - 1;
        // About (min + max) / 2 / TRUE_MODEL_ONE_IN weighted words a row: margins of standard deviation ~2.
        this.weightScale = 2.0 / Math.sqrt(Math.max(1.0, (minTokens + maxTokens) / 2.0 / TRUE_MODEL_ONE_IN));
    }

    int numFeatures() {
        return 1 << log2Features;
    }

    /** The true weight of bucket j (0-based). */
    double trueWeight(long j) {
        long h = SyntheticData.mix(seed * GOLDEN ^ 0x7e11e5L ^ j * 0xd6e8feb86659fd93L);
        if (Long.remainderUnsigned(h, TRUE_MODEL_ONE_IN) != 0) {
            return 0.0;
        }
        long h2 = SyntheticData.mix(h ^ GOLDEN);
        // Box-Muller from two uniforms of the bucket's own stream.
        double u1 = Math.max(SyntheticData.unit(h2), 0x1.0p-53);
        double u2 = SyntheticData.unit(SyntheticData.mix(h2 + GOLDEN));
        return weightScale * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** Word rank (1..V) of uniform u, Zipf-like with exponent s. */
    static long zipfRank(double u) {
        double a = 1 - ZIPF_EXPONENT;
        double r = Math.pow((Math.pow(VOCABULARY, a) - 1) * u + 1, 1 / a);
        return Math.min(VOCABULARY, Math.max(1, (long) r));
    }

    long bucket(long word) {
        return SyntheticData.mix(word * GOLDEN ^ seed ^ 0xb0c4e7L) & mask;
    }

    /** Row i as a LIBSVM line (without the newline), appended to {@code sb} after clearing it. */
    String line(long i, StringBuilder sb) {
        long state = SyntheticData.mix(seed ^ SyntheticData.mix(i + 0x5ca1eL));
        state = SyntheticData.mix(state + GOLDEN);
        int tokens = minTokens + (int) Long.remainderUnsigned(state, maxTokens - minTokens + 1);
        long[] buckets = new long[tokens];
        for (int t = 0; t < tokens; t++) {
            state = SyntheticData.mix(state + GOLDEN);
            buckets[t] = bucket(zipfRank(SyntheticData.unit(state)));
        }
        Arrays.sort(buckets);
        double margin = INTERCEPT;
        sb.setLength(0);
        int at = sb.length();
        sb.append("0"); // the label, set below
        for (int t = 0; t < tokens; ) {
            int u = t;
            while (u < tokens && buckets[u] == buckets[t]) {
                u++;
            }
            int count = u - t;
            margin += count * trueWeight(buckets[t]);
            sb.append(' ').append(buckets[t] + 1).append(':').append(count);
            t = u;
        }
        state = SyntheticData.mix(state + GOLDEN);
        boolean positive = SyntheticData.unit(state) < 1 / (1 + Math.exp(-margin));
        sb.setCharAt(at, positive ? '1' : '0');
        return sb.toString();
    }

    /** Writes rows [0, rows) as LIBSVM into {@code folder} (created), in {@code files} part files; returns it. */
    public Path write(Path folder, long rows, int files) throws IOException {
        Files.createDirectories(folder);
        StringBuilder sb = new StringBuilder();
        for (int f = 0; f < files; f++) {
            long from = SyntheticData.partitionStart(rows, files, f);
            long to = SyntheticData.partitionStart(rows, files, f + 1);
            Path part = folder.resolve(String.format(Locale.ROOT, "part-%05d.libsvm", f));
            try (BufferedWriter w = Files.newBufferedWriter(part, StandardCharsets.UTF_8)) {
                for (long i = from; i < to; i++) {
                    w.write(line(i, sb));
                    w.write('\n');
                }
            }
        }
        return folder;
    }
}
