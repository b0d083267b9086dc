package dev.downhill.driver.io;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.BlockLayout;
import dev.downhill.core.data.FeaturePrecision;
import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.objective.SmoothnessBound;
import dev.downhill.driver.spark.RowPartitioner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * Reads text input (LIBSVM or CSV) from any Hadoop path into cached, packed blocks:
 * <ol>
 *   <li>list the files (sorted) and parse every line where it is read ({@link RowReader}), with errors naming
 *       file and line;</li>
 *   <li>key each row by (file, byte offset) and shuffle it to partition hash(key) mod P, sorted by key
 *       within the partition: the layout depends on the files and P only, never on splits or cluster;</li>
 *   <li>one pass over the rows to learn the feature count and check the labels against the objective;</li>
 *   <li>pack each partition into blocks of up to block-rows rows, cache them, and take the smoothness
 *       bound in the pass that fills the cache.</li>
 * </ol>
 */
public final class TrainingDataLoader {

    /** What the loader needs to know, taken from the settings: how to read the text, and what to train. */
    public static final class Options extends RowReader.Options {
        public Objective objective;
        /** 0: auto. */
        public int partitions;
        /** null: infer. */
        public Integer numClasses;
        public LabelEncoding.BinaryLabels binaryLabels = LabelEncoding.BinaryLabels.ZERO_ONE;
        public int blockRows = 4096;
        /** How the cached blocks store feature values (--feature-precision). */
        public FeaturePrecision precision = FeaturePrecision.FLOAT64;
        /** Dense or CSR per block: by bytes (linear models), or FOR_MATRIX_PRODUCTS for networks. */
        public BlockLayout blockLayout = BlockLayout.SMALLEST;
        public double maxBadFraction = 0.001;
        /** The label encoding to use instead of deciding one (a validation set takes the training data's). */
        public LabelEncoding fixedLabels;
        /**
         * The model's parameters may live on the executors (--aggregation sharded or auto): the loader then
         * refuses only a parameter count no Java array can index, not one the driver's heap could not hold.
         */
        public boolean parametersOnExecutors;
        /** Take the feature moments (for standardization) in the pass that fills the cache. */
        public boolean featureMoments;
        /**
         * Take the features' covariance (for whitening) in that pass too when there are at most this many
         * features and at most {@link #covarianceMaxRowValues} stored values per row on average.
         */
        public int covarianceMaxFeatures;
        public double covarianceMaxRowValues = Double.POSITIVE_INFINITY;
        /** Rows held out for validation (none by default). */
        public Holdout holdout = new Holdout(0, 0);
        /**
         * Pack at least this many blocks (a mini-batch is a set of whole blocks, so S batches an epoch need
         * S blocks): blocks then hold fewer than blockRows rows where the data are small. 0: no minimum.
         */
        public int minBlocks;
    }

    /**
     * At most this many bytes of per-partition covariances are collected by the loading pass (a default 1 GiB
     * driver keeps them comfortably); beyond it train aggregates them in a tree, in a pass of their own.
     */
    static final long COVARIANCE_COLLECT_BYTES = 64L << 20;

    /**
     * Bytes of driver heap a model parameter costs on the tree path: 32 doubles, for L-BFGS's 2m pairs (m = 10),
     * the iterate, gradient, direction, trial point and its gradient, the broadcast's value and its serialized
     * blocks, and the partial gradients arriving with their sum. Measured at 2^25 features (m = 10): an 8 GiB driver
     * ran out of memory at iteration 4 (about 24 doubles a parameter then, 6.4 GiB, plus the collector's
     * headroom), a 10 GiB one got through 6 iterations.
     */
    public static final long DRIVER_BYTES_PER_PARAMETER = 8L * 32;

    /** Default partitions: one per 32 MiB of input, at least 2. */
    static final long BYTES_PER_PARTITION = 32L << 20;

    private TrainingDataLoader() {}

    public static int defaultPartitions(long inputBytes) {
        return (int) Math.max(2, Math.min(100_000, (inputBytes + BYTES_PER_PARTITION - 1) / BYTES_PER_PARTITION));
    }

