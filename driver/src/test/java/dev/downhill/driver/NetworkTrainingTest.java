package dev.downhill.driver;

import static dev.downhill.driver.TrainCommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.driver.TrainCommandLineTest.Run;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Networks through the command line, checked by a reference implementation written here with plain loops (its
 * own safetensors reading, its own activations, commons-math's erf for gelu): the saved objective to 1e-9, a
 * stationary point after L-BFGS (central differences of the reference objective), predict's scores to 1e-9; and
 * the same bytes on one and two cores for an Adam mini-batch run with dropout.
 */
class NetworkTrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    /** A network rebuilt from model.json and model.safetensors alone. */
    static final class Reference {
        final String objective;
        final String activation;
        final double slope;
        final double l2;
        final int[] sizes;
        final List<double[]> weights = new ArrayList<>();
        final List<double[]> biases = new ArrayList<>();

        Reference(Path model) throws IOException {
            JsonNode doc = JSON.readTree(model.resolve("model.json").toFile());
            JsonNode a = doc.get("architecture");
            objective = doc.get("objective").asText();
            activation = a.get("activation").asText();
            slope = a.path("negativeSlope").asDouble(0.01);
            l2 = doc.get("l2").asDouble();
            int layers = a.get("hidden").size() + 1;
            sizes = new int[layers + 1];
            sizes[0] = a.get("inputs").asInt();
            for (int i = 0; i < a.get("hidden").size(); i++) {
                sizes[i + 1] = a.get("hidden").get(i).asInt();
            }
            sizes[layers] = a.get("outputs").asInt();
            Map<String, double[]> tensors = readSafetensors(model.resolve(doc.get("parameters").asText()));
            for (int i = 0; i < layers; i++) {
                weights.add(tensors.get("layers." + i + ".weight"));
                biases.add(tensors.get("layers." + i + ".bias"));
                assertEquals(sizes[i] * sizes[i + 1], weights.get(i).length);
                assertEquals(sizes[i + 1], biases.get(i).length);
            }
        }

        double act(double x) {
            switch (activation) {
                case "relu": return Math.max(0, x);
                case "leaky-relu": return x >= 0 ? x : slope * x;
                case "tanh": return Math.tanh(x);
                case "sigmoid": return 1 / (1 + Math.exp(-x));
                case "gelu": return 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
                case "softplus": return Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0);
                default: throw new IllegalArgumentException(activation);
            }
        }

        double[] outputs(double[] x) {
            double[] h = x;
            for (int l = 0; l < weights.size(); l++) {
                int in = sizes[l];
                int out = sizes[l + 1];
                double[] z = new double[out];
                for (int o = 0; o < out; o++) {
                    double s = biases.get(l)[o];
                    for (int j = 0; j < in; j++) {
                        s += weights.get(l)[o * in + j] * h[j];
                    }
                    z[o] = l + 1 < weights.size() ? act(s) : s;
                }
                h = z;
            }
            return h;
        }

        /** logistic: [p(1)]; softmax: p; least squares: [value]. */
        double[] scores(double[] x) {
            double[] z = outputs(x);
            if (objective.equals("logistic")) {
                return new double[] {1 / (1 + Math.exp(-z[0]))};
            }
            if (objective.equals("softmax")) {
                double max = Double.NEGATIVE_INFINITY;
                for (double v : z) {
                    max = Math.max(max, v);
                }
                double sum = 0;
                double[] p = new double[z.length];
                for (int k = 0; k < z.length; k++) {
                    p[k] = Math.exp(z[k] - max);
                    sum += p[k];
                }
                for (int k = 0; k < z.length; k++) {
                    p[k] /= sum;
                }
                return p;
            }
            return z;
        }

        double loss(double[] x, double y) {
            double[] z = outputs(x);
            switch (objective) {
                case "logistic": {
                    double m = (2 * y - 1) * z[0];
                    return Math.log1p(Math.exp(-Math.abs(m))) + Math.max(-m, 0);
                }
                case "softmax": {
                    double max = Double.NEGATIVE_INFINITY;
                    for (double v : z) {
                        max = Math.max(max, v);
                    }
                    double sum = 0;
                    for (double v : z) {
                        sum += Math.exp(v - max);
                    }
                    return max + Math.log(sum) - z[(int) y];
                }
                default:
                    return 0.5 * (z[0] - y) * (z[0] - y);
            }
        }

        /** f = mean loss + (l2/2) sum of squared weights (never biases). */
        double objective(TestData t) {
            double s = 0;
            for (int i = 0; i < t.rows(); i++) {
                s += loss(t.x[i], t.y[i]);
            }
            double penalty = 0;
            for (double[] w : weights) {
                for (double v : w) {
                    penalty += v * v;
                }
            }
            return s / t.rows() + 0.5 * l2 * penalty;
        }

        /** ||grad f|| by central differences over every weight and bias. */
        double gradientNorm(TestData t) {
            double sq = 0;
            List<double[]> all = new ArrayList<>(weights);
            all.addAll(biases);
            for (double[] p : all) {
                for (int i = 0; i < p.length; i++) {
                    double keep = p[i];
                    double h = 1e-5 * Math.max(1, Math.abs(keep));
                    p[i] = keep + h;
                    double up = objective(t);
                    p[i] = keep - h;
                    double down = objective(t);
                    p[i] = keep;
                    double g = (up - down) / (2 * h);
                    sq += g * g;
                }
            }
            return Math.sqrt(sq);
        }
    }

    /** Hugging Face's layout read with a ByteBuffer: 8-byte length, JSON header, little-endian F64 data. */
    static Map<String, double[]> readSafetensors(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) b.getLong();
        byte[] header = new byte[n];
        b.get(header);
        JsonNode h = JSON.readTree(new String(header, StandardCharsets.UTF_8));
        Map<String, double[]> out = new LinkedHashMap<>();
        for (var it = h.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            assertEquals("F64", e.getValue().get("dtype").asText());
            long begin = e.getValue().get("data_offsets").get(0).asLong();
            long end = e.getValue().get("data_offsets").get(1).asLong();
            double[] v = new double[(int) ((end - begin) / 8)];
            for (int i = 0; i < v.length; i++) {
                v[i] = b.getDouble((int) (8 + n + begin + 8L * i));
            }
            out.put(e.getKey(), v);
        }
        return out;
    }

    private static String[] train(Path input, String objective, Path output, String... extra) {
        return TrainCommandLineTest.train(input, objective, output, extra);
    }

    private static List<String> predictionLines(Path out) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(out)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("part-")).sorted().toList()) {
                List<String> part = Files.readAllLines(p);
                lines.addAll(part.subList(1, part.size())); // each part has a header
            }
        }
        return lines;
    }

    private void checkAgainstReference(String objective, TestData t, String activation, String l2) throws Exception {
        Path input = t.writeLibsvm(dir.resolve(objective + ".libsvm"), 0.0);
        Path model = dir.resolve(objective + "-" + activation);
        Run r = run(train(input, objective, model, "--model", "mlp", "--hidden", "6,4", "--activation", activation,
                "--optimizer", "lbfgs", "--l2", l2, "--max-iter", "3000", "--tol", "1e-9", "--rel-tol", "0",
                "--f-tol", "0", "--partitions", "1", "--progress-every", "1000"));
        assertEquals(0, r.code(), r.err() + r.out());
        Reference ref = new Reference(model);
        JsonNode doc = JSON.readTree(model.resolve("model.json").toFile());
        double f = ref.objective(t);
        double saved = doc.get("objectiveValue").asDouble();
        assertEquals(f, saved, 1e-9 * Math.abs(f), objective + "/" + activation + ": the saved objective");
        double g = ref.gradientNorm(t);
        assertTrue(g <= 1e-5, objective + "/" + activation + ": ||grad f|| = " + g + " at the saved parameters; "
                + r.out().substring(Math.max(0, r.out().length() - 600)));

        Path out = dir.resolve(objective + "-" + activation + "-predictions");
        Run p = run("predict", "--model", model.toString(), "--input", input.toString(), "--output", out.toString(),
                "--master", "local[2]");
        assertEquals(0, p.code(), p.err());
        List<String> lines = predictionLines(out);
        assertEquals(t.rows(), lines.size());
        int checked = 0;
        for (int i = 0; i < t.rows(); i++) {
            String[] cols = lines.get(i).split(",");
            double[] expected = ref.scores(t.x[i]);
            // label, prediction, then the scores (one per class for softmax).
            for (int k = 0; k < expected.length; k++) {
                double got = Double.parseDouble(cols[2 + k]);
                assertEquals(expected[k], got, 1e-9 * Math.max(1, Math.abs(expected[k])), "row " + i);
                checked++;
            }
        }
        assertTrue(checked >= t.rows());
    }

    @Test
    void softmaxNetworkWithTanhMatchesTheReference() throws Exception {
        checkAgainstReference("softmax", TestData.multiclass(240, 4, 3, 11), "tanh", "1e-3");
    }

    @Test
    void logisticNetworkWithGeluMatchesTheReference() throws Exception {
        checkAgainstReference("logistic", TestData.binary(240, 4, 12), "gelu", "1e-3");
    }

    @Test
    void regressionNetworkWithSigmoidMatchesTheReference() throws Exception {
        // Not softplus here: near-linear for large inputs, it leaves the optimum so flat (a scale traded between
        // layers, bound only by l2) that L-BFGS still gains digits after 3000 iterations.
        checkAgainstReference("least-squares", TestData.regression(240, 4, 13), "sigmoid", "1e-3");
    }

    @Test
    void adamMiniBatchesWithDropoutGiveTheSameBytesOnOneAndTwoCores() throws Exception {
        Path input = TestData.multiclass(900, 6, 3, 21).writeLibsvm(dir.resolve("cores.libsvm"), 0.0);
        String[] extra = {"--model", "mlp", "--hidden", "16,8", "--activation", "relu", "--dropout", "0.2",
            "--batch-fraction", "0.25", "--block-rows", "64", "--max-iter", "40", "--l2", "1e-4"};
        Run one = run(withMaster(train(input, "softmax", dir.resolve("cores-1"), extra), "local[1]"));
        Run two = run(train(input, "softmax", dir.resolve("cores-2"), extra));
        assertEquals(0, one.code(), one.err());
        assertEquals(0, two.code(), two.err());
        assertTrue(two.out().contains("optimizer adam"), two.out());
        assertTrue(two.out().contains("mlp 6 -> 16 -> 8 -> 3 (relu, dropout 0.2)"), two.out());
        for (String file : List.of("model.json", "model.safetensors")) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("cores-1").resolve(file)),
                    Files.readAllBytes(dir.resolve("cores-2").resolve(file)), file);
        }
        // The saved objective is f without dropout at exactly the saved parameters.
        Reference ref = new Reference(dir.resolve("cores-2"));
        TestData t = TestData.multiclass(900, 6, 3, 21);
        assertEquals(ref.objective(t), JSON.readTree(dir.resolve("cores-2/model.json").toFile())
                .get("objectiveValue").asDouble(), 1e-9 * ref.objective(t));
    }

    private static String[] withMaster(String[] args, String master) {
        List<String> a = new ArrayList<>(List.of(args));
        int i = a.indexOf("--master");
        a.set(i + 1, master);
        return a.toArray(new String[0]);
    }
}
