package dev.downhill.driver.sharded;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.GradientAccumulator;
import dev.downhill.core.objective.L2Penalty;
import dev.downhill.core.objective.LossEvaluator;
import dev.downhill.core.objective.ParameterSlice;
import dev.downhill.core.objective.StandardizationSlice;
import dev.downhill.core.optim.RemoteFunction;
import dev.downhill.core.sample.MiniBatchSampler;
import dev.downhill.driver.sharded.PullPlan.LocalPartition;
import dev.downhill.driver.spark.SparkDataLoss;
import dev.downhill.driver.sharded.PullPlan.SliceRequests;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * The objective f(theta) = (1/N) sum_i v_i l_i + (lambda/2) ||w||^2 of a linear model whose parameters stay
 * sharded on the executors ({@link ShardedVector}); one evaluation is one Spark job of three stages:
 * <ol>
 *   <li>pull: slice s sends each partition the entries it reads ({@link PullPlan}), shuffled by partition;</li>
 *   <li>each data partition gathers its compact parameter array (slices in order), folds its blocks with
 *       worker-core's {@link LossEvaluator} as the tree path does, and cuts its partial gradient sum into
 *       slices, shuffled by slice with its scalars (loss, weight and row sums) to every slice;</li>
 *   <li>reduce-scatter: slice s adds the partials in partition-id order 0, 1, ..., P - 1 and finishes its
 *       slice of the objective's gradient ({@link ParameterSlice#objectiveGradient}) on the executor; asked for
 *       {@link RemoteFunction.Products}, the same tasks form the new vectors from it and take their slice's part
 *       of each dot product (vector-free L-BFGS's trial: one job).</li>
 * </ol>
 * Only scalars reach the driver. Each gradient entry and the loss sum are the tree path's
 * ({@code SparkDataLoss} with one merge level) to the bit: the same products in the same order, then the
 * partitions' sums in id order. The L2 value adds per-slice sums, so it may differ in the last bit.
 */
public final class ShardedDataLoss {
    /** The classes a sharded run shuffles or caches, registered with Kryo after the others (append only). */
    public static final Class<?>[] KRYO_CLASSES = {
        Pulled.class, Partial.class, SliceResult.class, SliceInput.class,
        PullPlan.Request.class, PullPlan.SliceRequests.class, PullPlan.LocalPartition.class,
        ShardedMoments.Piece.class,
    };

    private final PullPlan plan;
    private final Loss loss;
    private final L2Penalty penalty;

    public ShardedDataLoss(PullPlan plan, Loss loss, L2Penalty penalty) {
        this.plan = plan;
        this.loss = loss;
        this.penalty = penalty;
    }

    /** Mini-batches: the sampler and the batch the evaluations fold ({@link #useBatch}); null: every block. */
    private MiniBatchSampler sampler;
    private long batch;

    /**
     * From now on each evaluation folds only the blocks {@code sampler} picks for batch {@code batch} of each
     * partition (the others are never read) and takes the mean over the rows used, as the tree path's
     * {@code SparkDataLoss.batch}: the same blocks, so the same bits.
     */
    public void useBatch(MiniBatchSampler sampler, long batch) {
        this.sampler = sampler;
        this.batch = batch;
    }

    /** Time of the evaluations since the last {@link #takeTiming()}. */
    private long computeNanos;
    private long passNanos;
    private int passes;

    public SliceLayout layout() {
        return plan.layout;
    }

    /** The evaluations' time since the previous call (slowest task's compute, wall time), as the tree path's. */
    public SparkDataLoss.Timing takeTiming() {
        SparkDataLoss.Timing t = new SparkDataLoss.Timing(computeNanos, passNanos, passes);
        computeNanos = 0;
        passNanos = 0;
        passes = 0;
        return t;
    }

    /** One evaluation's scalars and, when asked for, its gradient (held on the executors). */
    public static final class Evaluation {
        public final double value;
        public final double lossSum;
        public final double weightSum;
        public final long rowCount;
        /** The objective's gradient, or null for a value-only evaluation. */
        public final ShardedVector gradient;
        /** The products' new vectors (cached; the caller releases them), empty without products. */
        public final List<ShardedVector> combinations;
        /** The products asked for, result[i][j] for rows[i] and columns[j] (computed in the same job). */
        public final double[][] products;
        /** df/db_c: the gradient's K intercept entries. */
        public final double[] interceptGradient;

        Evaluation(double value, double lossSum, double weightSum, long rowCount, ShardedVector gradient,
                   List<ShardedVector> combinations, double[][] products, double[] interceptGradient) {
            this.combinations = combinations;
            this.products = products;
            this.interceptGradient = interceptGradient;
            this.value = value;
            this.lossSum = lossSum;
            this.weightSum = weightSum;
            this.rowCount = rowCount;
            this.gradient = gradient;
        }

        /** The mean data loss (1/N) sum_i v_i l_i. */
        public double meanLoss() {
            return lossSum / weightSum;
        }
    }

    /**
     * A slice's entries on their way to a data partition; standardized, also the slice's part of the intercept
     * shifts sum_j m_j w_{c,j}, which every partition receives (values null where it reads none of the slice).
     */
    static final class Pulled implements Serializable {
        private static final long serialVersionUID = 1L;
        final int slice;
        final double[] values;
        final double[] shift;

        Pulled(int slice, double[] values, double[] shift) {
            this.slice = slice;
            this.values = values;
            this.shift = shift;
        }
    }

    /** A data partition's scalars and its piece of one slice's gradient sum (null when none). */
    static final class Partial implements Serializable {
        private static final long serialVersionUID = 1L;
        final int partition;
        final double lossSum;
        final double weightSum;
        final long rowCount;
        final double[] gradientPiece;
        /** The partition's task time from its pull to its pieces. */
        final long computeNanos;
        /**
         * Standardized: the total intercept shifts, the intercepts b = u_b - shift and the partition's K intercept
         * gradient sums (else null).
         */
        final double[] shift;
        final double[] interceptTheta;
        final double[] interceptPiece;

        Partial(int partition, double lossSum, double weightSum, long rowCount, double[] gradientPiece,
                long computeNanos, double[] shift, double[] interceptTheta, double[] interceptPiece) {
            this.shift = shift;
            this.interceptTheta = interceptTheta;
            this.interceptPiece = interceptPiece;
            this.computeNanos = computeNanos;
            this.partition = partition;
            this.lossSum = lossSum;
            this.weightSum = weightSum;
            this.rowCount = rowCount;
            this.gradientPiece = gradientPiece;
        }
    }

    /** A slice's result: the total scalars, its sum of penalized squares and its gradient slice. */
    static final class SliceResult implements Serializable {
        private static final long serialVersionUID = 1L;
        final double lossSum;
        final double weightSum;
        final long rowCount;
        final double penaltySquares;
        final double[] gradient;
        /** The slowest data partition's compute time. */
        final long computeNanos;
        /** The intercept entries (K) this slice holds, else 0. */
        final double[] intercepts;

        SliceResult(double lossSum, double weightSum, long rowCount, double penaltySquares, double[] gradient,
                    long computeNanos, double[] intercepts) {
            this.intercepts = intercepts;
            this.computeNanos = computeNanos;
            this.lossSum = lossSum;
            this.weightSum = weightSum;
            this.rowCount = rowCount;
            this.penaltySquares = penaltySquares;
            this.gradient = gradient;
        }

        double[] scalars() {
            double[] out = Arrays.copyOf(new double[] {lossSum, weightSum, rowCount, penaltySquares, computeNanos},
                    SCALARS + intercepts.length);
            System.arraycopy(intercepts, 0, out, SCALARS, intercepts.length);
            return out;
        }
    }

    /** Scalars per slice result before the intercepts (and then the products' per-slice parts). */
    static final int SCALARS = 5;

    /**
     * A slice's requests beside its parameters; standardized, the parameters are u and the slice's scales and
     * centers come along.
     */
    static final class SliceInput implements Serializable {
        private static final long serialVersionUID = 1L;
        final SliceRequests requests;
        final double[] theta;
        final double[] scale;
        final double[] mean;

        SliceInput(SliceRequests requests, double[] theta, double[] scale, double[] mean) {
            this.requests = requests;
            this.theta = theta;
            this.scale = scale;
            this.mean = mean;
        }
    }

    /** The objective's value and gradient at theta; the gradient is cached until the caller releases it. */
    public Evaluation valueAndGradient(ShardedVector theta) {
        return evaluate(theta, null, null, true, null, false);
    }

    /**
     * The same, with {@code products} (over the handles, the gradient G and the combinations of G it forms) in the
     * same job: its last stage, which forms G's slices, zips them with the handles' slices, forms the
     * combinations there (cached) and takes each slice's part of every product, which the driver adds in slice
     * order, as {@link ShardedVectors#dots} would after the evaluation, to the bit. {@code holdInputs}: the
     * combinations that hold their inputs are formulas, stored nowhere ({@link ShardedVectors#combineHoldingInputs};
     * the caller registers the hold), else kept as any.
     */
    public Evaluation valueAndGradient(ShardedVector theta, RemoteFunction.Products<ShardedVector> products,
                                       boolean holdInputs) {
        return evaluate(theta, null, null, true, products, holdInputs);
    }

    /** The objective's value at theta. */
    public double value(ShardedVector theta) {
        return evaluate(theta, null, null, false, null, false).value;
    }

    /**
     * f(A u) and its gradient in the standardized coordinates, A^T grad f, with {@code products} (as
     * {@link #valueAndGradient(ShardedVector, RemoteFunction.Products)}, G = A^T grad f), in one job: theta = A u
     * is formed on the way (the weights scale_j u_j in the pull, each intercept u_b - sum_j m_j w_j in every data
     * partition from the slices' parts, added in slice order), and
     * the reduce tasks map their gradient slice to A^T g (every slice gets the K intercept derivatives summed in
     * partition order). The bits are those of forming theta, evaluating and mapping the gradient as separate
     * passes ({@link dev.downhill.core.objective.StandardizationSlice}).
     */
    public Evaluation valueAndScaledGradient(ShardedVector u, ShardedVector scale, ShardedVector mean,
                                             RemoteFunction.Products<ShardedVector> products,
                                             boolean holdInputs) {
        return evaluate(u, scale, mean, true, products, holdInputs);
    }

    /**
     * The mean data loss (1/N) sum_i v_i l_i at theta, no penalty (what early stopping compares, as the tree
     * path's {@code ValidationPass}): a value-only job, the partitions' sums added in partition order.
     */
    public double meanLoss(ShardedVector theta) {
        return evaluate(theta, null, null, false, null, false).meanLoss();
    }

    /** The same at theta = A u, A the diagonal standardization of {@code scale} and {@code mean}. */
    public double meanLoss(ShardedVector u, ShardedVector scale, ShardedVector mean) {
        return evaluate(u, scale, mean, false, null, false).meanLoss();
    }

    /** products: null for none (then only with a gradient). */
    private Evaluation evaluate(ShardedVector theta, ShardedVector scale, ShardedVector mean, boolean withGradient,
                                RemoteFunction.Products<ShardedVector> products, boolean holdInputs) {
        if (!theta.layout().equals(plan.layout)) {
            throw new IllegalArgumentException(theta.layout() + " for a plan of " + plan.layout);
        }
        long started = System.nanoTime();
        final SliceLayout layout = plan.layout;
        final int numOutputs = plan.numOutputs;
        final int numFeatures = plan.numFeatures;
        final Loss loss = this.loss;
        final L2Penalty penalty = this.penalty;
        final boolean standardized = scale != null;
        final MiniBatchSampler sampler = this.sampler;
        final long batch = this.batch;
        JavaRDD<SliceInput> inputs = standardized
                ? plan.requests.zipPartitions(ShardedVector.zip(List.of(theta, scale, mean)),
                    (r, v) -> {
                        double[][] x = v.next();
                        return PullPlan.single(new SliceInput(r.next(), x[0], x[1], x[2]));
                    })
                : plan.requests.zipPartitions(theta.slices(),
                    (r, v) -> PullPlan.single(new SliceInput(r.next(), v.next(), null, null)));
        int numPartitions = plan.numPartitions();
        // 1. pull: slice s -> partitions, by partition id
        JavaRDD<Tuple2<Integer, Pulled>> pulledBySlice = inputs.flatMap(
                in -> pull(in, numPartitions, layout, numFeatures, numOutputs).iterator());
        JavaRDD<Tuple2<Integer, Partial>> partials = plan.local.zipPartitions(
                pulledBySlice.mapToPair(t -> t).partitionBy(new KeyPartitioner(numPartitions)),
                (localIt, pulledIt) -> fold(localIt.next(), pulledIt, numOutputs, loss, withGradient, layout,
                        sampler, batch));
        // 3. reduce-scatter: partitions -> slice s, summed in partition order
        JavaRDD<SliceResult> results = inputs.zipPartitions(
                partials.mapToPair(t -> t).partitionBy(new KeyPartitioner(layout.numSlices())),
                (inIt, partialIt) -> PullPlan.single(reduce(inIt.next(), partialIt, withGradient, penalty, layout,
                        numFeatures, numOutputs)));
        // a value alone is read once (the scalars); a gradient is kept until the optimizer releases it
        ShardedVector gradient = withGradient
                ? new ShardedVector(layout, ShardedVector.keep(results).map(r -> r.gradient), results) : null;
        JavaRDD<double[]> perSlice = results.map(SliceResult::scalars);
        List<ShardedVector> combinations = new ArrayList<>();
        List<ShardedVector> distinct = new ArrayList<>();
        int[][] pairs = new int[0][];
        if (products != null) {
            // the terms: handles, G, then the combinations of G (each cached, formed in this job's last stage)
            List<ShardedVector> terms = new ArrayList<>(products.handles());
            terms.add(gradient);
            for (RemoteFunction.Combination c : products.combinations()) {
                List<ShardedVector> in = new ArrayList<>(List.of(gradient));
                for (int i : c.inputs()) {
                    in.add(products.handles().get(i));
                }
                combinations.add(c.holdingInputs() && holdInputs ? ShardedVector.formula(c.coefficients(), in)
                        : ShardedVector.combine(c.coefficients(), in));
            }
            terms.addAll(combinations);
            pairs = ShardedVectors.pairs(terms, products.rows(), products.columns(), distinct);
            for (ShardedVector c : combinations) {
                if (!distinct.contains(c)) { // formed here even when no product reads it
                    distinct.add(c);
                }
            }
        }
        if (!distinct.isEmpty()) {
            int[][] p = pairs;
            ShardedVector.Terms zipped = ShardedVector.terms(distinct);
            ParameterSlice.Term[] terms = zipped.terms;
            perSlice = perSlice.zipPartitions(zipped.stored, (sc, x) -> {
                double[] head = sc.next();
                double[] dots = ParameterSlice.dots(x.next(), terms, p);
                double[] out = Arrays.copyOf(head, head.length + dots.length);
                System.arraycopy(dots, 0, out, head.length, dots.length);
                return PullPlan.single(out);
            });
        }
        List<double[]> scalars = OrderedCollect.inOrder(perSlice);
        double[] squares = new double[scalars.size()];
        for (int s = 0; s < squares.length; s++) {
            squares[s] = scalars.get(s)[3];
        }
        double[] first = scalars.get(0); // every slice summed the same scalars in the same order
        // the intercepts and the products: per-slice parts added in slice order (each intercept from one slice)
        double[] extra = new double[first.length - SCALARS];
        for (double[] sc : scalars) {
            for (int i = 0; i < extra.length; i++) {
                extra[i] += sc[SCALARS + i];
            }
        }
        double[] intercepts = Arrays.copyOf(extra, numOutputs);
        double[][] dots = null;
        if (products != null) {
            int columns = products.columns().length;
            dots = new double[products.rows().length][columns];
            for (int i = 0; i < dots.length; i++) {
                System.arraycopy(extra, numOutputs + i * columns, dots[i], 0, columns);
            }
        }
        computeNanos += (long) first[4];
        passNanos += System.nanoTime() - started;
        passes++;
        double value = ParameterSlice.objectiveValue(first[0], first[1], penalty, squares);
        return new Evaluation(value, first[0], first[1], (long) first[2], gradient, combinations, dots, intercepts);
    }

    /**
     * Step 1 for one slice: the entries each partition reads; standardized, theta's weights scale_j u_j (the
     * intercepts still u_b) and the slice's part of the intercept shifts, which every partition gets.
     */
    private static List<Tuple2<Integer, Pulled>> pull(SliceInput in, int numPartitions, SliceLayout layout,
                                                      int numFeatures, int numOutputs) {
        int[] partitions = in.requests.partitions;
        if (in.scale == null) {
            List<Tuple2<Integer, Pulled>> out = new ArrayList<>(partitions.length);
            for (int i = 0; i < partitions.length; i++) {
                out.add(new Tuple2<>(partitions[i], new Pulled(in.requests.slice,
                        ParameterSlice.gather(in.theta, in.requests.offsets[i]), null)));
            }
            return out;
        }
        long offset = layout.start(in.requests.slice);
        double[] shift = StandardizationSlice.shiftPartials(in.theta, in.scale, in.mean, offset, numFeatures,
                numOutputs);
        double[] weightsScaled = StandardizationSlice.toUser(in.theta, in.scale, offset, numFeatures, numOutputs,
                new double[numOutputs]); // u_b - 0 = u_b: the intercepts are shifted in the partitions
        List<Tuple2<Integer, Pulled>> out = new ArrayList<>(numPartitions);
        int i = 0;
        for (int p = 0; p < numPartitions; p++) {
            double[] values = null;
            if (i < partitions.length && partitions[i] == p) {
                values = ParameterSlice.gather(weightsScaled, in.requests.offsets[i]);
                i++;
            }
            out.add(new Tuple2<>(p, new Pulled(in.requests.slice, values, shift)));
        }
        return out;
    }

    /**
     * Step 2 for one data partition: its loss and gradient pieces at the pulled parameters, over the blocks of
     * {@code batch} ({@code sampler} null: all).
     */
    private static Iterator<Tuple2<Integer, Partial>> fold(LocalPartition lp, Iterator<Tuple2<Integer, Pulled>> pulled,
                                                           int numOutputs, Loss loss, boolean withGradient,
                                                           SliceLayout layout, MiniBatchSampler sampler, long batch) {
        long start = System.nanoTime();
        List<Pulled> pieces = new ArrayList<>(lp.slices.length);
        List<Pulled> all = new ArrayList<>();
        pulled.forEachRemaining(t -> all.add(t._2()));
        all.sort((a, b) -> Integer.compare(a.slice, b.slice));
        double[] shift = null;
        for (Pulled p : all) {
            if (p.values != null) {
                pieces.add(p);
            }
            if (p.shift != null) {
                // the slices' parts added in slice order 0, 1, ..., as the driver adds slice partials
                shift = shift == null ? new double[numOutputs] : shift;
                for (int c = 0; c < numOutputs; c++) {
                    shift[c] += p.shift[c];
                }
            }
        }
        LinearModel model = new LinearModel(lp.columns.length, numOutputs);
        double[] theta = new double[model.numParameters()];
        if (pieces.size() != lp.slices.length) {
            throw new IllegalStateException("partition " + lp.partition + " pulled " + pieces.size() + " slices of "
                    + lp.slices.length);
        }
        for (int i = 0; i < pieces.size(); i++) {
            Pulled p = pieces.get(i);
            if (p.slice != lp.slices[i] || p.values.length != lp.chunkStart[i + 1] - lp.chunkStart[i]) {
                throw new IllegalStateException("partition " + lp.partition + " pulled slice " + p.slice
                        + " out of plan");
            }
            System.arraycopy(p.values, 0, theta, lp.chunkStart[i], p.values.length);
        }
        int interceptStart = numOutputs * lp.columns.length; // local order: K rows of weights, then K intercepts
        if (shift != null) {
            for (int c = 0; c < numOutputs; c++) {
                theta[interceptStart + c] = theta[interceptStart + c] - shift[c]; // b = u_b - sum_j m_j w_j
            }
        }
        LossEvaluator evaluator = new LossEvaluator(model, loss);
        GradientAccumulator acc = new GradientAccumulator(model.numParameters());
        boolean[] use = sampler == null ? null : sampler.chosen(batch, lp.partition); // blocks in load order
        for (int b = 0; b < lp.blocks.size(); b++) {
            if (use != null && !use[b]) {
                continue;
            }
            DataBlock block = lp.blocks.get(b);
            if (withGradient) {
                evaluator.accumulate(block, theta, acc);
            } else {
                evaluator.accumulateValue(block, theta, acc);
            }
        }
        double[] sum = acc.gradientSumOrNull();
        double[] interceptPiece = shift == null || sum == null ? null
                : Arrays.copyOfRange(sum, interceptStart, interceptStart + numOutputs);
        double[] interceptTheta = shift == null ? null
                : Arrays.copyOfRange(theta, interceptStart, interceptStart + numOutputs);
        List<Tuple2<Integer, Partial>> out = new ArrayList<>(layout.numSlices());
        long nanos = System.nanoTime() - start;
        int i = 0;
        for (int s = 0; s < layout.numSlices(); s++) {
            double[] piece = null;
            if (i < lp.slices.length && lp.slices[i] == s) {
                if (sum != null) {
                    piece = java.util.Arrays.copyOfRange(sum, lp.chunkStart[i], lp.chunkStart[i + 1]);
                }
                i++;
            }
            out.add(new Tuple2<>(s, new Partial(lp.partition, acc.lossSum(), acc.weightSum(), acc.rowCount(), piece,
                    nanos, shift, interceptTheta, interceptPiece)));
        }
        return out.iterator();
    }

    /** Step 3 for one slice: the partials added in partition order, then the objective's gradient slice. */
    private static SliceResult reduce(SliceInput in, Iterator<Tuple2<Integer, Partial>> partialIt,
                                      boolean withGradient, L2Penalty penalty, SliceLayout layout, int numFeatures,
                                      int numOutputs) {
        List<Partial> partials = new ArrayList<>();
        partialIt.forEachRemaining(t -> partials.add(t._2()));
        partials.sort((a, b) -> Integer.compare(a.partition, b.partition));
        double lossSum = 0.0;
        double weightSum = 0.0;
        long rows = 0;
        long slowest = 0;
        double[] sum = withGradient ? new double[in.theta.length] : null;
        boolean standardized = in.scale != null;
        double[] interceptSum = standardized ? new double[numOutputs] : null;
        for (Partial p : partials) {
            lossSum += p.lossSum;
            weightSum += p.weightSum;
            rows += p.rowCount;
            slowest = Math.max(slowest, p.computeNanos);
            if (sum != null && p.gradientPiece != null) {
                ParameterSlice.addScattered(sum, in.requests.offsetsOf(p.partition), p.gradientPiece);
            }
            if (interceptSum != null && p.interceptPiece != null) {
                for (int c = 0; c < numOutputs; c++) {
                    interceptSum[c] += p.interceptPiece[c]; // the intercepts' own slice adds the same, in this order
                }
            }
        }
        long offset = layout.start(in.requests.slice);
        long weights = (long) numOutputs * numFeatures;
        double[] theta = in.theta;
        double[] thetaIntercepts = null;
        if (standardized) {
            Partial any = partials.get(0); // every partition sent the same shifts and intercepts
            theta = StandardizationSlice.toUser(in.theta, in.scale, offset, numFeatures, numOutputs, any.shift);
            thetaIntercepts = any.interceptTheta;
        }
        double[] gradient = sum == null || !(weightSum > 0) ? null
                : ParameterSlice.objectiveGradient(sum, weightSum, penalty, theta, offset);
        if (gradient != null && standardized) {
            double[] interceptGradient = ParameterSlice.objectiveGradient(interceptSum, weightSum, penalty,
                    thetaIntercepts, weights);
            gradient = StandardizationSlice.gradientToScaled(gradient, in.scale, in.mean, offset, numFeatures,
                    numOutputs, interceptGradient);
        }
        double[] intercepts = new double[numOutputs];
        if (gradient != null) {
            for (int i = 0; i < gradient.length; i++) {
                if (offset + i >= weights) {
                    intercepts[(int) (offset + i - weights)] = gradient[i];
                }
            }
        }
        return new SliceResult(lossSum, weightSum, rows, penalty.sumOfSquares(theta, offset), gradient,
                slowest, intercepts);
    }

    /** Reads a partition to the end: a job that only computes (and caches) it. */
    static <T> void drain(Iterator<T> it) {
        while (it.hasNext()) {
            it.next();
        }
    }
}
