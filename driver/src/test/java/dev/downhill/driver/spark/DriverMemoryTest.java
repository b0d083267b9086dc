package dev.downhill.driver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The heap advice names the option of the launcher that ran, with a size above the need and the heap. */
class DriverMemoryTest {
    private static final long GIB = 1L << 30;

    @Test
    void eachLauncherGetsItsOwnOption() {
        assertEquals("the driver's heap is 1.0 GiB; run scripts/downhill again with --driver-memory 3g (or set"
                + " DOWNHILL_DRIVER_MEMORY=3g)", DriverMemory.advice("scripts/downhill", false, 2 * GIB, GIB));
        assertEquals("the driver's heap is 4.0 GiB; run scripts/downhill-submit again with --driver-memory 5g before"
                + " the command (e.g. scripts/downhill-submit --master URL --driver-memory 5g train ...)",
                DriverMemory.advice("scripts/downhill-submit", true, GIB, 4 * GIB));
        assertEquals("the driver's heap is 1.0 GiB; give spark-submit --driver-memory 2g (before the application jar)",
                DriverMemory.advice(null, true, 0, GIB));
        assertEquals("the driver's heap is 0.5 GiB; start the JVM with -Xmx15g",
                DriverMemory.advice(null, false, 10 * GIB, GIB / 2));
    }
}
