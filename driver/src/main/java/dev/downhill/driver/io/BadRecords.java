package dev.downhill.driver.io;

import java.util.Locale;
import java.util.TreeMap;

/**
 * What on-bad-record=skip left out: counts per kind of problem and the first examples in file order.
 * Records are counted exactly once (bad rows travel with the data through the loading shuffle rather
 * than through accumulators, which retries can count twice), so the counts are exact and reruns agree.
 */
public final class BadRecords {
    private final TreeMap<String, Long> counts = new TreeMap<>();
    /** Example messages keyed by their row key, so the first in file order come first. */
    private final TreeMap<Long, String> examples = new TreeMap<>();
    private final long totalRecords;

    /** @param totalRecords every record read, good and bad (blank and comment lines are not records) */
    public BadRecords(long totalRecords) {
        this.totalRecords = totalRecords;
    }

    /** Adds {@code count} records of one kind, with the first one's key and message (or null). */
    public void add(String category, long count, long exampleKey, String example) {
        if (count <= 0) {
            return;
        }
        counts.merge(category, count, Long::sum);
        if (example != null) {
            addExample(exampleKey, example);
        }
    }

    /** Keeps an example if it is among the first in file order. */
    public void addExample(long key, String message) {
        examples.put(key, message);
        while (examples.size() > InputSummary.MAX_EXAMPLES) {
            examples.pollLastEntry();
        }
    }

    public long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    public long totalRecords() {
        return totalRecords;
    }

    public double fraction() {
        return totalRecords == 0 ? 0.0 : (double) total() / totalRecords;
    }

    /** The report printed at the end of loading: counts per kind, then the first examples. */
    public String describe() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "skipped %d of %d records (%.4f%%) as bad:%n", total(), totalRecords, 100.0 * fraction()));
        counts.forEach((category, n) -> sb.append(String.format(Locale.ROOT, "  %10d  %s%n", n, category)));
        if (!examples.isEmpty()) {
            sb.append("first ").append(examples.size() == 1 ? "example" : examples.size() + " examples")
                    .append(" in file order:").append(System.lineSeparator());
            examples.values().forEach(e -> sb.append("  ").append(e).append(System.lineSeparator()));
        }
        return sb.toString();
    }

    /** Fails when more than {@code maxFraction} of the records were bad, or when nothing is left. */
    public void enforce(double maxFraction) {
        if (total() == totalRecords) {
            throw new BadInputException("every record is bad: nothing left to train on.\n" + describe().trim());
        }
        if (fraction() > maxFraction) {
            throw new BadInputException(String.format(Locale.ROOT,
                    "%.4f%% of the records are bad, more than --max-bad-fraction %s allows, so the run stops"
                            + " rather than train on what is left (raise it to accept them).%n%s",
                    100.0 * fraction(), maxFraction, describe().trim()));
        }
    }
}
