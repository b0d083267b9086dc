package dev.downhill.driver.train;

import dev.downhill.driver.spark.DriverHeap;
import dev.downhill.driver.spark.ShuffleBytesListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's summary of what each iteration cost beyond its objective: the median seconds per iteration, the
 * median bytes shuffled (written) and sent to the driver as task results per iteration, and the driver's heap
 * peak. Per-iteration figures are in metrics.jsonl; the first iteration's bytes include the starting point's pass.
 */
final class RunFootprint {
    private final List<long[]> iterations = new ArrayList<>();

    void iteration(long nanos, ShuffleBytesListener.Bytes moved) {
        iterations.add(new long[] {nanos, moved.shuffleWritten(), moved.shuffleRead(), moved.taskResults()});
    }

    /** Puts the summary into {@code into} (the report's resources table). */
    void describe(Map<String, String> into, long livePeakBytes) {
        long max = DriverHeap.maxBytes();
        into.put("driver heap peak", String.format(Locale.ROOT, "%s of %s (sum of the heap pools' peaks)",
                size(DriverHeap.peakBytes()), size(max)));
        if (livePeakBytes >= 0) {
            into.put("driver heap live peak", size(livePeakBytes) + " (the most in use right after a collection)");
        }
        if (iterations.isEmpty()) {
            return;
        }
        into.put("seconds per iteration", String.format(Locale.ROOT, "%.3f (median of %d)",
                median(0) / 1e9, iterations.size()));
        into.put("bytes shuffled per iteration", String.format(Locale.ROOT, "%s written, %s read (median)",
                size(median(1)), size(median(2))));
        into.put("task results to the driver per iteration", size(median(3)) + " (median)");
    }

    private double median(int column) {
        long[] v = iterations.stream().mapToLong(a -> a[column]).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }

    static String size(double bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (bytes >= 1024 && u < units.length - 1) {
            bytes /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", bytes)
                : String.format(Locale.ROOT, "%.1f %s", bytes, units[u]);
    }
}
