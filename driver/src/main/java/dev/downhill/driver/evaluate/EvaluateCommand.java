package dev.downhill.driver.evaluate;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.metrics.MetricsAccumulator;
import dev.downhill.core.metrics.RocArea;
import dev.downhill.core.model.Predictor;
import dev.downhill.driver.io.BadInputException;
import dev.downhill.driver.io.FeatureNames;
import dev.downhill.driver.io.InputFiles;
import dev.downhill.driver.io.RowBlocks;
import dev.downhill.driver.io.RowReader;
import dev.downhill.driver.settings.InputSettings;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.sharded.ShardedScoring;
import dev.downhill.driver.spark.OrderedAggregation;
import dev.downhill.driver.spark.SparkRocArea;
import dev.downhill.driver.train.ModelFile;
import dev.downhill.driver.train.ScoringParameters;
import dev.downhill.driver.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * {@code evaluate}: scores a trained model on labeled data, on the executors. The rows are read as train reads
 * them, labels mapped to the model's classes (a label the model does not know is a bad record), packed into
 * blocks and cached; one pass folds every block's predictions into a worker-core {@link MetricsAccumulator}
 * per partition, merged in partition order; for binary models a second pass sorts the model outputs with
 * Spark for the exact ROC AUC ({@link SparkRocArea}). The metrics are printed as a table and written as JSON to
 * --output, by default MODEL/evaluation.json. The model is broadcast; a sharded model too large for the driver is
 * read from its shards on the executors and each partition pulls the parameters its features need
 * ({@link ScoringParameters}), with the same scores to the bit.
 */
public final class EvaluateCommand {
    public static final String JOB_GROUP = "downhill-evaluate";
    /** The report's name in the model folder when --output is not given. */
    public static final String DEFAULT_REPORT = "evaluation.json";
    /** Partials merged per group before the driver (as for the training loss). */
    static final int FAN_IN = 16;

    private final Settings settings;
    private final PrintStream out;

