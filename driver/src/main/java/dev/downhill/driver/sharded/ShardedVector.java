package dev.downhill.driver.sharded;

import dev.downhill.core.objective.ParameterSlice;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.StorageLevels;
import org.apache.spark.storage.StorageLevel;

/**
 * A vector of n parameters kept on the executors: an RDD of S partitions, partition s holding one array, the
 * entries [start(s), start(s + 1)) of {@link SliceLayout}. Combinations are per-slice maps (no shuffle);
 * dot products are per-slice partial sums that the driver adds in slice order 0, 1, ..., S - 1, so every
 * scalar has the same bits on every run and cluster. The driver holds the RDD's handle, never the entries.
 */
public final class ShardedVector {
    /**
     * What is cached and recomputed from the data if lost (pull plans, standardization moments, scores): memory,
     * spilling to disk under pressure.
     */
    static final StorageLevel STORAGE = StorageLevel.MEMORY_AND_DISK();

    private final SliceLayout layout;
    private final JavaRDD<double[]> slices;
    /**
     * The persisted RDD these slices are read from (the slices themselves, or a record holding them); null for a
     * formula.
     */
    private final JavaRDD<?> cached;
    /** A formula's coefficients and stored inputs (sum_k c_k v_k, formed where it is read), else null. */
    private final double[] formulaCoefficients;
    private final List<ShardedVector> formulaInputs;

    ShardedVector(SliceLayout layout, JavaRDD<double[]> slices, JavaRDD<?> cached) {
        this(layout, slices, cached, null, null);
    }

    private ShardedVector(SliceLayout layout, JavaRDD<double[]> slices, JavaRDD<?> cached, double[] coefficients,
                          List<ShardedVector> inputs) {
        if (slices.getNumPartitions() != layout.numSlices()) {
            throw new IllegalArgumentException(slices.getNumPartitions() + " partitions for " + layout);
        }
        this.layout = layout;
        this.slices = slices;
        this.cached = cached;
        this.formulaCoefficients = coefficients;
        this.formulaInputs = inputs;
    }

    /**
     * sum_k c_k v_k stored nowhere: the jobs that read it zip its inputs and form it chunk by chunk
     * ({@link ParameterSlice.Term}), with the bits of {@link #combine}; {@link #slices} forms whole slices (for
     * checkpoints). The inputs must stay cached while it lives (stored vectors, not formulas).
     */
    static ShardedVector formula(double[] coefficients, List<ShardedVector> inputs) {
        for (ShardedVector v : inputs) {
            if (v.formulaCoefficients != null) {
                throw new IllegalArgumentException("a formula of a formula");
            }
        }
        return new ShardedVector(inputs.get(0).layout, combination(coefficients, inputs), null,
                coefficients.clone(), List.copyOf(inputs));
    }

    /** Keeps {@code slices} (one array per partition, partition s slice s) as {@link #keep} does, and wraps them. */
    static ShardedVector persist(SliceLayout layout, JavaRDD<double[]> slices) {
        return new ShardedVector(layout, keep(slices), slices);
    }

    /**
     * Persists an RDD of optimizer state (parameters, gradients, L-BFGS pairs, moments) and cuts its lineage
     * once a job has computed it: on a cluster each block is stored on two executors (memory and disk;
     * {@link #configureThread} for another count) and the RDD is local-checkpointed, so its descendants never look
     * further back and a lost executor's slices are read from their copies (Spark re-copies them elsewhere, with
     * {@code spark.storage.replication.proactive}, which {@link dev.downhill.driver.spark.DownhillSpark} sets).
     * Reliable RDD checkpoints cost a job per RDD, and with one per vector they doubled an iteration's jobs;
     * lineage left to grow made every task carry the whole history. In local mode the single executor is the
     * driver, so one copy. Losing every copy of a block ends the run (the run's own checkpoint resumes it).
     */
    static <T> JavaRDD<T> keep(JavaRDD<T> rdd) {
        rdd.persist(StorageLevels.create(true, true, false, true, copies(rdd.context())));
        rdd.rdd().localCheckpoint();
        return rdd;
    }

    /** The copies {@link #keep} stores of each block from this thread: 1 in local mode, else --slice-copies. */
    private static int copies(org.apache.spark.SparkContext sc) {
        String set = sc.getLocalProperty(COPIES);
        return sc.isLocal() ? 1 : set == null ? 2 : Integer.parseInt(set);
    }

    /** The Spark local property (of the thread that trains) holding --slice-copies. */
    static final String COPIES = "downhill.sliceCopies";

