package dev.downhill.driver.train;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.Architecture;
import dev.downhill.driver.io.BadInputException;
import dev.downhill.driver.sharded.ShardedVector;
import dev.downhill.driver.sharded.SliceLayout;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * {@code --initial-model}: the parameters a warm-started run begins from, in the user's coordinates, read from a
 * model folder Downhill wrote or from a bare {@code .safetensors} file. Everything that must agree with the new
 * run (family, layer widths, activation, objective, features, classes) is checked, and a mismatch names both
 * sides.
 */
final class InitialModel {
    private InitialModel() {}

    static double[] parameters(String path, Architecture architecture, Objective objective, double[] classLabels,
                               Configuration conf) {
        if (path.endsWith(".safetensors")) {
            Path file = new Path(path);
            try {
                FileSystem fs = file.getFileSystem(conf);
                if (!fs.exists(file)) {
                    throw new BadInputException("--initial-model " + path + " does not exist.");
                }
                SafeTensors.Contents c;
                try (InputStream in = new java.io.BufferedInputStream(fs.open(file), 1 << 16)) {
                    c = SafeTensors.read(in, path);
                }
                return SafeTensors.flatten(c, architecture.tensors(), architecture.numParameters(), path);
            } catch (IOException e) {
                throw new BadInputException("cannot read --initial-model " + path + ": " + e.getMessage(), e);
            }
        }
        TrainingResult given = ModelFile.load(path, conf);
        check(given, path, architecture, objective, classLabels);
        return given.parameters;
    }

    /**
     * The same for a sharded run, on the executors: a sharded model's shards are read there
     * ({@link ShardedModelFile#readSlices}), in its own slices; a small model (or a bare .safetensors file) is
     * read on the driver and sent as one slice. The same checks refuse a model that does not fit.
     */
    static ShardedVector onExecutors(String path, Architecture architecture, Objective objective,
                                     double[] classLabels, JavaSparkContext jsc) {
        SliceLayout whole = new SliceLayout(architecture.numParameters(), 1);
        if (path.endsWith(".safetensors")) {
            return ShardedVector.of(jsc, whole, parameters(path, architecture, objective, classLabels,
                    jsc.hadoopConfiguration()));
        }
        TrainingResult given = ModelFile.loadForScoring(path, jsc.hadoopConfiguration());
        check(given, path, architecture, objective, classLabels);
        return given.shardFiles != null ? ShardedModelFile.readSlices(jsc, given)
                : ShardedVector.of(jsc, whole, given.parameters);
    }

    /** Refuses a saved model whose architecture, objective or classes differ from this run's, naming both. */
    private static void check(TrainingResult given, String path, Architecture architecture, Objective objective,
                              double[] classLabels) {
        if (!given.architecture.equals(architecture.withDropout(given.architecture.dropout()))) {
            throw new BadInputException("--initial-model " + path + " is " + given.architecture.describe()
                    + " (tensors " + shapes(given.architecture) + "), but this run trains "
                    + architecture.describe() + " (tensors " + shapes(architecture) + "). Warm start needs the same"
                    + " architecture and features.");
        }
        if (given.objective != objective) {
            throw new BadInputException("--initial-model " + path + " was trained with --objective "
                    + given.objective.cliName() + "; this run has --objective " + objective.cliName() + ".");
        }
        if (!Arrays.equals(given.classLabels, classLabels)) {
            throw new BadInputException("--initial-model " + path + " knows the classes "
                    + Arrays.toString(given.classLabels) + "; this data has " + Arrays.toString(classLabels) + ".");
        }
    }

    private static String shapes(Architecture a) {
        StringBuilder b = new StringBuilder();
        a.tensors().forEach(t -> b.append(b.length() == 0 ? "" : ", ").append(t.name())
                .append(Arrays.toString(t.shape())));
        return b.toString();
    }
}
