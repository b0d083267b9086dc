package dev.downhill.driver.checkpoint;

import dev.downhill.core.optim.IterationListener;
import dev.downhill.core.optim.Optimizer;
import dev.downhill.core.optim.OptimizerState;
import dev.downhill.driver.io.OutputException;
import dev.downhill.driver.io.OutputFiles;
import dev.downhill.driver.io.TrainingData;
import dev.downhill.driver.settings.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Checkpoints for one {@code train} run, as {@code TrainCommand} uses them:
 * <ol>
 *   <li>{@link #open}: with {@code --resume}, reads the newest valid checkpoint in OUTPUT/checkpoints and
 *       refuses it ({@link ResumeRefusedException}, exit 5) when its settings or data fingerprint differ,
 *       naming what differs; without a usable checkpoint it starts from the beginning. Without
 *       {@code --resume} the run starts afresh, and its first checkpoint replaces any an earlier run left.</li>
 *   <li>{@link #startOrResume}: the restored state, or a fresh start; either way the objective history is
 *       handed to the report.</li>
 *   <li>{@link #around}: a listener that writes a checkpoint every {@code --checkpoint-every} iterations,
 *       after the wrapped listener has seen the iteration.</li>
 *   <li>{@link #finish}: after a successful run (and after its model.json), the checkpoint of the final state
 *       (unless it was just written); the older ones are then removed, since --resume needs only the newest.</li>
 * </ol>
 * Since every iteration is a deterministic function of the state, the settings and the data, a run
 * resumed from a checkpoint ends with the same bits as one never interrupted.
 *
 * <p>A sharded run (--aggregation sharded) uses {@link #restored} and {@link #startHistory} instead of
 * {@link #startOrResume}, gives a {@link CheckpointStore.SliceWriter} ({@link #writeSlicesWith}) through which
 * the executors write the vectors before each manifest, and writes its final checkpoint with
 * {@link #writeFinal} before it releases them (so before the model).
 */
public final class CheckpointingRun {

    /** Receives the objective history: (iteration, objective, stationarity). */
    @FunctionalInterface
    public interface HistorySink {
        void iteration(long iteration, double objective, double stationarity);
    }

    private final CheckpointStore store;
    private final SortedMap<String, String> settingsFingerprint;
    private final DataFingerprint dataFingerprint;
    private final int every;
    private final int keep;
    private final PrintStream out;
    private Checkpoint restored;
    private final List<Checkpoint.Point> history = new ArrayList<>();
    /** A fresh run replaces what an earlier run left, at its first checkpoint. */
    private boolean replaceEarlier;
    private long lastWritten = -1;
    /** A sharded run's writer of the vectors; null on the tree path. */
    private CheckpointStore.SliceWriter slices;

    private CheckpointingRun(CheckpointStore store, SortedMap<String, String> settingsFingerprint,
                             DataFingerprint dataFingerprint, int every, PrintStream out, Checkpoint restored,
                             boolean replaceEarlier) {
        this.store = store;
        this.settingsFingerprint = settingsFingerprint;
        this.dataFingerprint = dataFingerprint;
        this.every = every;
        this.keep = store.keep();
        this.out = out;
        this.restored = restored;
        this.replaceEarlier = replaceEarlier;
        if (restored != null) {
            history.addAll(restored.history());
            lastWritten = restored.iteration();
        }
    }

    /** Opens the checkpoints of this run; with --resume, restores and checks the newest valid one. */
    public static CheckpointingRun open(Settings settings, TrainingData data, Configuration conf, PrintStream out)
            throws IOException {
        return open(settings, data, conf, out, CheckpointStore.SliceCheck.NONE);
    }

    /**
     * As {@link #open(Settings, TrainingData, Configuration, PrintStream)}; a sharded checkpoint whose slices
     * {@code slices} finds damaged is skipped for the one before.
     */
    public static CheckpointingRun open(Settings settings, TrainingData data, Configuration conf, PrintStream out,
                                        CheckpointStore.SliceCheck slices) throws IOException {
        LastCheckpoint.clear();
        CheckpointStore store = new CheckpointStore(settings.require("output"), conf,
                settings.getInt("keep-checkpoints"));
        SortedMap<String, String> settingsFp = SettingsFingerprint.of(settings);
        DataFingerprint dataFp = DataFingerprint.of(data.files, data.rows());
        int every = settings.getInt("checkpoint-every");
        boolean resume = Boolean.parseBoolean(settings.get("resume"));
        if (!resume) {
            boolean earlier = !store.iterations().isEmpty();
            if (earlier) {
                out.println("note: " + store.folder() + " holds checkpoints of an earlier run; this run starts from"
                        + " the beginning and replaces them (--resume continues from them instead).");
            }
            return new CheckpointingRun(store, settingsFp, dataFp, every, out, null, earlier);
        }
        var loaded = store.newestValid(w -> out.println("downhill: warning: " + w), slices);
        if (loaded.isEmpty()) {
            out.println("note: --resume: no usable checkpoint in " + store.folder() + "; starting from the beginning.");
            return new CheckpointingRun(store, settingsFp, dataFp, every, out, null, true);
        }
        Path path = loaded.get().path();
        Checkpoint c = loaded.get().checkpoint();
        List<String> settingsDiff = SettingsFingerprint.differences(c.settings(), settingsFp);
        List<String> dataDiff = c.data().differences(dataFp);
        if (!settingsDiff.isEmpty() || !dataDiff.isEmpty()) {
            StringBuilder why = new StringBuilder("cannot resume from " + path + ":");
            if (!settingsDiff.isEmpty()) {
                why.append(" it was written with other settings (").append(String.join("; ", settingsDiff))
                        .append(").");
            }
            if (!dataDiff.isEmpty()) {
                why.append(" the training data changed since (").append(String.join("; ", dataDiff)).append(").");
            }
            why.append(" Resume with the same settings and data, or train without --resume to start afresh.");
            throw new ResumeRefusedException(why.toString());
        }
        LastCheckpoint.set(path, c.iteration());
        out.println("resuming from " + path + " (iteration " + c.iteration() + ", objective " + c.state().value()
                + ")");
        return new CheckpointingRun(store, settingsFp, dataFp, every, out, c, false);
    }

    /** Whether training continues from a checkpoint. */
    public boolean resumed() {
        return restored != null;
    }

    /** The iteration training continues from: the checkpoint's, or 0 for a fresh start. */
    public long startIteration() {
        return restored == null ? 0 : restored.iteration();
    }

    /**
     * The state to continue from (a copy of the checkpoint's, or {@code fresh}'s), after handing the history
     * up to it to {@code sink} (a fresh start's is its point 0, with the optimizer's objective and stationarity).
     */
    public OptimizerState startOrResume(Supplier<OptimizerState> fresh, Optimizer optimizer, HistorySink sink) {
        OptimizerState state;
        if (restored != null && isSharded(restored)) {
            throw new ResumeRefusedException("cannot resume from " + store.pathOf(restored.iteration()) + ": it was"
                    + " written by a run with --aggregation sharded, and this run trains with the tree path."
                    + " Resume with --aggregation sharded, or train without --resume to start afresh.");
        }
        if (restored != null) {
            // the run takes the checkpoint's vectors over: a copy would double the driver's heap for the whole run
            state = restored.state();
            restored = new Checkpoint(withoutVectors(state), restored.settings(), restored.data(), restored.history());
        } else {
            state = fresh.get();
            history.add(new Checkpoint.Point(state.iteration(), optimizer.objective(state),
                    optimizer.stationarity(state)));
        }
        for (Checkpoint.Point p : history) {
            sink.iteration(p.iteration(), p.objective(), p.stationarity());
        }
        return state;
    }

    /** The state's scalars and counters, without its vectors. */
    private static OptimizerState withoutVectors(OptimizerState s) {
        OptimizerState small = new OptimizerState(new double[0], s.value(), new double[0]);
        small.setIteration(s.iteration());
        small.addEvaluations(s.evaluations() - small.evaluations());
        small.setLastStepSize(s.lastStepSize());
        s.scalars().forEach(small::putScalar);
        return small;
    }

    /**
     * The checkpoint to continue from, or null for a fresh start. Do not change it. After {@link #startOrResume}
     * it holds no vectors (the run took them over).
     */
    public Checkpoint restored() {
        return restored;
    }

    /** Whether a checkpoint is a sharded run's (its vectors in a slices folder). */
    public static boolean isSharded(Checkpoint c) {
        return c.state().scalar(CheckpointStore.SLICE_BYTES, -1) >= 0;
    }

    /** A copy of a sharded checkpoint's small state without the manifest's own scalars: the optimizer's. */
    public static OptimizerState optimizerState(Checkpoint c) {
        OptimizerState saved = c.state();
        OptimizerState s = new OptimizerState(saved.x().clone(), saved.value(), saved.gradient().clone());
        s.setIteration(saved.iteration());
        s.addEvaluations(saved.evaluations() - s.evaluations());
        s.setLastStepSize(saved.lastStepSize());
        saved.vectors().forEach((k, v) -> s.putVector(k, v.clone()));
        saved.scalars().forEach((k, v) -> {
            if (!k.startsWith(CheckpointStore.MANIFEST_PREFIX)) {
                s.putScalar(k, v);
            }
        });
        return s;
    }

    /** The folder of the restored checkpoint's vectors (a sharded run's). */
    public Path restoredSlices() {
        return store.slicesOf(restored.iteration());
    }

    /**
     * The sharded path's start: hands the history up to the restored checkpoint to {@code sink}, or on a fresh
     * start {@code fresh} (point 0) alone.
     */
    public void startHistory(Checkpoint.Point fresh, HistorySink sink) {
        if (restored == null) {
            history.add(fresh);
        }
        for (Checkpoint.Point p : history) {
            sink.iteration(p.iteration(), p.objective(), p.stationarity());
        }
    }

    /** From now on each checkpoint's vectors are written by {@code writer} before its manifest (sharded runs). */
    public void writeSlicesWith(CheckpointStore.SliceWriter writer) {
        this.slices = writer;
    }

    /**
     * A sharded run's final checkpoint, while its vectors are still cached (unless it is the one last written);
     * {@link #finish} then only removes the older ones. Unlike a periodic one, a failure here is an error.
     */
    public void writeFinal(OptimizerState state) throws IOException {
        if (state.iteration() != lastWritten) {
            write(state);
        }
    }

    /** {@code inner}, then a checkpoint every {@code --checkpoint-every} iterations. */
    public IterationListener around(IterationListener inner) {
        return (state, report) -> {
            inner.iterationDone(state, report);
            history.add(new Checkpoint.Point(state.iteration(), report.objective(), report.stationarity()));
            if (state.iteration() % every == 0) {
                try {
                    write(state);
                } catch (IOException | RuntimeException e) {
                    // Training goes on: the next checkpoint tries again, and the final one must succeed.
                    out.println("downhill: warning: the checkpoint of iteration " + state.iteration()
                            + " was not written; training goes on. " + (e instanceof OutputException ? e.getMessage()
                            : "cannot write to " + store.folder() + ": " + e));
                }
            }
        };
    }

    /**
     * After a successful run: writes the checkpoint of the final state (unless it is the one last written), then
     * deletes the older ones, keeping only what --resume needs, and says what is kept and what was freed.
     */
    public void finish(OptimizerState state) throws IOException {
        if (state.iteration() != lastWritten) {
            if (slices != null) {
                throw new IllegalStateException("a sharded run writes its final checkpoint with writeFinal");
            }
            write(state);
        }
        long freed = store.deleteAllBut(state.iteration());
        out.println("checkpoint kept for --resume: " + store.pathOf(state.iteration()) + " ("
                + OutputFiles.bytes(store.size(state.iteration())) + ")" + (freed > 0 ? "; the older ones were"
                + " removed (" + OutputFiles.bytes(freed) + ")" : ""));
    }

    private void write(OptimizerState state) throws IOException {
        Path path = store.write(new Checkpoint(state, settingsFingerprint, dataFingerprint, history), slices);
        LastCheckpoint.set(path, state.iteration());
        if (lastWritten < 0 || restored != null && lastWritten == restored.iteration()) {
            // The first this run writes: its size, which every later one shares.
            out.println("checkpoint written: " + path + " (" + OutputFiles.bytes(store.size(state.iteration()))
                    + "; one every " + every + " iterations, the newest " + keep + " kept while training, the"
                    + " final one after it)");
        }
        lastWritten = state.iteration();
        if (replaceEarlier) {
            store.deleteAllBut(state.iteration());
            replaceEarlier = false;
        }
    }
}