    /**
     * Spark's local property (RDD.CHECKPOINT_ALL_MARKED_ANCESTORS, SPARK-6847) that makes the end of a job cut every
     * marked RDD the job computed. Without it the cut stops at the first marked RDD on each path: an iterate
     * x + t d, read only through the evaluation's kept result, kept its lineage, and each task carried every
     * iterate since the start (the 12th iteration's stages held 300 RDDs). Read when an RDD is built.
     */
    static final String CUT_ALL_MARKED = "spark.checkpoint.checkpointAllMarkedAncestors";

    /**
     * Prepares this thread for the vectors of a run, before it builds any: the copies {@link #keep} stores
     * (--slice-copies) and every kept RDD's lineage cut by the job that computes it. {@code copies} 0 undoes both
     * (the end of the run).
     */
    public static void configureThread(JavaSparkContext jsc, int copies) {
        jsc.setLocalProperty(COPIES, copies <= 0 ? null : Integer.toString(copies));
        jsc.setLocalProperty(CUT_ALL_MARKED, copies <= 0 ? null : "true");
    }

    /** The zero vector, built on the executors. */
    public static ShardedVector zeros(JavaSparkContext jsc, SliceLayout layout) {
        List<Integer> ids = new ArrayList<>(layout.numSlices());
        for (int s = 0; s < layout.numSlices(); s++) {
            ids.add(s);
        }
        return persist(layout, jsc.parallelize(ids, layout.numSlices()).map(s -> new double[layout.length(s)]));
    }

    /** A vector from a driver-side array: for tests and models small enough for the driver. */
    public static ShardedVector of(JavaSparkContext jsc, SliceLayout layout, double[] values) {
        if (values.length != layout.numParameters()) {
            throw new IllegalArgumentException(values.length + " values for " + layout);
        }
        List<double[]> parts = new ArrayList<>(layout.numSlices());
        for (int s = 0; s < layout.numSlices(); s++) {
            parts.add(java.util.Arrays.copyOfRange(values, layout.start(s), layout.start(s + 1)));
        }
        return persist(layout, jsc.parallelize(parts, layout.numSlices()));
    }

    /**
     * The same entries cut into {@code target}'s slices (this vector when the layouts agree): one shuffle, each
     * slice sending the pieces that overlap each target slice; the result is cached, this vector is kept.
     */
    public ShardedVector resliced(SliceLayout target) {
        if (target.equals(layout)) {
            return this;
        }
        if (target.numParameters() != layout.numParameters()) {
            throw new IllegalArgumentException(layout + " cannot be cut as " + target);
        }
        SliceLayout from = layout;
        // a piece is its offset in the target slice, then its values: no new class to register with Kryo
        JavaRDD<double[]> out = slices.mapPartitionsWithIndex((s, it) -> {
            double[] v = it.next();
            List<scala.Tuple2<Integer, double[]>> pieces = new ArrayList<>();
            int at = from.start(s);
            int end = from.start(s + 1);
            while (at < end) {
                int t = target.sliceOf(at);
                int to = Math.min(end, target.start(t + 1));
                double[] piece = new double[to - at + 1];
                piece[0] = at - target.start(t);
                System.arraycopy(v, at - from.start(s), piece, 1, to - at);
                pieces.add(new scala.Tuple2<>(t, piece));
                at = to;
            }
            return pieces.iterator();
        }, true).mapToPair(t -> t).partitionBy(new KeyPartitioner(target.numSlices()))
                .mapPartitionsWithIndex((t, it) -> {
                    double[] slice = new double[target.length(t)];
                    it.forEachRemaining(p -> System.arraycopy(p._2(), 1, slice, (int) p._2()[0],
                            p._2().length - 1));
                    return Collections.singletonList(slice).iterator();
                }, true);
        return persist(target, out);
    }

    public SliceLayout layout() {
        return layout;
    }

    /** The slices: partition s holds slice s. */
    public JavaRDD<double[]> slices() {
        return slices;
    }

    /** Every entry on the driver: for tests and models small enough for the driver. */
    public double[] toArray() {
        double[] out = new double[layout.numParameters()];
        int s = 0;
        for (double[] slice : OrderedCollect.inOrder(slices)) {
            System.arraycopy(slice, 0, out, layout.start(s), slice.length);
            s++;
        }
        return out;
    }

    /** sum_k c_k v_k, computed slice by slice where the slices are ({@link ParameterSlice#linearCombination}). */
    public static ShardedVector combine(double[] coefficients, List<ShardedVector> vectors) {
        JavaRDD<double[]> slices = combination(coefficients, vectors); // checks the arguments first
        return persist(vectors.get(0).layout, slices);
    }

