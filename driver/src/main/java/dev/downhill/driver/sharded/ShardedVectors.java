package dev.downhill.driver.sharded;

import dev.downhill.core.objective.ParameterSlice;
import dev.downhill.core.optim.RemoteFunction;
import dev.downhill.core.optim.RemoteVectors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;

/**
 * {@link RemoteVectors} over {@link ShardedVector}s: combinations are per-slice maps, persisted and computed by the
 * next job that reads them; dot products, ||v||_1 and the line search's no-change test are one slice pass each,
 * whose per-slice partials the driver adds in slice order. A combination not yet computed when one of its inputs
 * is released is computed first (one job), so releasing never forces a recomputation from further back.
 *
 * <p>Holding inputs ({@link #combineHoldingInputs}, as a training run does): an L-BFGS pair
 * s = x_new - x, y = g_new - g is stored nowhere ({@link ShardedVector#formula}: the jobs that read it form it
 * chunk by chunk from x_new and x, with the bits of storing it), and x and g stay cached until the pair is
 * released. The state takes as many vectors (the iterates and gradients of the last m moves in place of the m
 * pairs and the current x, g), a lost executor's pairs need no copy, and each iteration copies two new vectors to a
 * second executor instead of four.
 */
public final class ShardedVectors implements RemoteVectors<ShardedVector> {
    /** Combinations whose slices no job has computed yet (so their inputs must stay cached). */
    private final Set<ShardedVector> pending = Collections.newSetFromMap(new IdentityHashMap<>());

    /** The inputs of each pending combination: a job computing it computes (and caches) those too. */
    private final Map<ShardedVector, List<ShardedVector>> inputsOf = new IdentityHashMap<>();

    /** Whether pairs are formulas holding their inputs (else they are kept as any combination). */
    private final boolean holdInputs;

    /** The inputs each live holding combination holds (each once). */
    private final Map<ShardedVector, List<ShardedVector>> held = new IdentityHashMap<>();

    /** For each held vector, how many live combinations hold it. */
    private final Map<ShardedVector, Integer> holders = new IdentityHashMap<>();

    /** Vectors the caller released while held: freed when their last holder is. */
    private final Set<ShardedVector> releasedWhileHeld = Collections.newSetFromMap(new IdentityHashMap<>());

    /** Pairs kept as any combination (tests compare the two). */
    public ShardedVectors() {
        this(false);
    }

    /** {@code holdInputs}: pairs are formulas holding their inputs (a training run), else kept as any combination. */
    public ShardedVectors(boolean holdInputs) {
        this.holdInputs = holdInputs;
    }

    /** Whether {@link #combineHoldingInputs} holds the inputs (else it combines as {@link #combine}). */
    public boolean holdsInputs() {
        return holdInputs;
    }

    @Override
    public ShardedVector combine(double[] coefficients, List<ShardedVector> vectors) {
        return pending(ShardedVector.combine(coefficients, vectors), vectors);
    }

    /** One copy, no lineage cut: a lost slice is recomputed from the inputs, which outlive it. */
    @Override
    public ShardedVector combineWhileInputsHeld(double[] coefficients, List<ShardedVector> vectors) {
        return pending(ShardedVector.combineFromHeld(coefficients, vectors), vectors);
    }

    /** A formula of its inputs, stored nowhere, holding them (when this run holds inputs; else {@link #combine}). */
    @Override
    public ShardedVector combineHoldingInputs(double[] coefficients, List<ShardedVector> vectors) {
        if (!holdInputs) {
            return combine(coefficients, vectors);
        }
        return hold(ShardedVector.formula(coefficients, vectors), vectors);
    }

    /**
     * Registers the combinations an evaluation formed for {@code products} that hold their inputs (G and the
     * handles it combined), which {@link ShardedDataLoss} formed as formulas (when this run holds inputs).
     */
    void holdFormed(RemoteFunction.Products<ShardedVector> products, ShardedVector gradient,
                    List<ShardedVector> formed) {
        if (!holdInputs) {
            return;
        }
        for (int i = 0; i < formed.size(); i++) {
            RemoteFunction.Combination c = products.combinations().get(i);
            if (c.holdingInputs()) {
                List<ShardedVector> inputs = new ArrayList<>(List.of(gradient));
                for (int h : c.inputs()) {
                    inputs.add(products.handles().get(h));
                }
                hold(formed.get(i), inputs);
            }
        }
    }