    public EvaluateCommand(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Checks what evaluate needs that parsing alone cannot, before Spark starts. */
    public static void validate(Settings s) {
        InputSettings.validate(s);
        s.require("model");
        InputSettings.requireLabels(s, Settings.EVALUATE);
    }

    /** Evaluates, prints the table, writes the JSON report and returns its full path. */
    public String run(JavaSparkContext jsc) throws IOException {
        Configuration conf = jsc.hadoopConfiguration();
        String modelDir = settings.require("model");
        TrainingResult model = ModelFile.loadForScoring(modelDir, conf);
        String modelPath = ModelFile.location(modelDir, conf);
        EvaluationReport report = evaluate(jsc, model, modelPath);
        out.print(report.table());
        Path target = reportPath(settings, conf);
        String written = ModelFile.write(target.getParent().toString(), target.getName(), report.json(), conf);
        out.println("evaluation written to " + written);
        return written;
    }

    /** --output, or MODEL/evaluation.json; qualified so that a bare file name has a parent folder. */
    public static Path reportPath(Settings s, Configuration conf) throws IOException {
        Path p = s.isGiven("output") ? new Path(s.get("output"))
                : new Path(new Path(s.require("model")), DEFAULT_REPORT);
        return p.getFileSystem(conf).makeQualified(p);
    }

    EvaluationReport evaluate(JavaSparkContext jsc, TrainingResult model, String modelPath) {
        Objective objective = model.objective;
        int d = model.numFeatures;
        int numClasses = model.classLabels == null ? 0 : model.classLabels.length;
        double[] classLabels = model.classLabels;
        int blockRows = dev.downhill.driver.train.ModelSettings.blockRows(settings, false);

        jsc.setJobGroup(JOB_GROUP, "Downhill evaluate: reading " + settings.get("input"), false);
        RowReader.Options o = new RowReader.Options();
        InputSettings.apply(settings, o);
        o.fitModel(d, modelPath);
        o.acceptedLabels = classLabels;
        InputFiles files = InputFiles.resolve(o.input, jsc.hadoopConfiguration());
        String format = RowReader.resolveFormat(o.format, files);
        // Columns in another order than the model's would be scored with the wrong weights: refuse them.
        FeatureNames.check(model.featureNames, modelPath, FeatureNames.of(jsc, files, format, o), files.input());
        JavaRDD<DataBlock> blocks = RowReader.read(jsc, files, format, o)
                .mapPartitions(rows -> new RowBlocks(rows, d, blockRows, classLabels))
                .persist(StorageLevel.MEMORY_ONLY());
        blocks.setName("Downhill evaluation blocks of " + o.input);
        dev.downhill.core.model.Architecture architecture = model.architecture;
        // The model on the driver is broadcast; a sharded one too large for the driver stays on the executors,
        // each partition pulling the parameters its features need (ShardedScoring).
        try (ScoringParameters parameters = ScoringParameters.of(jsc, model, () -> blocks, out)) {
            Broadcast<double[]> params = parameters.broadcast();
            JavaRDD<MetricsAccumulator> partials;
            JavaPairRDD<Double, double[]> scored = null;
            boolean ranked = objective == Objective.LOGISTIC || objective == Objective.HINGE;
            if (params != null) {
                partials = blocks.mapPartitions(it -> metrics(it, objective, numClasses,
                        new Predictor(objective, architecture, numClasses, params.value())));
                if (ranked) {
                    scored = blocks.mapPartitionsToPair(
                            it -> scoredRows(it, new Predictor(objective, architecture, numClasses, params.value())));
                }
            } else {
                partials = blocks.zipPartitions(parameters.localModels(), (it, local) -> {
                    ShardedScoring.LocalModel m = local.next();
                    return metrics(m.pack(it), objective, numClasses, m.predictor(objective, numClasses));
                });
                if (ranked) { // the second job reads the pulled parameters from the first one's shuffle files
                    scored = blocks.zipPartitions(parameters.localModels(), (it, local) -> {
                        ShardedScoring.LocalModel m = local.next();
                        return scoredRows(m.pack(it), m.predictor(objective, numClasses));
                    }).mapToPair(t -> t);
                }
            }
            MetricsAccumulator metrics = OrderedAggregation.aggregate(partials, FAN_IN, MetricsAccumulator::merge);
            if (metrics.rows() == 0) {
                throw new BadInputException("input " + o.input + " holds no data rows (only blank, comment or header"
                        + " lines): nothing to evaluate.");
            }
            RocArea roc = null;
            if (ranked) {
                jsc.setJobGroup(JOB_GROUP, "Downhill evaluate: ROC AUC", false);
                // Ranked by z, the order of sigma(z) without the ties where sigma rounds to 1; block by block,
                // so a task holds one block's scores at a time.
                roc = SparkRocArea.of(scored);
            }
            return new EvaluationReport(modelPath, files.input(), format, objective, classLabels, metrics, roc);
        } finally {
            blocks.unpersist(false);
        }
    }

    /** One task's metrics: every block's predictions folded into one accumulator. */
    private static Iterator<MetricsAccumulator> metrics(Iterator<DataBlock> blocks, Objective objective,
                                                        int numClasses, Predictor predictor) {
        MetricsAccumulator acc = new MetricsAccumulator(objective, numClasses);
        while (blocks.hasNext()) {
            DataBlock block = blocks.next();
            predictor.predict(block);
            acc.add(predictor, block);
        }
        return Collections.singletonList(acc).iterator();
    }

    /**
     * (model output z, [weight if positive, weight if negative]) for every row, block by block: one predictor per
     * task (it copies the parameters) and one block's rows in memory at a time. Static, so the task captures no
     * command object.
     */
    private static Iterator<Tuple2<Double, double[]>> scoredRows(Iterator<DataBlock> blocks, Predictor predictor) {
        return new Iterator<>() {
            private Iterator<Tuple2<Double, double[]>> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && blocks.hasNext()) {
                    DataBlock block = blocks.next();
                    predictor.predict(block);
                    List<Tuple2<Double, double[]>> scored = new ArrayList<>(block.numRows());
                    for (int i = 0; i < block.numRows(); i++) {
                        double v = block.weight(i);
                        scored.add(new Tuple2<>(predictor.output(i, 0),
                                block.label(i) == 1.0 ? new double[] {v, 0.0} : new double[] {0.0, v}));
                    }
                    current = scored.iterator();
                }
                return current.hasNext();
            }

            @Override
            public Tuple2<Double, double[]> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
