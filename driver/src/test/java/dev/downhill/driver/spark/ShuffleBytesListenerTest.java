package dev.downhill.driver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.TestSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/** Bytes per job group from Spark's task metrics, and the driver heap's figures. */
class ShuffleBytesListenerTest {
    private static SparkSession spark;
    private static JavaSparkContext jsc;

    @BeforeAll
    static void start() {
        spark = TestSpark.start("ShuffleBytesListenerTest");
        jsc = TestSpark.context(spark);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static List<Integer> numbers(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    @Test
    void countsTheShuffleAndTaskResultsOfItsGroupOnly() {
        ShuffleBytesListener bytes = ShuffleBytesListener.attach(jsc.sc(), "counted");
        try {
            jsc.setJobGroup("other", "not counted", false);
            jsc.parallelize(numbers(20_000), 4).mapToPair(i -> new Tuple2<>(i % 97, (long) i))
                    .reduceByKey(Long::sum, 3).count();
            ShuffleBytesListener.Bytes none = bytes.take();
            assertEquals(new ShuffleBytesListener.Bytes(0, 0, 0, 0), none);

            jsc.setJobGroup("counted", "counted", false);
            long n = jsc.parallelize(numbers(20_000), 4).mapToPair(i -> new Tuple2<>(i % 97, (long) i))
                    .reduceByKey(Long::sum, 3).count();
            assertEquals(97, n);
            ShuffleBytesListener.Bytes moved = bytes.take();
            assertTrue(moved.shuffleWritten() > 0, moved.toString());
            // Every shuffled byte is read once (locally here).
            assertEquals(moved.shuffleWritten(), moved.shuffleRead(), moved.toString());
            assertEquals(4 + 3, moved.tasks(), moved.toString());
            assertTrue(moved.taskResults() > 0, moved.toString());
            // take() starts a new interval.
            assertEquals(new ShuffleBytesListener.Bytes(0, 0, 0, 0), bytes.take());

            // A large result to the driver is counted as task results, not as shuffle.
            jsc.parallelize(numbers(4), 2).map(i -> new double[100_000]).collect();
            ShuffleBytesListener.Bytes results = bytes.take();
            assertEquals(0, results.shuffleWritten());
            assertTrue(results.taskResults() > 2 * 8 * 100_000, results.toString());
        } finally {
            bytes.detach();
            jsc.clearJobGroup();
        }
    }

    @Test
    void driverHeapPeaksCoverAnArrayHeldAcrossACollection() throws Exception {
        try (DriverHeap heap = DriverHeap.watch()) {
            long[] held = new long[16 << 20]; // 128 MiB
            held[held.length - 1] = 1;
            System.gc();
            long deadline = System.currentTimeMillis() + 10_000;
            while (heap.livePeakBytes() < 128L << 20 && System.currentTimeMillis() < deadline) {
                Thread.sleep(20); // the notification comes on another thread
            }
            assertTrue(heap.livePeakBytes() >= 128L << 20, "live peak " + heap.livePeakBytes());
            assertTrue(DriverHeap.peakBytes() >= heap.livePeakBytes(), DriverHeap.peakBytes() + " < live peak");
            assertTrue(DriverHeap.peakBytes() <= DriverHeap.maxBytes() + (64L << 20),
                    DriverHeap.peakBytes() + " > heap " + DriverHeap.maxBytes());
            assertEquals(1, held[held.length - 1]);
        }
    }
}