    public static TrainingData load(JavaSparkContext jsc, Options o) {
        InputFiles files = InputFiles.resolve(o.input, jsc.hadoopConfiguration());
        String format = RowReader.resolveFormat(o.format, files);
        int partitions = o.partitions > 0 ? o.partitions : defaultPartitions(files.totalBytes());
        if ("parquet".equals(format)) {
            DataFrameRows parquet = readingInput(o.input, () -> DataFrameRows.parquet(jsc, files, o));
            JavaPairRDD<Long, ParsedRow> rows = parquet.rows()
                    .repartitionAndSortWithinPartitions(new RowPartitioner(partitions));
            return named(build(jsc, rows, o, o.input, files, format, partitions, parquet.locator(),
                    parquet.numFeatures()), parquet.featureNames(), o.input);
        }
        JavaPairRDD<Long, ParsedRow> rows = RowReader.read(jsc, files, format, o)
                .repartitionAndSortWithinPartitions(new RowPartitioner(partitions));
        TrainingData data = build(jsc, rows, o, o.input, files, format, partitions,
                new RowLocator(files.paths(), jsc.hadoopConfiguration()), 0);
        return "csv".equals(format) ? named(data, FeatureNames.of(jsc, files, format, o), "the header of "
                + files.paths().get(0)) : data;
    }

    /** Records the input's feature names (null: none) in the data, refusing a count that is not d. */
    private static TrainingData named(TrainingData data, String[] names, String source) {
        if (names != null && names.length != data.numFeatures) {
            data.release();
            throw new BadInputException(source + " names " + names.length + " feature columns, but the rows have "
                    + data.numFeatures + ": " + java.util.Arrays.toString(names) + ".");
        }
        data.featureNames = names;
        return data;
    }

