package dev.downhill.driver.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** What one system measured on one data set. NaN or -1: not measured. */
final class Result {
    final String system;
    /** Generating, packing and caching the data (materialized). */
    double loadSeconds = Double.NaN;
    /** The timed iterations, in order (after the warm-up ones). */
    double[] iterationSeconds = new double[0];
    /** Median of iterationSeconds, or (ml-lr) the difference estimate. */
    double secondsPerIteration = Double.NaN;
    /**
     * CPU time of the whole process (every thread, JIT and GC included) per timed iteration, mean. Steadier
     * than wall time on a shared machine. NaN: not measured.
     */
    double cpuSecondsPerIteration = Double.NaN;
    /** ml-lr only: fit time that is not iterations. */
    double setupSeconds = Double.NaN;
    /** Spark's estimate of the cached representation (memSize), or the packed arrays for the raw loop. */
    long cachedBytes = -1;
    /** Mean data loss at the common starting point theta0 (intercept 0), to check that the data agree. */
    double lossAtStart = Double.NaN;
    /** Anything else worth keeping in the JSON. */
    final Map<String, Object> extra = new LinkedHashMap<>();

    Result(String system) {
        this.system = system;
    }

    /**
     * Collects garbage before timed iterations, after the data are loaded: otherwise G1 tidies the freshly
     * cached data (mixed collections of 10-100 ms) during whichever system's iterations come next.
     */
    static void settle() {
        System.gc();
    }

    /** CPU nanoseconds used by this JVM so far (Linux counts it in 10 ms ticks: average over many iterations). */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("secondsPerIteration", secondsPerIteration);
        m.put("iterationSeconds", iterationSeconds);
        m.put("cpuSecondsPerIteration", cpuSecondsPerIteration);
        m.put("loadSeconds", loadSeconds);
        if (!Double.isNaN(setupSeconds)) {
            m.put("setupSeconds", setupSeconds);
        }
        m.put("cachedBytes", cachedBytes < 0 ? null : cachedBytes);
        m.put("lossAtStart", lossAtStart);
        m.putAll(extra);
        return m;
    }
}
