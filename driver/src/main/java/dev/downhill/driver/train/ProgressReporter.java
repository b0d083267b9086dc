package dev.downhill.driver.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.core.optim.IterationListener;
import dev.downhill.core.optim.IterationListener.IterationReport;
import dev.downhill.core.optim.OptimizerState;
import dev.downhill.driver.spark.DriverHeap;
import dev.downhill.driver.spark.ShuffleBytesListener;
import dev.downhill.driver.spark.SparkDataLoss;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * What a user watches during training: a plain line every {@code every}-th iteration with the objective,
 * ||grad f||, the step, the iteration's time split into executor compute (the slowest task), aggregation
 * (scheduling, transfer, merging) and the driver's update, and an ETA from the convergence rate (none until there
 * is one: {@link #remainingIterations}), never from the iteration limit alone; one
 * metrics.jsonl record per iteration; and the Spark UI job description of the next iteration. In an
 * interactive terminal a live bar takes the lines' place ({@link ProgressDisplay}).
 */
final class ProgressReporter implements IterationListener {
    private final PrintStream out;
    private final MetricsLog metrics;
    /** The distributed passes' timing since the previous iteration. */
    private final java.util.function.Supplier<SparkDataLoss.Timing> data;
    private final JavaSparkContext jsc;
    private final long maxIter;
    private final int every;
    private final int width;
    private final TrainingReport report;
    private final long startNanos = System.nanoTime();
    private final ProgressDisplay display;
    private long firstIteration = -1;
    /** --tol and --rel-tol: the stationarity the run stops at is max(tol, relTol * ||grad f(start)||). */
    private final double tol;
    private final double relTol;
    /** The last iterations seen: (iteration, log of the smallest stationarity so far), oldest first. */
    private final java.util.ArrayDeque<double[]> recent = new java.util.ArrayDeque<>();
    private double smallest = Double.POSITIVE_INFINITY;
    private String metricName;
    private java.util.function.DoubleSupplier metric;
    /** What the run costs beyond time: bytes moved per iteration, and the driver's heap (issue #14). */
    private final ShuffleBytesListener bytes;
    private final DriverHeap heap;
    private final RunFootprint footprint = new RunFootprint();

    ProgressReporter(PrintStream out, MetricsLog metrics, TrainingReport report,
                     java.util.function.Supplier<SparkDataLoss.Timing> data,
                     JavaSparkContext jsc, long maxIter, int every) {
        this.report = report;
        this.out = out;
        this.metrics = metrics;
        this.data = data;
        this.jsc = jsc;
        this.maxIter = maxIter;
        this.every = every;
        this.width = String.valueOf(maxIter).length();
        this.tol = setting(report, "tol");
        this.relTol = setting(report, "rel-tol");
        // TrainCommand hands its settings to the report; the bar ends when training closes the metrics log.
        this.display = ProgressDisplay.choose(out, report.settings().get("progress-bar"),
                jsc.getConf().get("spark.submit.deployMode", "client"), maxIter);
        metrics.onClose(display::close);
        this.bytes = ShuffleBytesListener.attach(jsc.sc(), TrainCommand.JOB_GROUP);
        this.heap = DriverHeap.watch();
        metrics.onClose(() -> {
            bytes.detach();
            heap.close();
            footprint.describe(report.resources(), heap.livePeakBytes());
        });
    }

    /** Adds the validation metric (accuracy or rmse) of the latest validation pass to lines and records. */
    void validationMetric(String name, java.util.function.DoubleSupplier value) {
        this.metricName = name;
        this.metric = value;
    }

    @Override
    public void iterationDone(OptimizerState state, IterationReport it) {
        double gradientNorm = it.stationarity();
        long nanos = it.nanos();
        long iteration = state.iteration();
        if (firstIteration < 0) {
            firstIteration = iteration;
        }
        SparkDataLoss.Timing t = data.get();
        long updateNanos = Math.max(0, nanos - t.passNanos);
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        long done = iteration - firstIteration + 1;
        smallest = Math.min(smallest, gradientNorm);
        recent.addLast(new double[] {iteration, Math.log(smallest)});
        if (recent.size() > RATE_WINDOW) {
            recent.removeFirst();
        }
        double start = state.scalar(dev.downhill.core.optim.Minimizer.START, Double.NaN);
        long remaining = remainingIterations(recent, Math.max(tol, relTol * start), maxIter - iteration);
        String eta = remaining < 0 ? "" : "  ETA " + duration(elapsed / done * remaining);
        String line = String.format(Locale.ROOT, "iteration %" + width + "d/%d  objective %.12g  |grad| %.3e"
                        + "  step %.3e%s  %d ms (compute %d, aggregation %d, update %d)%s",
                iteration, maxIter, it.objective(), gradientNorm, state.lastStepSize(),
                Double.isNaN(it.validationLoss()) ? ""
                        : metric == null ? String.format(Locale.ROOT, "  validation loss %.6g", it.validationLoss())
                        : String.format(Locale.ROOT, "  validation loss %.6g %s %.4f", it.validationLoss(),
                        metricName, metric.getAsDouble()), nanos / 1_000_000,
                t.computeNanos / 1_000_000, t.aggregationNanos() / 1_000_000, updateNanos / 1_000_000,
                eta);
        display.iteration(iteration, line, iteration % every == 0 || iteration == maxIter, it.objective(),
                gradientNorm, remaining < 0 ? -1 : iteration + remaining);
        report.iteration(iteration, it.objective(), gradientNorm, it.validationLoss());
        ObjectNode r = metrics.newRecord();
        r.put("iteration", iteration);
        r.put("objective", it.objective());
        r.put("gradientNorm", gradientNorm);
        r.put("step", state.lastStepSize());
        if (!Double.isNaN(it.validationLoss())) {
            r.put("validationLoss", it.validationLoss());
        }
        if (!Double.isNaN(it.validationLoss()) && metric != null) { // a sharded run has the loss only
            r.put("validation" + Character.toUpperCase(metricName.charAt(0)) + metricName.substring(1),
                    metric.getAsDouble());
        }
        r.put("evaluations", state.evaluations());
        r.put("millis", nanos / 1e6);
        r.put("computeMillis", t.computeNanos / 1e6);
        r.put("aggregationMillis", t.aggregationNanos() / 1e6);
        r.put("updateMillis", updateNanos / 1e6);
        r.put("elapsedSeconds", elapsed);
        ShuffleBytesListener.Bytes moved = bytes.take();
        r.put("shuffleWriteBytes", moved.shuffleWritten());
        r.put("shuffleReadBytes", moved.shuffleRead());
        r.put("taskResultBytes", moved.taskResults());
        r.put("driverHeapPeakBytes", DriverHeap.peakBytes());
        r.put("driverHeapLivePeakBytes", heap.livePeakBytes());
        footprint.iteration(nanos, moved);
        if (remaining >= 0) {
            r.put("etaIterations", remaining);
        }
        try {
            metrics.write(r);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + MetricsLog.NAME, e);
        }
        jsc.setJobGroup(TrainCommand.JOB_GROUP, "Downhill train: iteration " + (iteration + 1) + "/" + maxIter, false);
    }

    /** Iterations over which the convergence rate is measured. */
    static final int RATE_WINDOW = 10;

    /**
     * How many more iterations the stationarity needs to fall to {@code target}, at the rate it fell over the
     * iterations in {@code recent} (iteration, log of the smallest stationarity so far): r = the fall of that log
     * per iteration, and (log g - log target) / r iterations to go, at most {@code left} (the iteration limit).
     * -1 when there is no estimate yet: fewer than 3 iterations seen, or no fall (a plateau, or the objective-change
     * test will decide). Without a target (--tol and --rel-tol 0) the limit is the estimate. Linear convergence is the slow case: a faster
     * (superlinear) run ends before the estimate says.
     */
    static long remainingIterations(java.util.Collection<double[]> recent, double target, long left) {
        if (left <= 0) {
            return 0;
        }
        if (!(target > 0)) {
            return left; // no gradient test: the run goes on to the iteration limit (unless another test stops it)
        }
        if (recent.size() < 3) {
            return -1;
        }
        double[] first = recent.iterator().next();
        double[] last = null;
        for (double[] p : recent) {
            last = p;
        }
        double rate = (first[1] - last[1]) / (last[0] - first[0]);
        if (!(rate > 0) || !Double.isFinite(rate)) {
            return -1;
        }
        double toGo = (last[1] - Math.log(target)) / rate;
        return toGo <= 0 ? 0 : (long) Math.min(left, Math.ceil(toGo));
    }

    private static double setting(TrainingReport report, String key) {
        try {
            return Double.parseDouble(report.settings().getOrDefault(key, "0"));
        } catch (NumberFormatException e) {
            return 0.0;
        }
    }

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s < 60 ? s + " s" : s < 3600 ? String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
}
