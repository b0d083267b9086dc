package dev.downhill.driver.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.core.model.ParameterTensor;
import dev.downhill.driver.io.BadInputException;
import dev.downhill.driver.io.OutputFiles;
import dev.downhill.driver.io.WireConfiguration;
import dev.downhill.driver.sharded.ShardedScoring;
import dev.downhill.driver.sharded.ShardedVector;
import dev.downhill.driver.sharded.SliceLayout;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A sharded run's model (--aggregation sharded, issue #14): each executor writes its slice of the parameters
 * theta = (W row-major K x d, then b) to {@code model-shards/part-SSSSS-of-NNNNN.safetensors} through Hadoop's
 * FileSystem ({@link OutputFiles#write}: a temporary name, synced, renamed), and the driver writes model.json with
 * the shard list (file, flat range [start, end), bytes) instead of the weights. The driver never holds theta.
 *
 * <p>A shard holds {@code layers.0.weight}, the part of its range inside W ([1, n] for one output, so
 * concatenating along dim 1 gives nn.Linear's [1, d]; the flat row-major range [n] for K outputs), and
 * {@code layers.0.bias}, the part inside b, when it reaches past W. Its metadata gives start, end,
 * numFeatures and numOutputs.
 */
public final class ShardedModelFile {
    /** The folder beside model.json that holds the shards. */
    public static final String FOLDER = "model-shards";
    /** model.json's field listing the shards. */
    public static final String FIELD = "shards";

    private ShardedModelFile() {}

    /** The shard file name of slice s of n. */
    static String name(int s, int n) {
        return String.format(Locale.ROOT, "%s/part-%05d-of-%05d.safetensors", FOLDER, s, n);
    }

    /** Writes the shards (on the executors) then model.json; releases the parameters; returns model.json's path. */
    static String save(String outputDir, String name, TrainingResult r, Configuration conf) throws IOException {
        ShardedVector theta = r.shardedParameters;
        SliceLayout layout = theta.layout();
        int n = layout.numSlices();
        int d = r.numFeatures;
        int k = r.numOutputs;
        String dir = new Path(outputDir).toString();
        String objective = r.objective.cliName();
        String architecture = ModelFile.architectureJson(r.architecture).toString();
        WireConfiguration wire = new WireConfiguration(conf);
        List<Long> sizes;
        try {
            sizes = theta.slices().mapPartitionsWithIndex((s, it) -> {
                double[] slice = it.next();
                int start = layout.start(s);
                List<ParameterTensor> tensors = tensors(start, slice.length, d, k);
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("format", "pt");
                meta.put("producer", "downhill");
                meta.put("architecture", architecture);
                meta.put("objective", objective);
                meta.put("start", Integer.toString(start));
                meta.put("end", Integer.toString(start + slice.length));
                meta.put("numFeatures", Integer.toString(d));
                meta.put("numOutputs", Integer.toString(k));
                Configuration c = wire.get();
                Path file = OutputFiles.write(new Path(dir, name(s, n)), 8L * slice.length, out -> {
                    OutputStream buffered = new java.io.BufferedOutputStream(out, 1 << 16);
                    SafeTensors.write(buffered, tensors, slice, meta);
                    buffered.flush();
                }, c);
                long bytes = file.getFileSystem(c).getFileStatus(file).getLen();
                return Collections.singletonList(bytes).iterator();
            }, true).collect();
        } finally {
            theta.release();
        }
        ObjectNode doc = ModelFile.toJson(r);
        ArrayNode shards = doc.putArray(FIELD);
        for (int s = 0; s < n; s++) {
            ObjectNode e = shards.addObject();
            e.put("file", name(s, n));
            e.put("start", layout.start(s));
            e.put("end", layout.start(s + 1));
            e.put("bytes", sizes.get(s));
        }
        return ModelFile.write(outputDir, name, doc, conf);
    }

    /** The tensors of the flat range [start, start + length): its part of W, then its part of b. */
    static List<ParameterTensor> tensors(int start, int length, int d, int k) {
        List<ParameterTensor> out = new ArrayList<>(2);
        long weights = (long) k * d;
        int end = start + length;
        int inW = (int) Math.max(0, Math.min(end, weights) - start);
        if (inW > 0) {
            out.add(new ParameterTensor("layers.0.weight", k == 1 ? new int[] {1, inW} : new int[] {inW}, 0, true));
        }
        if (inW < length) {
            out.add(new ParameterTensor("layers.0.bias", new int[] {length - inW}, inW, false));
        }
        return out;
    }

    /**
     * Bytes of parameters up to which evaluate and predict assemble a sharded model on the driver (and
     * broadcast it); -1: a quarter of the heap, so the array and the broadcast's copy fit in half of it. Larger
     * models are scored from the shards on the executors ({@link #readSlices}). Tests set it to force a path.
     */
    static long assembleLimitBytes = -1;

    /** Whether evaluate and predict assemble a sharded model of {@code numParameters} on the driver. */
    static boolean assembles(int numParameters) {
        long limit = assembleLimitBytes >= 0 ? assembleLimitBytes : Runtime.getRuntime().maxMemory() / 4;
        return 8L * numParameters <= limit;
    }

    /** The line evaluate and predict print when they score from the shards: why this path, and its size. */
    public static String scoringNote(TrainingResult model) {
        long n = (model.numFeatures + 1L) * model.numOutputs;
        return String.format(Locale.ROOT, "model: %d parameters (%s) in %d shards, more than a quarter of the"
                + " driver's heap: scored from the shards on the executors", n, OutputFiles.bytes(8 * n),
                model.shardFiles.size());
    }

    /** One shard file of a sharded model: its full path and the flat range [start, end) it holds. */
    public record Shard(String path, int start, int end) implements Serializable {
    }

    /**
     * The shards a sharded model document lists, checked: ranges contiguous from 0 to {@code numParameters},
     * each file present.
     */
    static List<Shard> shards(JsonNode root, Path dir, FileSystem fs, int numParameters, String where)
            throws IOException {
        JsonNode shards = root.get(FIELD);
        if (shards == null || !shards.isArray() || shards.isEmpty()) {
            throw new BadInputException("model " + where + ": '" + FIELD + "' must be a non-empty array");
        }
        List<Shard> out = new ArrayList<>(shards.size());
        int next = 0;
        for (JsonNode e : shards) {
            int start = e.path("start").asInt(-1);
            int end = e.path("end").asInt(-1);
            String file = e.path("file").asText("");
            if (start != next || end <= start || end > numParameters || file.isEmpty()) {
                throw new BadInputException("model " + where + ": shard " + e + " does not continue the ranges at "
                        + next + " within " + numParameters + " parameters");
            }
            Path path = new Path(dir, file);
            if (!fs.exists(path)) {
                throw new BadInputException("model " + where + " lists shard " + fs.makeQualified(path)
                        + ", which does not exist.");
            }
            out.add(new Shard(fs.makeQualified(path).toString(), start, end));
            next = end;
        }
        if (next != numParameters) {
            throw new BadInputException("model " + where + ": the shards cover " + next + " of " + numParameters
                    + " parameters");
        }
        return out;
    }

    /**
     * The parameters of a sharded model document, read from its shard files into one array on the driver (when
     * it fits in half the heap; evaluate and predict score larger ones from the shards, {@link #readSlices}).
     */
    static double[] assemble(JsonNode root, Path dir, FileSystem fs, int numParameters, String where)
            throws IOException {
        long bytes = 8L * numParameters;
        long room = Runtime.getRuntime().maxMemory() / 2;
        if (bytes > room) {
            throw new BadInputException(String.format(Locale.ROOT, "model %s is sharded (%d parameters, %s); it is"
                    + " assembled on the driver here, which has room for %s (half its heap). Give the driver more"
                    + " memory (--driver-memory); evaluate and predict score it from its shards.", where,
                    numParameters, OutputFiles.bytes(bytes), OutputFiles.bytes(room)));
        }
        double[] p = new double[numParameters];
        for (Shard shard : shards(root, dir, fs, numParameters, where)) {
            double[] values = read(shard, fs);
            System.arraycopy(values, 0, p, shard.start(), values.length);
        }
        return p;
    }

    /** One shard's values, checked: as many as its range holds, all finite. */
    static double[] read(Shard shard, FileSystem fs) throws IOException {
        SafeTensors.Contents c;
        try (InputStream in = new java.io.BufferedInputStream(fs.open(new Path(shard.path())), 1 << 16)) {
            c = SafeTensors.read(in, shard.path());
        }
        double[] out = new double[shard.end() - shard.start()];
        int at = 0;
        for (double[] v : c.values.values()) {
            if (at + v.length > out.length) {
                throw new BadInputException("model parameters " + shard.path() + " hold more than its range ["
                        + shard.start() + ", " + shard.end() + ")");
            }
            for (double x : v) {
                if (!Double.isFinite(x)) {
                    throw new BadInputException("model parameters " + shard.path() + " hold a non-finite value ("
                            + x + ").");
                }
            }
            System.arraycopy(v, 0, out, at, v.length);
            at += v.length;
        }
        if (at != out.length) {
            throw new BadInputException("model parameters " + shard.path() + " hold " + at + " values for the"
                    + " range [" + shard.start() + ", " + shard.end() + ")");
        }
        return out;
    }

    /**
     * A sharded model's parameters read on the executors, shard s by task s, and cached there: the model file's
     * slices as a {@link ShardedVector}, never on the driver. The ranges must be the slices train writes
     * ({@link SliceLayout}).
     */
    public static ShardedVector readSlices(JavaSparkContext jsc, TrainingResult model) {
        List<Shard> shards = model.shardFiles;
        int n = (model.numFeatures + 1) * model.numOutputs;
        SliceLayout layout = new SliceLayout(n, shards.size());
        for (int s = 0; s < shards.size(); s++) {
            Shard shard = shards.get(s);
            if (shard.start() != layout.start(s) || shard.end() != layout.start(s + 1)) {
                throw new BadInputException("model shard " + shard.path() + " holds [" + shard.start() + ", "
                        + shard.end() + "), but shard " + s + " of " + shards.size() + " is [" + layout.start(s)
                        + ", " + layout.start(s + 1) + ") as train writes them: scoring from the shards needs"
                        + " train's ranges.");
            }
        }
        WireConfiguration wire = new WireConfiguration(jsc.hadoopConfiguration());
        List<Shard> list = new ArrayList<>(shards); // in the closure: task data goes through Kryo, closures not
        List<Integer> ids = new ArrayList<>(list.size());
        for (int s = 0; s < list.size(); s++) {
            ids.add(s);
        }
        JavaRDD<double[]> slices = jsc.parallelize(ids, ids.size()).map(s -> {
            Shard shard = list.get(s);
            return read(shard, new Path(shard.path()).getFileSystem(wire.get()));
        });
        slices.setName("Downhill model shards");
        return ShardedScoring.cache(layout, slices);
    }
}