    private ShardedVector hold(ShardedVector v, List<ShardedVector> inputs) {
        List<ShardedVector> distinct = new ArrayList<>();
        for (ShardedVector in : inputs) {
            if (distinct.stream().noneMatch(d -> d == in)) {
                distinct.add(in);
                holders.merge(in, 1, Integer::sum);
            }
        }
        held.put(v, distinct);
        return v;
    }

    /** Registers {@code v}, a per-slice map of {@code inputs} not computed yet, as a combine ({@link ShardedL1}). */
    ShardedVector mapped(ShardedVector v, List<ShardedVector> inputs) {
        return pending(v, inputs);
    }

    /** Records {@code v}, combined from {@code inputs}, as not computed yet. */
    private ShardedVector pending(ShardedVector v, List<ShardedVector> inputs) {
        pending.add(v);
        inputsOf.put(v, List.copyOf(inputs));
        return v;
    }

    @Override
    public double[][] dots(List<ShardedVector> a, List<ShardedVector> b) {
        List<ShardedVector> terms = concat(a, b);
        int[] rows = new int[a.size()];
        int[] columns = new int[b.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        for (int j = 0; j < columns.length; j++) {
            columns[j] = a.size() + j;
        }
        List<ShardedVector> distinct = new ArrayList<>();
        int[][] pairs = pairs(terms, rows, columns, distinct);
        double[] flat = ShardedVector.dots(distinct, pairs);
        computed(distinct);
        double[][] out = new double[a.size()][b.size()];
        for (int i = 0; i < a.size(); i++) {
            System.arraycopy(flat, i * b.size(), out[i], 0, b.size());
        }
        return out;
    }

    @Override
    public double norm1(ShardedVector v) {
        double s = OrderedCollect.sumInOrder(v.slices().map(x -> new double[] {ParameterSlice.norm1(x)}), 1)[0];
        computed(List.of(v));
        return s;
    }

    @Override
    public boolean changesNothing(ShardedVector x, ShardedVector d, double t, double width) {
        JavaRDD<double[]> votes = ShardedVector.zip(List.of(x, d))
                .map(p -> new double[] {ParameterSlice.changesNothing(p[0], p[1], t, width) ? 0 : 1});
        boolean nothing = OrderedCollect.sumInOrder(votes, 1)[0] == 0;
        computed(List.of(x, d));
        return nothing;
    }

    @Override
    public void release(ShardedVector v) {
        pending.remove(v);
        inputsOf.remove(v);
        if (holders.containsKey(v)) { // a live pair still reads it: freed with its last holder
            releasedWhileHeld.add(v);
            return;
        }
        for (ShardedVector p : pending) {
            p.materialize();
        }
        computed(new ArrayList<>(pending));
        v.release();
        List<ShardedVector> inputs = held.remove(v);
        if (inputs != null) {
            for (ShardedVector in : inputs) {
                if (holders.merge(in, -1, Integer::sum) == 0) {
                    holders.remove(in);
                    if (releasedWhileHeld.remove(in)) {
                        release(in);
                    }
                }
            }
        }
    }

    /**
     * The pairs of a block of dot products terms[rows[i]] . terms[columns[j]], row-major, as indices into
     * {@code distinct}, which receives each distinct vector of them once (so a job zips each once).
     */
    static int[][] pairs(List<ShardedVector> terms, int[] rows, int[] columns, List<ShardedVector> distinct) {
        Map<ShardedVector, Integer> index = new IdentityHashMap<>();
        for (int[] side : new int[][] {rows, columns}) {
            for (int t : side) {
                ShardedVector v = terms.get(t);
                if (!index.containsKey(v)) {
                    index.put(v, distinct.size());
                    distinct.add(v);
                }
            }
        }
        int[][] pairs = new int[rows.length * columns.length][];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < columns.length; j++) {
                pairs[i * columns.length + j] = new int[] {index.get(terms.get(rows[i])),
                    index.get(terms.get(columns[j]))};
            }
        }
        return pairs;
    }

    /** Marks vectors whose slices a job has just computed (and so cached). */
    void computed(List<ShardedVector> vectors) {
        for (ShardedVector v : vectors) {
            pending.remove(v);
            List<ShardedVector> inputs = inputsOf.remove(v);
            if (inputs != null) {
                computed(inputs); // a pending direction d is computed by the job that computes x + t d
            }
        }
    }

    private static List<ShardedVector> concat(List<ShardedVector> a, List<ShardedVector> b) {
        List<ShardedVector> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
