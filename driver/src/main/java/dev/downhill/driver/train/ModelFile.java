package dev.downhill.driver.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.ActivationFunction;
import dev.downhill.core.model.Architecture;
import dev.downhill.core.optim.StopReason;
import dev.downhill.driver.io.BadInputException;
import dev.downhill.driver.io.OutputFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.AccessControlException;

/**
 * The model file, {@code OUTPUT/model.json}: a versioned JSON document, written through Hadoop's
 * FileSystem API to a temporary name and then renamed, so a reader never sees half a model
 * ({@link OutputFiles#write}, which any other file of the model, such as a binary one written before it, can
 * use the same way). No checksum side file is written or read, so a person may edit it.
 * It holds no timestamps or timings, so identical training gives identical bytes.
 *
 * <p>Fields: formatVersion, objective, l2, numFeatures, numClasses (0 for least squares), classLabels
 * (the data's label of each class; absent for least squares), l1, architecture ({"type": "linear"|"mlp",
 * "inputs", "hidden", "activation", "outputs", plus "negativeSlope" for leaky-relu and "dropout" when used; or
 * {"type": "custom", "class", "inputs", "outputs"} for a --model-class model, whose class load must find),
 * parameters (the name of the safetensors file beside it), weights (d numbers, or K arrays of d for softmax) and
 * intercepts (1 number, or K) for linear models only, iterations, objectiveValue, gradientNorm, stopReason, step,
 * optimizer; with validation also selectedBy, validationLoss, lastIteration, lastObjectiveValue, lastGradientNorm
 * (the kept iterate is not the last); warning (e.g. no minimizer); featureNames (d texts) where the input named
 * them.
 *
 * <p>Every model's parameters are also written to {@code model.safetensors} ({@link SafeTensors}) before
 * model.json, so a reader that finds model.json finds its parameters. A network's parameters are only there:
 * they never pass through the driver as text. A sharded run's model (--aggregation sharded) has no weights,
 * intercepts or model.safetensors: its executors write model-shards/*.safetensors and model.json lists them
 * under "shards" ({@link ShardedModelFile}); {@link #load} assembles it on the driver, {@link #loadForScoring}
 * leaves a large one on disk for the executors.
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
        root.put("l1", r.l1);
        root.put("numFeatures", r.numFeatures);
        root.put("numClasses", r.classLabels == null ? 0 : r.classLabels.length);
        if (r.classLabels != null) {
            ArrayNode labels = root.putArray("classLabels");
            for (double c : r.classLabels) {
                labels.add(c);
            }
        }
        root.set("architecture", architectureJson(r.architecture));
        if (r.architecture.type() == Architecture.Type.LINEAR && r.parameters != null) {
            linearWeights(root, r); // a sharded model lists its shard files instead
        }
        root.put("iterations", r.iterations);
        root.put("objectiveValue", r.objectiveValue);
        root.put("gradientNorm", r.gradientNorm);
        root.put("stopReason", r.stopReason.label());
        if (Double.isFinite(r.step)) { // lbfgs has no step of its own
            root.put("step", r.step);
        }
        root.put("optimizer", r.optimizer);
        if (r.runEnd != null) {
            root.put("selectedBy", r.runEnd.selectedBy());
            root.put("validationLoss", r.runEnd.validationLoss());
            root.put("lastIteration", r.runEnd.lastIteration());
            root.put("lastObjectiveValue", r.runEnd.lastObjectiveValue());
            root.put("lastGradientNorm", r.runEnd.lastGradientNorm());
        }
        if (r.warning != null) {
            root.put("warning", r.warning);
        }
        if (r.featureNames != null) {
            ArrayNode names = root.putArray("featureNames");
            for (String name : r.featureNames) {
                names.add(name);
            }
        }
        return root;
    }

    /** The architecture as model.json records it. */
    public static ObjectNode architectureJson(Architecture a) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", a.type().cliName());
        if (a.type() == Architecture.Type.CUSTOM) { // {"type": "custom", "class", "inputs", "outputs"}
            n.put("class", a.className());
            n.put("inputs", a.inputs());
            n.put("outputs", a.outputs());
            return n;
        }
        n.put("inputs", a.inputs());
        ArrayNode hidden = n.putArray("hidden");
        for (int h : a.hidden()) {
            hidden.add(h);
        }
        if (a.activation() != null) {
            n.put("activation", a.activation().cliName());
            if (a.activation() == ActivationFunction.LEAKY_RELU) {
                n.put("negativeSlope", a.negativeSlope());
            }
        }
        n.put("outputs", a.outputs());
        if (a.dropout() > 0) {
            n.put("dropout", a.dropout());
        }
        return n;
    }

    /** The parameters file that goes with a model document: model.json's is model.safetensors. */
    public static String parametersName(String jsonName) {
        return (jsonName.endsWith(".json") ? jsonName.substring(0, jsonName.length() - 5) : jsonName)
                + ".safetensors";
    }

    /**
     * Writes a trained model: OUTPUT/name's parameters file first ({@link #parametersName}), then OUTPUT/name, each
     * to a temporary name and renamed; returns the full path of the JSON document.
     */
    public static String save(String outputDir, String name, TrainingResult r, Configuration conf) throws IOException {
        if (r.shardedParameters != null) { // written by the executors, slice by slice
            return ShardedModelFile.save(outputDir, name, r, conf);
        }
        Path dir = new Path(outputDir);
        String tensorsName = parametersName(name);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("producer", "downhill");
        meta.put("architecture", architectureJson(r.architecture).toString());
        meta.put("objective", r.objective.cliName());
        // Temporary name, synced, renamed; a failure names the file and the space (8 bytes per parameter).
        OutputFiles.write(new Path(dir, tensorsName), 8L * r.parameters.length, out -> {
            OutputStream buffered = new java.io.BufferedOutputStream(out, 1 << 16);
            SafeTensors.write(buffered, r.architecture.tensors(), r.parameters, meta);
            buffered.flush();
        }, conf);
        ObjectNode doc = toJson(r);
        doc.put("parameters", tensorsName);
        return write(outputDir, name, doc, conf);
    }

    /** Writes OUTPUT/model.json and OUTPUT/model.safetensors for a trained model. */
    public static String save(String outputDir, TrainingResult r, Configuration conf) throws IOException {
        return save(outputDir, NAME, r, conf);
    }

    private static void linearWeights(ObjectNode root, TrainingResult r) {
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
    }

    /** Writes OUTPUT/model.json (temporary file, then rename) and returns its full path. */
    public static String write(String outputDir, ObjectNode model, Configuration conf) throws IOException {
        return write(outputDir, NAME, model, conf);
    }

    /**
     * Writes OUTPUT/name the same way: through {@link OutputFiles#write} (a temporary name, synced, renamed over
     * the target; no checksum side file, so a person may edit it; a failure names the file and the space).
     */
    public static String write(String outputDir, String name, ObjectNode model, Configuration conf) throws IOException {
        byte[] bytes = bytes(model);
        return OutputFiles.write(new Path(new Path(outputDir), name), bytes, conf).toString();
    }

    /** The bytes written for a document: indented JSON and a final newline. */
    static byte[] bytes(ObjectNode model) throws JsonProcessingException {
        byte[] json = JSON.writeValueAsBytes(model);
        byte[] bytes = java.util.Arrays.copyOf(json, json.length + 1);
        bytes[json.length] = '\n';
        return bytes;
    }

    /**
     * Reads MODEL_DIR/model.json back into the result it was written from. Every problem (no such folder or
     * file, unreadable, not JSON, another format version, a missing or malformed field) is a
     * {@link BadInputException} naming the file: the model is input to evaluate and predict.
     */
    public static TrainingResult load(String modelDir, Configuration conf) {
        return load(modelDir, conf, false);
    }

    /**
     * The same for scoring on the executors (evaluate, predict): a sharded model too large to assemble on the
     * driver ({@link ShardedModelFile#assembles}) comes with null parameters and its checked shard list in
     * {@link TrainingResult#shardFiles}, to be read on the executors ({@link ShardedModelFile#readSlices}).
     */
    public static TrainingResult loadForScoring(String modelDir, Configuration conf) {
        return load(modelDir, conf, true);
    }

    private static TrainingResult load(String modelDir, Configuration conf, boolean shardsOnExecutors) {
        Path dir = new Path(modelDir);
        Path file = new Path(dir, NAME);
        JsonNode node;
        SafeTensors.Contents contents = null;
        String tensorsWhere = null;
        double[] shardedParameters = null;
        java.util.List<ShardedModelFile.Shard> shards = null;
        try {
            // Past any .crc side file (written by older versions): a hand-edited model must still load.
            FileSystem fs = OutputFiles.plain(dir, conf);
            if (fs.exists(dir) && fs.getFileStatus(dir).isFile()) {
                throw new BadInputException("model " + modelDir + " is a file; --model takes the folder train"
                        + " wrote, which holds " + NAME + ".");
            }
            if (!fs.exists(file)) {
                throw new BadInputException("model " + file + " does not exist" + (fs.exists(dir) ? ""
                        : " (no folder " + modelDir + ")") + ". --model takes the folder train wrote, which holds "
                        + NAME + ".");
            }
            file = fs.makeQualified(file);
            try (InputStream in = fs.open(file)) {
                node = JSON.readTree(in);
            }
            String type = node == null ? "" : node.path("architecture").path("type").asText();
            if (node != null && node.isObject() && ("mlp".equals(type) || "custom".equals(type))) {
                Path tensors = new Path(dir, parametersName(NAME));
                if (!fs.exists(tensors)) {
                    throw new BadInputException("model " + file + " is a network whose parameters belong in "
                            + fs.makeQualified(tensors) + ", which does not exist.");
                }
                try (InputStream in = new java.io.BufferedInputStream(fs.open(tensors), 1 << 16)) {
                    contents = SafeTensors.read(in, fs.makeQualified(tensors).toString());
                }
                tensorsWhere = fs.makeQualified(tensors).toString();
            } else if (node != null && node.isObject() && node.has(ShardedModelFile.FIELD)) {
                int n = linearParameters(node, file);
                if (shardsOnExecutors && !ShardedModelFile.assembles(n)) {
                    shards = ShardedModelFile.shards(node, dir, fs, n, file.toString());
                } else {
                    shardedParameters = ShardedModelFile.assemble(node, dir, fs, n, file.toString());
                }
            }
        } catch (JsonProcessingException e) {
            throw new BadInputException("model " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (AccessControlException e) {
            throw new BadInputException("cannot read model " + file + ": permission denied.", e);
        } catch (IOException e) {
            throw new BadInputException("cannot read model " + file + ": " + e.getMessage(), e);
        }
        if (shards == null) {
            return fromJson(node, file.toString(), contents, tensorsWhere, shardedParameters);
        }
        TrainingResult onExecutors = fromJson(node, file.toString(), null, null, null, true);
        onExecutors.shardFiles = shards;
        return onExecutors;
    }

    /** (d + 1) K for a linear model document, checked enough to size its array. */
    private static int linearParameters(JsonNode root, Path file) {
        int d = positiveInt(root, "numFeatures", file.toString());
        int k;
        try {
            k = Objective.fromName(text(root, "objective", file.toString()))
                    .numOutputs(root.path("numClasses").asInt(0));
        } catch (IllegalArgumentException e) {
            throw invalid(file.toString(), e.getMessage());
        }
        if ((d + 1L) * k > Integer.MAX_VALUE - 8) {
            throw invalid(file.toString(), d + " features x " + k + " outputs are too many parameters");
        }
        return (d + 1) * k;
    }

    /** The full path of MODEL_DIR/model.json, as messages and reports name it. */
    public static String location(String modelDir, Configuration conf) throws IOException {
        Path file = new Path(new Path(modelDir), NAME);
        return file.getFileSystem(conf).makeQualified(file).toString();
    }

    /** The result a model document describes; {@code where} names it in messages. */
    static TrainingResult fromJson(JsonNode root, String where) {
        return fromJson(root, where, null, null);
    }

    /** As above, with a network's parameters from its safetensors file (null for linear models). */
    static TrainingResult fromJson(JsonNode root, String where, SafeTensors.Contents tensors, String tensorsWhere) {
        return fromJson(root, where, tensors, tensorsWhere, null);
    }

    /** As above; a sharded linear model's parameters come assembled from its shards ({@code sharded}). */
    static TrainingResult fromJson(JsonNode root, String where, SafeTensors.Contents tensors, String tensorsWhere,
                                   double[] sharded) {
        return fromJson(root, where, tensors, tensorsWhere, sharded, false);
    }

    /** As above; with {@code noParameters} a linear model's parameters are left null (read on the executors). */
    private static TrainingResult fromJson(JsonNode root, String where, SafeTensors.Contents tensors,
                                           String tensorsWhere, double[] sharded, boolean noParameters) {
        if (root == null || !root.isObject()) {
            throw invalid(where, "it is not a JSON object");
        }
        JsonNode version = root.get("formatVersion");
        if (version == null || !version.canConvertToInt() || version.asInt() != FORMAT_VERSION) {
            throw new BadInputException("model " + where + " has formatVersion " + version + "; this Downhill reads"
                    + " version " + FORMAT_VERSION + ". Retrain the model with this version, or use the Downhill that"
                    + " wrote it.");
        }
        Objective objective;
        try {
            objective = Objective.fromName(text(root, "objective", where));
        } catch (IllegalArgumentException e) {
            throw invalid(where, e.getMessage());
        }
        int d = positiveInt(root, "numFeatures", where);
        int numClasses = root.path("numClasses").asInt(-1);
        double[] classLabels = null;
        if (objective == Objective.LEAST_SQUARES) {
            if (numClasses != 0) {
                throw invalid(where, "numClasses is " + root.get("numClasses") + ", but least squares has 0");
            }
        } else {
            int expected = objective == Objective.SOFTMAX ? Math.max(numClasses, 2) : 2;
            if (numClasses != expected) {
                throw invalid(where, "numClasses is " + root.get("numClasses") + ", but " + objective.cliName()
                        + " needs " + (objective == Objective.SOFTMAX ? "at least 2" : "2"));
            }
            classLabels = numbers(root.get("classLabels"), numClasses, "classLabels", where);
            for (int i = 0; i < numClasses; i++) {
                for (int j = 0; j < i; j++) {
                    if (classLabels[i] == classLabels[j]) {
                        throw invalid(where, "classLabels names label " + classLabels[i] + " twice");
                    }
                }
            }
        }
        int k = objective.numOutputs(numClasses);
        Architecture architecture = architecture(root.get("architecture"), d, k, where);
        if (architecture.type() != Architecture.Type.LINEAR) {
            if (tensors == null) {
                throw invalid(where, "it is a network, and its parameters are read from its safetensors file");
            }
            double[] flat = SafeTensors.flatten(tensors, architecture.tensors(), architecture.numParameters(),
                    tensorsWhere);
            for (int i = 0; i < flat.length; i++) {
                if (!Double.isFinite(flat[i])) {
                    throw new BadInputException("model parameters " + tensorsWhere + " hold a non-finite value ("
                            + flat[i] + ").");
                }
            }
            return runFields(new TrainingResult(objective, root.path("l2").asDouble(0.0), d, k, classLabels, flat,
                    root.path("iterations").asLong(0), root.path("objectiveValue").asDouble(Double.NaN),
                    root.path("gradientNorm").asDouble(Double.NaN), stopReason(root),
                    root.path("step").asDouble(Double.NaN), root.path("optimizer").asText("gd"),
                    root.path("l1").asDouble(0.0), architecture), root, d, where);
        }
        if ((d + 1L) * k > Integer.MAX_VALUE - 8) {
            throw invalid(where, d + " features x " + k + " outputs are too many parameters");
        }
        double[] p = noParameters ? null : new double[(d + 1) * k];
        JsonNode weights = root.get("weights");
        if (noParameters) {
            // the shards stay on disk until the executors read them
        } else if (sharded != null) {
            if (sharded.length != p.length) {
                throw invalid(where, "its shards hold " + sharded.length + " parameters, not " + p.length);
            }
            p = sharded;
        } else if (k == 1) {
            System.arraycopy(numbers(weights, d, "weights", where), 0, p, 0, d);
            p[d] = number(root.get("intercepts"), "intercepts", where);
        } else {
            if (weights == null || !weights.isArray() || weights.size() != k) {
                throw invalid(where, "weights must be " + k + " arrays of " + d + " numbers");
            }
            for (int c = 0; c < k; c++) {
                System.arraycopy(numbers(weights.get(c), d, "weights[" + c + "]", where), 0, p, c * d, d);
            }
            System.arraycopy(numbers(root.get("intercepts"), k, "intercepts", where), 0, p, k * d, k);
        }
        return runFields(new TrainingResult(objective, root.path("l2").asDouble(0.0), d, k, classLabels, p,
                root.path("iterations").asLong(0), root.path("objectiveValue").asDouble(Double.NaN),
                root.path("gradientNorm").asDouble(Double.NaN), stopReason(root), root.path("step").asDouble(Double.NaN),
                root.path("optimizer").asText("gd"), root.path("l1").asDouble(0.0)), root, d, where);
    }

    /** Reads featureNames, the validation fields and the warning into {@code result}, each where present. */
    private static TrainingResult runFields(TrainingResult result, JsonNode root, int d, String where) {
        JsonNode names = root.get("featureNames");
        if (names != null && !names.isNull()) {
            if (!names.isArray() || names.size() != d) {
                throw invalid(where, "'featureNames' must be an array of " + d + " texts (one per feature)");
            }
            result.featureNames = new String[d];
            for (int j = 0; j < d; j++) {
                if (!names.get(j).isTextual()) {
                    throw invalid(where, "featureNames[" + j + "] must be text, not " + names.get(j));
                }
                result.featureNames[j] = names.get(j).asText();
            }
        }
        if (root.has("lastIteration")) {
            result.runEnd = new TrainingResult.RunEnd(root.path("lastIteration").asLong(),
                    root.path("lastObjectiveValue").asDouble(Double.NaN),
                    root.path("lastGradientNorm").asDouble(Double.NaN), root.path("selectedBy").asText(null),
                    root.path("validationLoss").asDouble(Double.NaN));
        }
        result.warning = root.path("warning").asText(null);
        return result;
    }

    private static StopReason stopReason(JsonNode root) {
        StopReason stop = null;
        for (StopReason r : StopReason.values()) {
            if (r.label().equals(root.path("stopReason").asText())) {
                stop = r;
            }
        }
        return stop;
    }

    /**
     * The architecture a document records, checked against its numFeatures and outputs; a document without one
     * (written before networks) is linear.
     */
    static Architecture architecture(JsonNode n, int d, int k, String where) {
        if (n == null || n.isNull()) {
            return Architecture.linear(d, k);
        }
        if (!n.isObject()) {
            throw invalid(where, "'architecture' must be an object");
        }
        Architecture.Type type;
        try {
            type = Architecture.Type.fromName(n.path("type").asText());
        } catch (IllegalArgumentException e) {
            throw invalid(where, "architecture: " + e.getMessage());
        }
        if (n.path("inputs").asInt(-1) != d || n.path("outputs").asInt(-1) != k) {
            throw invalid(where, "architecture has inputs " + n.get("inputs") + " and outputs " + n.get("outputs")
                    + ", but numFeatures is " + d + " and the objective has " + k + " outputs");
        }
        if (type == Architecture.Type.LINEAR) {
            return Architecture.linear(d, k);
        }
        if (type == Architecture.Type.CUSTOM) { // the class is built (and must be found) when its tensors are read
            JsonNode c = n.get("class");
            if (c == null || !c.isTextual() || c.asText().isBlank()) {
                throw invalid(where, "a custom architecture needs 'class', the model's class name");
            }
            return Architecture.custom(c.asText(), d, k);
        }
        JsonNode h = n.get("hidden");
        if (h == null || !h.isArray() || h.size() == 0) {
            throw invalid(where, "architecture.hidden must be a non-empty array of layer widths");
        }
        int[] hidden = new int[h.size()];
        for (int i = 0; i < hidden.length; i++) {
            if (!h.get(i).isIntegralNumber() || h.get(i).asInt() < 1) {
                throw invalid(where, "architecture.hidden[" + i + "] must be a positive integer, not " + h.get(i));
            }
            hidden[i] = h.get(i).asInt();
        }
        try {
            ActivationFunction activation = ActivationFunction.fromName(n.path("activation").asText());
            return Architecture.mlp(d, hidden, activation,
                    n.path("negativeSlope").asDouble(ActivationFunction.DEFAULT_NEGATIVE_SLOPE), k,
                    n.path("dropout").asDouble(0.0));
        } catch (IllegalArgumentException e) {
            throw invalid(where, "architecture: " + e.getMessage());
        }
    }

    private static BadInputException invalid(String where, String what) {
        return new BadInputException("model " + where + " is not a valid Downhill model: " + what + ".");
    }

    private static String text(JsonNode root, String field, String where) {
        JsonNode n = root.get(field);
        if (n == null || !n.isTextual()) {
            throw invalid(where, "'" + field + "' is missing or not text");
        }
        return n.asText();
    }

    private static int positiveInt(JsonNode root, String field, String where) {
        JsonNode n = root.get(field);
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 1) {
            throw invalid(where, "'" + field + "' must be a positive integer, not " + n);
        }
        return n.asInt();
    }

    private static double number(JsonNode n, String field, String where) {
        if (n == null || !n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw invalid(where, "'" + field + "' must be a finite number, not " + n);
        }
        return n.asDouble();
    }

    private static double[] numbers(JsonNode n, int count, String field, String where) {
        if (n == null || !n.isArray() || n.size() != count) {
            throw invalid(where, "'" + field + "' must be an array of " + count + " numbers");
        }
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = number(n.get(i), field + "[" + i + "]", where);
        }
        return out;
    }
}
