package dev.downhill.driver.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;

/**
 * Start and end times of the Spark jobs of one job group, as the scheduler stamped them (milliseconds):
 * counts the passes a library makes over the data and times the ones it runs inside a single call.
 */
final class JobLog extends SparkListener {
    /** cpuNanosAtStart: the JVM's CPU time when the listener saw the start (a few ms late at most). */
    record Job(int id, long startMillis, long endMillis, long cpuNanosAtStart) {}

    private final List<long[]> started = new ArrayList<>();
    private final List<long[]> ended = new ArrayList<>();
    private String group;

    /** Forgets earlier jobs and records those of {@code jobGroup} from now on. */
    synchronized void watch(String jobGroup) {
        group = jobGroup;
        started.clear();
        ended.clear();
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart e) {
        Properties p = e.properties();
        if (group != null && p != null && group.equals(p.getProperty("spark.jobGroup.id"))) {
            started.add(new long[] {e.jobId(), e.time(), Result.processCpuNanos()});
        }
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd e) {
        ended.add(new long[] {e.jobId(), e.time()});
    }

    /**
     * The watched group's jobs in start order, once every one of them has ended; listener events arrive
     * asynchronously, so this waits (up to 30 s) for at least {@code atLeast} of them.
     */
    List<Job> jobs(int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            synchronized (this) {
                List<Job> out = new ArrayList<>();
                for (long[] s : started) {
                    Long end = null;
                    for (long[] e : ended) {
                        if (e[0] == s[0]) {
                            end = e[1];
                        }
                    }
                    if (end == null) {
                        out = null;
                        break;
                    }
                    out.add(new Job((int) s[0], s[1], end, s[2]));
                }
                if (out != null && out.size() >= atLeast) {
                    out.sort((a, b) -> Long.compare(a.startMillis(), b.startMillis()) != 0
                            ? Long.compare(a.startMillis(), b.startMillis()) : Integer.compare(a.id(), b.id()));
                    return out;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the listener did not see " + atLeast + " finished jobs of group "
                        + group + " within 30 s");
            }
            Thread.sleep(5);
        }
    }
}
