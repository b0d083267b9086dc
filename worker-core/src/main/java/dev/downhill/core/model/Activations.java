package dev.downhill.core.model;

/**
 * Per-task scratch that a {@link Model}'s forward pass fills and its backward pass reads:
 * the outputs for every row of a block (row-major, rows x numOutputs). Multi-layer models extend
 * it to keep their hidden activations. One instance per task; never shared between threads.
 */
public class Activations {
    private final int numOutputs;
    private double[] outputs;
    /** Set while training: dropout masks are drawn from (seed, iteration, row key); unset means inference. */
    private boolean training;
    private long seed;
    private long iteration;

    public Activations(int numOutputs, int capacityRows) {
        this.numOutputs = numOutputs;
        this.outputs = new double[Math.multiplyExact(Math.max(1, capacityRows), numOutputs)];
    }

    /** Grows the buffers (if needed) to hold {@code rows} rows; keeps them otherwise. */
    public void ensureRows(int rows) {
        long needed = (long) rows * numOutputs;
        if (needed > outputs.length) {
            outputs = new double[Math.toIntExact(needed)];
        }
    }

    /** Outputs of row i, output k at outputs()[i * numOutputs + k]. */
    public double[] outputs() {
        return outputs;
    }

    /** Marks the next forward passes as training passes of iteration {@code iteration} (dropout on). */
    public void training(long seed, long iteration) {
        this.training = true;
        this.seed = seed;
        this.iteration = iteration;
    }

    /** Marks the next forward passes as inference (no dropout). */
    public void inference() {
        this.training = false;
    }

    public boolean isTraining() {
        return training;
    }

    public long seed() {
        return seed;
    }

    public long iteration() {
        return iteration;
    }

    public int numOutputs() {
        return numOutputs;
    }
}