    /**
     * The same combination cached once ({@link #STORAGE}) without a lineage cut: for a vector whose inputs stay
     * cached as long as it lives, so a lost slice is recomputed from them, with no copy kept or sent.
     */
    static ShardedVector combineFromHeld(double[] coefficients, List<ShardedVector> vectors) {
        JavaRDD<double[]> slices = combination(coefficients, vectors).persist(STORAGE);
        return new ShardedVector(vectors.get(0).layout, slices, slices);
    }

    private static JavaRDD<double[]> combination(double[] coefficients, List<ShardedVector> vectors) {
        if (coefficients.length != vectors.size() || vectors.isEmpty()) {
            throw new IllegalArgumentException(coefficients.length + " coefficients for " + vectors.size()
                    + " vectors");
        }
        double[] c = coefficients.clone();
        Terms t = terms(vectors);
        ParameterSlice.Term[] terms = t.terms;
        return t.stored.map(x -> ParameterSlice.linearCombination(c, x, terms));
    }

    /**
     * The dot products v_a . v_b for each pair (a, b) of {@code pairs} (indices into {@code vectors}): each
     * slice's partial dots, added on the driver in slice order.
     */
    public static double[] dots(List<ShardedVector> vectors, int[][] pairs) {
        int[][] p = pairs.clone();
        Terms t = terms(vectors);
        ParameterSlice.Term[] terms = t.terms;
        JavaRDD<double[]> partials = t.stored.map(x -> ParameterSlice.dots(x, terms, p));
        return OrderedCollect.sumInOrder(partials, p.length);
    }

    /**
     * Vectors as terms of the stored slices a job zips: each stored vector once (a formula's inputs in its place),
     * and for each vector its term over them.
     */
    static final class Terms {
        final JavaRDD<double[][]> stored;
        final ParameterSlice.Term[] terms;

        private Terms(JavaRDD<double[][]> stored, ParameterSlice.Term[] terms) {
            this.stored = stored;
            this.terms = terms;
        }
    }

    static Terms terms(List<ShardedVector> vectors) {
        List<ShardedVector> stored = new ArrayList<>();
        ParameterSlice.Term[] terms = new ParameterSlice.Term[vectors.size()];
        for (int t = 0; t < terms.length; t++) {
            ShardedVector v = vectors.get(t);
            if (v.formulaCoefficients == null) {
                terms[t] = ParameterSlice.Term.stored(indexOf(stored, v));
            } else {
                int[] inputs = new int[v.formulaInputs.size()];
                for (int k = 0; k < inputs.length; k++) {
                    inputs[k] = indexOf(stored, v.formulaInputs.get(k));
                }
                terms[t] = new ParameterSlice.Term(v.formulaCoefficients, inputs);
            }
        }
        return new Terms(zip(stored), terms);
    }

    /** v's index in {@code list} (by identity), appended when absent. */
    private static int indexOf(List<ShardedVector> list, ShardedVector v) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == v) {
                return i;
            }
        }
        list.add(v);
        return list.size() - 1;
    }

    /** Computes and caches the slices now (a job), so the vectors they came from may be released. */
    public ShardedVector materialize() {
        if (cached == null) { // a formula: nothing stored
            return this;
        }
        cached.foreachPartition(it -> {
            while (it.hasNext()) {
                it.next();
            }
        });
        return this;
    }

    /** Drops the cached slices; the vector must not be used afterwards. */
    public void release() {
        if (cached != null) {
            cached.unpersist(false);
        }
    }

    /** The slices of every vector side by side: partition s holds {v_0 slice s, v_1 slice s, ...}. */
    static JavaRDD<double[][]> zip(List<ShardedVector> vectors) {
        SliceLayout layout = vectors.get(0).layout;
        JavaRDD<double[][]> acc = vectors.get(0).slices.map(x -> new double[][] {x});
        for (int k = 1; k < vectors.size(); k++) {
            ShardedVector v = vectors.get(k);
            if (!v.layout.equals(layout)) {
                throw new IllegalArgumentException("cannot combine " + v.layout + " with " + layout);
            }
            acc = acc.zipPartitions(v.slices, ShardedVector::append);
        }
        return acc;
    }

    private static Iterator<double[][]> append(Iterator<double[][]> left, Iterator<double[]> right) {
        double[][] l = left.next();
        double[][] out = java.util.Arrays.copyOf(l, l.length + 1);
        out[l.length] = right.next();
        return Collections.singletonList(out).iterator();
    }
}
