package dev.downhill.driver.spark;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Bytes a run moves between machines, from Spark's task metrics: shuffle bytes written and read, and the task
 * results sent to the driver (where a tree aggregation's last level lands), summed over the tasks of the jobs in
 * one job group since the last {@link #take}. Listener events arrive asynchronously, so {@link #take} first
 * waits (briefly) for Spark's listener bus to drain, so the figures cover every task finished before the call.
 */
public final class ShuffleBytesListener extends SparkListener {
    /** Bytes moved by the tasks counted in one interval. */
    public record Bytes(long shuffleWritten, long shuffleRead, long taskResults, long tasks) {}

    private static final long WAIT_MILLIS = 10_000;
    /** The job property Spark's setJobGroup sets (SparkContext.SPARK_JOB_GROUP_ID, private to Spark). */
    private static final String JOB_GROUP_PROPERTY = "spark.jobGroup.id";

    private final SparkContext sc;
    private final String jobGroup;
    private final Set<Integer> stages = ConcurrentHashMap.newKeySet();
    private long shuffleWritten;
    private long shuffleRead;
    private long taskResults;
    private long tasks;

    private ShuffleBytesListener(SparkContext sc, String jobGroup) {
        this.sc = sc;
        this.jobGroup = jobGroup;
    }

    /** A listener counting the tasks of {@code jobGroup}'s jobs (every job when null), added to {@code sc}. */
    public static ShuffleBytesListener attach(SparkContext sc, String jobGroup) {
        ShuffleBytesListener l = new ShuffleBytesListener(sc, jobGroup);
        sc.addSparkListener(l);
        return l;
    }

    /** Stops counting. */
    public void detach() {
        sc.removeSparkListener(this);
    }

    @Override
    public void onJobStart(SparkListenerJobStart job) {
        String group = job.properties() == null ? null : job.properties().getProperty(JOB_GROUP_PROPERTY);
        if (jobGroup == null || jobGroup.equals(group)) {
            scala.jdk.javaapi.CollectionConverters.asJava(job.stageIds()).forEach(s -> stages.add((Integer) s));
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd task) {
        TaskMetrics m = task.taskMetrics();
        if (m == null || !stages.contains(task.stageId())) {
            return;
        }
        synchronized (this) {
            shuffleWritten += m.shuffleWriteMetrics().bytesWritten();
            shuffleRead += m.shuffleReadMetrics().totalBytesRead();
            taskResults += m.resultSize();
            tasks++;
        }
    }

    /** The bytes counted since the last call (or since attached), after the listener bus has drained. */
    public Bytes take() {
        try {
            sc.listenerBus().waitUntilEmpty(WAIT_MILLIS);
        } catch (TimeoutException e) {
            // A busy bus: the figures may miss the last tasks, which the next interval then counts.
        }
        synchronized (this) {
            Bytes b = new Bytes(shuffleWritten, shuffleRead, taskResults, tasks);
            shuffleWritten = 0;
            shuffleRead = 0;
            taskResults = 0;
            tasks = 0;
            return b;
        }
    }
}
