package dev.downhill.driver.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The model file, {@code OUTPUT/model.json}: a versioned JSON document, written through Hadoop's
 * FileSystem API to a temporary name and then renamed, so a reader never sees half a model.
 * It holds no timestamps or timings, so identical training gives identical bytes.
 *
 * <p>Fields: formatVersion, objective, l2, numFeatures, numClasses (0 for least squares), classLabels
 * (the data's label of each class; absent for least squares), weights (d numbers, or K arrays of d for
 * softmax), intercepts (1 number, or K), iterations, objectiveValue, gradientNorm, stopReason, step.
 */
public final class ModelFile {
    public static final int FORMAT_VERSION = 1;
    public static final String NAME = "model.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelFile() {}

    /** The document for a trained linear model with parameters laid out as in LinearModel. */
    public static ObjectNode toJson(TrainingResult r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("objective", r.objective.cliName());
        root.put("l2", r.l2);
        root.put("numFeatures", r.numFeatures);
        root.put("numClasses", r.classLabels == null ? 0 : r.classLabels.length);
        if (r.classLabels != null) {
            ArrayNode labels = root.putArray("classLabels");
            for (double c : r.classLabels) {
                labels.add(c);
            }
        }
        int k = r.numOutputs;
        int d = r.numFeatures;
        double[] p = r.parameters;
        ArrayNode weights = root.putArray("weights");
        if (k == 1) {
            for (int j = 0; j < d; j++) {
                weights.add(p[j]);
            }
        } else {
            for (int c = 0; c < k; c++) {
                ArrayNode row = weights.addArray();
                for (int j = 0; j < d; j++) {
                    row.add(p[c * d + j]);
                }
            }
        }
        if (k == 1) {
            root.put("intercepts", p[d]);
        } else {
            ArrayNode b = root.putArray("intercepts");
            for (int c = 0; c < k; c++) {
                b.add(p[k * d + c]);
            }
        }
        root.put("iterations", r.iterations);
        root.put("objectiveValue", r.objectiveValue);
        root.put("gradientNorm", r.gradientNorm);
        root.put("stopReason", r.stopReason.label());
        root.put("step", r.step);
        return root;
    }

    /** Writes OUTPUT/model.json (temporary file, then rename) and returns its full path. */
    public static String write(String outputDir, ObjectNode model, Configuration conf) throws IOException {
        return write(outputDir, NAME, model, conf);
    }

    /** Writes OUTPUT/name the same way. */
    public static String write(String outputDir, String name, ObjectNode model, Configuration conf) throws IOException {
        Path dir = new Path(outputDir);
        FileSystem fs = dir.getFileSystem(conf);
        fs.mkdirs(dir);
        Path target = new Path(dir, name);
        Path tmp = new Path(dir, "." + name + ".tmp");
        try (OutputStream out = fs.create(tmp, true)) {
            out.write(JSON.writeValueAsBytes(model));
            out.write('\n');
        }
        if (fs.exists(target) && !fs.delete(target, false)) {
            throw new IOException("cannot replace " + target);
        }
        if (!fs.rename(tmp, target)) {
            throw new IOException("cannot rename " + tmp + " to " + target);
        }
        return fs.makeQualified(target).toString();
    }

    public static JsonNode read(String path, Configuration conf) throws IOException {
        Path p = new Path(path);
        try (InputStream in = p.getFileSystem(conf).open(p)) {
            JsonNode node = JSON.readTree(in);
            int version = node.path("formatVersion").asInt(-1);
            if (version != FORMAT_VERSION) {
                throw new IOException(path + " has model format version " + node.path("formatVersion")
                        + "; this Downhill reads version " + FORMAT_VERSION + ".");
            }
            return node;
        }
    }
}
