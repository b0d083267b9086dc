package dev.downhill.driver.spark;

import dev.downhill.core.objective.GradientAccumulator;
import java.io.Serializable;

/**
 * One partition's accumulator with the time its task spent computing it; merging keeps the longest
 * task time, which is what the iteration waited for.
 */
public final class TimedPartial implements Serializable {
    private static final long serialVersionUID = 1L;

    final GradientAccumulator accumulator;
    long computeNanos;

    TimedPartial(GradientAccumulator accumulator, long computeNanos) {
        this.accumulator = accumulator;
        this.computeNanos = computeNanos;
    }

    TimedPartial merge(TimedPartial other) {
        accumulator.merge(other.accumulator);
        computeNanos = Math.max(computeNanos, other.computeNanos);
        return this;
    }
}