    /**
     * Loads a DataFrame's rows (columns named in {@code o} as for Parquet: labelField, weightField, featuresField
     * or featureFields) the same way. Rows are keyed by their content ({@link DataFrameRows}), so the layout
     * depends on the rows and P only. Without o.partitions, P follows the size of the DataFrame's input files
     * (one partition per 32 MiB, at least 2; 2 for a DataFrame built in memory).
     */
    public static TrainingData load(Dataset<Row> df, Options o) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(df.sparkSession().sparkContext());
        String input = o.input != null ? o.input : DataFrameRows.DATAFRAME;
        InputFiles files = InputFiles.of(input, df.inputFiles(), jsc.hadoopConfiguration());
        int partitions = o.partitions > 0 ? o.partitions : defaultPartitions(files.totalBytes());
        DataFrameRows source = DataFrameRows.of(df, o);
        JavaPairRDD<Long, ParsedRow> rows = source.rows()
                .repartitionAndSortWithinPartitions(new RowPartitioner(partitions))
                .mapPartitionsToPair(DataFrameRows::orderTies, true);
        return named(build(jsc, rows, o, input, files, "dataframe", partitions, source.locator(),
                source.numFeatures()), source.featureNames(), input);
    }

    /**
     * From rows partitioned and sorted by key: summary, labels, d, packing and caching.
     *
     * @param knownNumFeatures d the rows were already checked against (Parquet, DataFrames), or 0 to infer it
     */
    private static TrainingData build(JavaSparkContext jsc, JavaPairRDD<Long, ParsedRow> rows, Options o,
                                      String input, InputFiles files, String format, int partitions,
                                      RowLocator rowsAt, int knownNumFeatures) {
        InputSummary summary = readingInput(input, () -> rows
                .mapPartitions(it -> {
                    InputSummary s = new InputSummary();
                    while (it.hasNext()) {
                        Tuple2<Long, ParsedRow> r = it.next();
                        s.add(r._1(), r._2());
                    }
                    return Collections.singletonList(s).iterator();
                })
                .reduce(InputSummary::merge));
        BadRecords bad = new BadRecords(summary.rows() + summary.badRecords());
        summary.badCounts.forEach((category, n) -> bad.add(category, n, 0L, null));
        summary.badExamples.forEach(bad::addExample);
        if (summary.rows() == 0 && bad.total() == 0) {
            boolean text = "libsvm".equals(format) || "csv".equals(format);
            throw new BadInputException(("dataframe".equals(format) ? input : "input " + input) + " holds no data rows"
                    + (text ? " (only blank, comment or header lines)." : "."));
        }
        if (summary.rows() == 0) {
            bad.enforce(o.maxBadFraction);
        }
        int numFeatures = knownNumFeatures > 0 ? knownNumFeatures : numFeatures(format, o, summary, rowsAt, bad);
        LabelEncoding labels = o.fixedLabels != null ? o.fixedLabels : LabelEncoding.decide(o.objective, summary,
                o.numClasses, o.binaryLabels, o.skipBadRecords, rowsAt);
        if (o.fixedLabels != null) {
            final LabelEncoding fixed = o.fixedLabels;
            long misfit = rows.filter(t -> !t._2().isBad() && !fixed.accepts(t._2().label)).count();
            if (misfit > 0) {
                double example = rows.filter(t -> !t._2().isBad() && !fixed.accepts(t._2().label)).first()._2().label;
                throw new BadInputException(misfit + " row(s) of " + input + " have a label the model trained on"
                        + " the training data cannot take (for example " + example + ").");
            }
        }
        if (labels.rejectedRows() > 0) {
            bad.add("label does not fit " + o.objective.cliName(), labels.rejectedRows(), labels.rejectedExampleKey(),
                    labels.rejectedExample());
        }
        if (o.skipBadRecords) {
            bad.enforce(o.maxBadFraction);
        }
        if (labels.rejectedRows() > 0 && o.numFeatures == 0 && knownNumFeatures == 0 && !"csv".equals(format)) {
            // A row left out for its label must not widen the model: take the width of the rows kept.
            final LabelEncoding kept = labels;
            numFeatures = Math.max(1, rows.filter(t -> !t._2().isBad() && kept.accepts(t._2().label))
                    .map(t -> t._2().width()).fold(0, Math::max));
        }
        checkModelSize(numFeatures, o.objective.numOutputs(labels.numClasses()), summary, rowsAt,
                o.parametersOnExecutors);

        final int d = numFeatures;
        final int blockRows = blockRows(o, summary.rows() - labels.rejectedRows());
        final FeaturePrecision precision = o.precision;
        final BlockLayout layout = o.blockLayout;
        final boolean csv = "csv".equals(format);
        final Holdout holdout = o.holdout;
        JavaRDD<DataBlock> blocks = rows
                .mapPartitions(it -> pack(it, d, csv, blockRows, precision, layout, labels, holdout, false))
                .persist(StorageLevel.MEMORY_ONLY());
        blocks.setName("Downhill blocks of " + input);
        // Each partition's d x d covariance reaches the driver before merging: bounded, else train takes it
        // in a tree-aggregated pass of its own.
        boolean covarianceWanted = d <= o.covarianceMaxFeatures
                && summary.meanStoredValues() <= o.covarianceMaxRowValues;
        boolean covariance = covarianceWanted && 8L * d * d * blocks.getNumPartitions() <= COVARIANCE_COLLECT_BYTES;
        // A model that will be sharded takes its moments per slice on the executors, never d-sized here.
        long parameters = ((long) d + 1) * o.objective.numOutputs(labels.numClasses());
        boolean moments = o.featureMoments && !(o.parametersOnExecutors && !fitsDriverComfortably(parameters));
        List<BlockStats> perPartition = stats(blocks, moments ? d : -1, covariance);
        BlockStats stats = perPartition.stream().reduce(new BlockStats(), BlockStats::merge);
        long[] blocksPerPartition = perPartition.stream().mapToLong(b -> b.blocks).toArray();
        TrainingData.Validation validation = null;
        if (holdout.isEnabled()) {
            JavaRDD<DataBlock> held = rows
                    .mapPartitions(it -> pack(it, d, csv, blockRows, precision, layout, labels, holdout, true))
                    .persist(StorageLevel.MEMORY_ONLY());
            held.setName("Downhill validation blocks of " + input);
            BlockStats v = stats(held, -1, false).stream().reduce(new BlockStats(), BlockStats::merge);
            validation = new TrainingData.Validation(held, v.bound.rows());
        }
        if (stats.bound.rows() == 0) {
            throw new BadInputException("no row of " + input + " is left to train on"
                    + (holdout.isEnabled() ? " after holding out the validation fraction" : "") + ".");
        }
        return new TrainingData(blocks, files, format, numFeatures, labels, summary, stats.bound, partitions,
                stats.blocks, stats.denseBlocks, stats.payloadBytes, bad, blocksPerPartition, validation,
                stats.moments, covarianceWanted, stats.covariance);
    }

    /**
     * Fills the cache and takes what the step-size bound needs in the same pass, and the moments of
     * {@code momentFeatures} features unless it is negative (with their covariance if asked); one entry per
     * partition.
     */
    private static List<BlockStats> stats(JavaRDD<DataBlock> blocks, int momentFeatures, boolean covariance) {
        return blocks.mapPartitions(it -> {
            BlockStats s = momentFeatures < 0 ? new BlockStats() : new BlockStats(momentFeatures, covariance);
            while (it.hasNext()) {
                s.add(it.next());
            }
            return Collections.singletonList(s).iterator();
        }).collect(); // partition order: merged the same way every run
    }

    /**
     * Runs the job that first reads the files. Spark's Hadoop reader opens each file before Downhill's
     * record iterator runs, so a file that cannot be opened (permissions, a vanished file) fails there:
     * turn that I/O failure into a bad-input error naming the file instead of an internal error.
     */
    private static <T> T readingInput(String input, java.util.function.Supplier<T> job) {
        try {
            return job.get();
        } catch (Exception e) { // SparkException is checked in Java's eyes but thrown from Scala unchecked
            for (Throwable c = e; c != null && c.getCause() != c; c = c.getCause()) {
                if (c instanceof BadInputException) {
                    throw (BadInputException) c;
                }
                if (c instanceof IOException) {
                    throw new BadInputException("cannot read input " + input + ": " + c.getMessage()
                            + ". Check that every file under it is readable.", c);
                }
            }
            throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
        }
    }

    /**
     * Whether the tree path's driver-side copies of a model ({@link #DRIVER_BYTES_PER_PARAMETER} a parameter)
     * take at most half this driver's heap: --aggregation auto shards models that do not.
     */
    public static boolean fitsDriverComfortably(long parameters) {
        return parameters * DRIVER_BYTES_PER_PARAMETER <= Runtime.getRuntime().maxMemory() / 2;
    }

    /** Refuses a model the driver could not hold, naming the row whose feature index asks for it. */
    private static void checkModelSize(int numFeatures, int outputs, InputSummary s, RowLocator rows,
                                       boolean onExecutors) {
        long parameters = ((long) numFeatures + 1) * outputs;
        long heap = Runtime.getRuntime().maxMemory();
        if (parameters > Integer.MAX_VALUE - 8 || (!onExecutors && parameters * DRIVER_BYTES_PER_PARAMETER > heap)) {
            String where = s.firstMaxWidth == null ? "" : " (the largest feature index is in "
                    + rows.describe(s.firstMaxWidth) + ")";
            throw new BadInputException(String.format(Locale.ROOT, "%d features x %d output(s) make %d parameters,"
                    + " more than this driver can hold (%.1f GiB heap)%s. If that index is a typo, fix the line;"
                    + " otherwise set --num-features, give the driver more memory: %s, or keep the parameters on"
                    + " the executors (--aggregation sharded).",
                    numFeatures, outputs, parameters, heap / 1073741824.0, where,
                    dev.downhill.driver.spark.DriverMemory.advice(parameters * DRIVER_BYTES_PER_PARAMETER)));
        }
    }

    private static int numFeatures(String format, Options o, InputSummary s, RowLocator rows, BadRecords bad) {
        if ("csv".equals(format)) {
            Map.Entry<Integer, RowRef> first = null;
            for (Map.Entry<Integer, RowRef> e : s.firstRowOfWidth.entrySet()) {
                if (first == null || e.getValue().key < first.getValue().key) {
                    first = e;
                }
            }
            for (Map.Entry<Integer, RowRef> e : s.firstRowOfWidth.entrySet()) {
                if (e.getKey().intValue() != first.getKey().intValue()) {
                    int extra = o.weightColumn >= 0 ? 2 : 1;
                    String message = "bad CSV record in " + rows.describe(e.getValue()) + ": it has "
                            + (e.getKey() + extra) + " columns, but " + first.getValue().describe(rows.paths())
                            + " (the first row) has " + (first.getKey() + extra) + ". Every row needs the same"
                            + " columns.";
                    if (!o.skipBadRecords) {
                        throw new BadInputException(message);
                    }
                    bad.add("wrong number of columns", s.widthCounts.getOrDefault(e.getKey(), 0L), e.getValue().key,
                            message);
                }
            }
            if (s.firstRowOfWidth.size() >= 16) {
                // Widths beyond the 16 tracked cannot be counted exactly: refuse rather than guess.
                throw new BadInputException("the CSV rows have 16 or more different column counts; the data is not"
                        + " one table. First row: " + rows.describe(first.getValue()) + ".");
            }
            int width = first.getKey();
            if (o.numFeatures > 0 && o.numFeatures != width) {
                throw new BadInputException("the CSV rows have " + width + " feature columns but --num-features is "
                        + o.numFeatures + ".");
            }
            if (width == 0) {
                throw new BadInputException("the CSV rows have no feature columns, only the label.");
            }
            return width;
        }
        if (o.numFeatures > 0) {
            return o.numFeatures;
        }
        if (s.maxWidth == 0) {
            throw new BadInputException("no row of " + o.input + " has a feature: nothing to learn from.");
        }
        return s.maxWidth;
    }

    /**
     * o.blockRows, or fewer where o.minBlocks asks for more blocks than that makes: about twice minBlocks
     * blocks of the rows expected to be trained on, so the random holdout and the partition ends cannot leave
     * fewer than minBlocks.
     */
    static int blockRows(Options o, long goodRows) {
        if (o.minBlocks <= 1) {
            return o.blockRows;
        }
        long trainRows = (long) Math.floor(goodRows * (1 - o.holdout.fraction()));
        return (int) Math.max(1, Math.min(o.blockRows, trainRows / (2L * o.minBlocks)));
    }

    /** Packs the good rows; bad records, misfit labels and CSV rows of the wrong width were counted and stay out. */
    private static Iterator<DataBlock> pack(Iterator<Tuple2<Long, ParsedRow>> rows, int numFeatures, boolean csv,
                                            int blockRows, FeaturePrecision precision, BlockLayout layout,
                                            LabelEncoding labels,
                                            Holdout holdout, boolean validationSide) {
        List<DataBlock> out = new ArrayList<>();
        BlockBuilder builder = new BlockBuilder(numFeatures, precision, layout);
        while (rows.hasNext()) {
            Tuple2<Long, ParsedRow> keyed = rows.next();
            ParsedRow r = keyed._2();
            if (r.isBad() || !labels.accepts(r.label) || csv && r.values.length != numFeatures
                    || holdout.heldOut(r) != validationSide) {
                continue;
            }
            if (precision == FeaturePrecision.FLOAT32) {
                for (double v : r.values) {
                    if (Float.isInfinite((float) v)) {
                        throw new BadInputException("feature value " + v + (r.line > 0 ? " on line " + r.line : "")
                                + " is beyond the float32 range (+-3.4e38): train with --feature-precision float64.");
                    }
                }
            }
            r.addTo(builder, labels.encode(r.label), keyed._1());
            if (builder.numRows() == blockRows) {
                out.add(builder.build());
            }
        }
        if (builder.numRows() > 0) {
            out.add(builder.build());
        }
        return out.iterator();
    }
}
