package dev.downhill.driver.checkpoint;

import dev.downhill.core.optim.OptimizerState;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything a resumed run needs to continue as if never interrupted: the optimizer state (parameters,
 * f, gradient, iteration, evaluations, the rule's vectors and scalars such as moments or RNG state, and
 * the Minimizer's "stop.*" bookkeeping), the objective history for the report, and the fingerprints of
 * the settings and data it was computed with. Stored by {@link CheckpointStore} in the layout of
 * {@link CheckpointFormat}.
 */
public final class Checkpoint {

    /** One point of the objective history: the iteration, the objective and the stationarity measure. */
    public record Point(long iteration, double objective, double stationarity) {
    }

    private final OptimizerState state;
    private final SortedMap<String, String> settings;
    private final DataFingerprint data;
    private final List<Point> history;

    /**
     * Keeps {@code state} itself, not a copy (a tree run's state can be most of the driver's heap): write the
     * checkpoint before the optimizer changes the state again, as {@link CheckpointingRun} does.
     */
    public Checkpoint(OptimizerState state, SortedMap<String, String> settings, DataFingerprint data,
                      List<Point> history) {
        this.state = Objects.requireNonNull(state);
        this.settings = new TreeMap<>(settings);
        this.data = Objects.requireNonNull(data);
        this.history = List.copyOf(history);
    }

    public long iteration() {
        return state.iteration();
    }

    /** The stored state; copy it before stepping from it if the checkpoint is used again. */
    public OptimizerState state() {
        return state;
    }

    public SortedMap<String, String> settings() {
        return settings;
    }

    public DataFingerprint data() {
        return data;
    }

    public List<Point> history() {
        return history;
    }
}
