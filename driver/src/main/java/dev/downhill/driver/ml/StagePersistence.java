package dev.downhill.driver.ml;

import dev.downhill.driver.train.ModelFile;
import dev.downhill.driver.train.TrainingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.BiFunction;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import scala.Option;

/**
 * Spark ML persistence of the fitted models: Spark's own metadata (class, uid, Params) under PATH/metadata,
 * and the command line's model.json under PATH/data, so a saved stage is also a model folder that
 * {@code downhill evaluate --model PATH/data} reads. No Java serialization.
 */
final class StagePersistence {
    static final String DATA = "data";

    private StagePersistence() {}

    static final class ModelWriter extends MLWriter {
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
