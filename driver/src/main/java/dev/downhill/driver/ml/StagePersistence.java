package dev.downhill.driver.ml;

import dev.downhill.driver.io.OutputException;
import dev.downhill.driver.io.OutputFiles;
import dev.downhill.driver.io.OutputFolder;
import dev.downhill.driver.io.OutputLock;
import dev.downhill.driver.train.ModelFile;
import dev.downhill.driver.train.TrainingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import scala.Option;

/**
 * Spark ML persistence of the stages: Spark's own metadata (class, uid, Params) under PATH/metadata, and for a
 * fitted model the command line's model.json under PATH/data, so a saved stage is also a model folder that
 * {@code downhill evaluate --model PATH/data} reads. No Java serialization.
 *
 * <p>{@code save} keeps Spark's MLWriter rules (an existing PATH is refused unless {@code write().overwrite()})
 * and adds the command line's ({@link OutputLock}): the writer holds PATH/downhill.lock while it writes, so a
 * second writer of the same PATH is refused naming the lock, and {@code overwrite()} removes only what a stage's
 * save writes (Spark's metadata files, and Downhill's files in PATH/data), never the other files in PATH,
 * where Spark's own writer deletes PATH whole.
 */
final class StagePersistence {
    static final String DATA = "data";
    static final String METADATA = "metadata";
    /** What Spark's metadata writer leaves (part files, the commit marker, checksum side files). */
    private static final Pattern SPARK_METADATA_FILE = Pattern.compile("part-\\d{5}.*|_SUCCESS|\\..*\\.crc");

    private StagePersistence() {}

    /** Saves as Spark's MLWriter does, holding the folder's lock and overwriting only the stage's own files. */
    abstract static class LockingWriter extends MLWriter {
        @Override
        public void save(String path) throws IOException {
            Configuration conf = sparkSession().sparkContext().hadoopConfiguration();
            FileSystem fs = OutputFiles.plain(new Path(path), conf);
            Path folder = fs.makeQualified(new Path(path));
            if (fs.isFile(folder)) {
                throw new IOException("Path " + folder + " already exists and is a file; a stage saves a folder."
                        + " Choose another path (overwrite() never deletes a file a stage did not write).");
            }
            OutputLock lock;
            try {
                lock = OutputLock.acquire(folder, conf, System.err);
            } catch (OutputException e) {
                throw OutputException.refused("cannot save the stage to " + folder + ": " + e.getMessage()
                        .replace("another --output", "another path").replace("--output ", "")
                        .replace("another train run", "another Downhill run"), e);
            }
            try {
                // Checked under the lock, so a writer that finished a moment ago is seen.
                List<String> there = contents(fs, folder);
                if (!there.isEmpty() && !shouldOverwrite()) {
                    throw new IOException("Path " + folder + " already exists (it holds " + String.join(", ", there)
                            + "). To overwrite it, use write().overwrite().save(path): it replaces the saved stage"
                            + " and leaves other files alone.");
                }
                if (shouldOverwrite()) {
                    removeEarlierSave(fs, folder);
                }
                saveImpl(path);
            } finally {
                lock.close();
            }
        }
    }

    /** The names in {@code folder} other than the lock (the first five, then "..."). */
    private static List<String> contents(FileSystem fs, Path folder) throws IOException {
        List<String> names = new ArrayList<>();
        for (FileStatus s : fs.listStatus(folder)) {
            if (!s.getPath().getName().equals(OutputLock.NAME)) {
                names.add(names.size() < 5 ? s.getPath().getName() : "...");
            }
        }
        return names.size() > 6 ? names.subList(0, 6) : names;
    }

    /** Removes what a stage's save wrote: Spark's metadata files, and Downhill's files in PATH/data. */
    private static void removeEarlierSave(FileSystem fs, Path folder) throws IOException {
        Path metadata = new Path(folder, METADATA);
        if (fs.isFile(metadata)) {
            fs.delete(metadata, false); // Spark's local saving mode writes the metadata as one file
        } else if (fs.isDirectory(metadata)) {
            List<String> others = new ArrayList<>();
            for (FileStatus s : fs.listStatus(metadata)) {
                if (s.isFile() && SPARK_METADATA_FILE.matcher(s.getPath().getName()).matches()) {
                    fs.delete(s.getPath(), false);
                } else {
                    others.add(s.getPath().getName());
                }
            }
            if (!others.isEmpty()) {
                throw new IOException("cannot overwrite " + folder + ": " + metadata + " holds files Spark's"
                        + " metadata writer did not write (" + String.join(", ", others) + "); move them first.");
            }
            fs.delete(metadata, false);
        }
        Path data = new Path(folder, DATA);
        if (fs.isDirectory(data)) {
            OutputFolder.removeTrainFiles(fs, data);
        }
    }

    /** A fitted model's writer: Spark's metadata, then model.json under PATH/data. */
    static final class ModelWriter extends LockingWriter {
        private final Params stage;
        private final TrainingResult result;

        ModelWriter(Params stage, TrainingResult result) {
            this.stage = stage;
            this.result = result;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter$.MODULE$.saveMetadata(stage, path, sparkSession());
            try {
                ModelFile.save(new Path(path, DATA).toString(), result,
                        sparkSession().sparkContext().hadoopConfiguration());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** An estimator's writer: Spark's metadata (its Params) only, as DefaultParamsWriter writes it. */
    static final class ParamsWriter extends LockingWriter {
        private final Params stage;

        ParamsWriter(Params stage) {
            this.stage = stage;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter$.MODULE$.saveMetadata(stage, path, sparkSession());
        }
    }

    static final class ModelReader<M extends Params> extends MLReader<M> {
        private final Class<M> type;
        private final BiFunction<String, TrainingResult, M> make;

        ModelReader(Class<M> type, BiFunction<String, TrainingResult, M> make) {
            this.type = type;
            this.make = make;
        }

        @Override
        public M load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession(),
                    type.getName());
            TrainingResult result = ModelFile.load(new Path(path, DATA).toString(),
                    sparkSession().sparkContext().hadoopConfiguration());
            M model = make.apply(metadata.uid(), result);
            metadata.getAndSetParams(model, Option.empty());
            return model;
        }
    }
}
