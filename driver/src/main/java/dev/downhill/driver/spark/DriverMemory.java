package dev.downhill.driver.spark;

import java.util.Locale;

/**
 * How to give the driver more heap, in the words of the launcher the user ran: {@code scripts/downhill} and
 * {@code scripts/downhill-submit} say who they are in the environment variable {@value #LAUNCHER_ENV}; under
 * spark-submit otherwise it is spark-submit's {@code --driver-memory}; elsewhere (the Java API, a plain
 * {@code java} command) the JVM's {@code -Xmx}.
 */
public final class DriverMemory {
    private DriverMemory() {}

    public static final String LAUNCHER_ENV = "DOWNHILL_LAUNCHER";

    /** The advice for this process, for a driver that needs about {@code neededBytes} of heap. */
    public static String advice(long neededBytes) {
        return advice(System.getenv(LAUNCHER_ENV), System.getProperty("spark.submit.deployMode") != null,
                neededBytes, Runtime.getRuntime().maxMemory());
    }

    /** A sentence naming the option that works for {@code launcher}, with a size above both figures. */
    static String advice(String launcher, boolean underSparkSubmit, long neededBytes, long heapBytes) {
        // Half as much again as needed (the rest of the driver lives there too), and at least 1 GiB more than now.
        long gib = 1L << 30;
        long want = Math.max(neededBytes + neededBytes / 2, heapBytes + gib);
        String size = ((want + gib - 1) / gib) + "g";
        String now = String.format(Locale.ROOT, "the driver's heap is %.1f GiB", heapBytes / (double) gib);
        if ("scripts/downhill".equals(launcher)) {
            return now + "; run scripts/downhill again with --driver-memory " + size
                    + " (or set DOWNHILL_DRIVER_MEMORY=" + size + ")";
        }
        if ("scripts/downhill-submit".equals(launcher)) {
            return now + "; run scripts/downhill-submit again with --driver-memory " + size
                    + " before the command (e.g. scripts/downhill-submit --master URL --driver-memory " + size
                    + " train ...)";
        }
        if (underSparkSubmit) {
            return now + "; give spark-submit --driver-memory " + size + " (before the application jar)";
        }
        return now + "; start the JVM with -Xmx" + size;
    }
}
