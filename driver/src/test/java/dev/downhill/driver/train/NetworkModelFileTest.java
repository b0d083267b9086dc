package dev.downhill.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.ActivationFunction;
import dev.downhill.core.model.Architecture;
import dev.downhill.core.model.ParameterTensor;
import dev.downhill.core.optim.StopReason;
import dev.downhill.driver.io.BadInputException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * model.json's architecture and model.safetensors: the layout is Hugging Face's, read here byte by byte without
 * our reader; a network's files load back whole; a file that does not fit the architecture is a clear error.
 */
class NetworkModelFileTest {
    private static final Configuration CONF = new Configuration();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static TrainingResult network(ActivationFunction activation) {
        Architecture a = Architecture.mlp(3, new int[] {4, 2}, activation, 0.2, 3, 0.25);
        double[] p = new Random(5).doubles(a.numParameters(), -1, 1).toArray();
        return new TrainingResult(Objective.SOFTMAX, 1e-3, 3, 3, new double[] {0, 1, 2}, p, 40, 0.3, 1e-6,
                StopReason.GRADIENT_TOLERANCE, 1e-3, "adam", 0.0, a);
    }

    @Test
    void safetensorsLayoutIsHuggingFacesReadWithoutOurReader() throws Exception {
        TrainingResult r = network(ActivationFunction.LEAKY_RELU);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SafeTensors.write(bytes, r.architecture.tensors(), r.parameters, Map.of("format", "pt"));
        ByteBuffer b = ByteBuffer.wrap(bytes.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertEquals(0, n % 8, "the data starts 8-byte aligned");
        byte[] header = new byte[(int) n];
        b.get(header);
        JsonNode h = JSON.readTree(new String(header, StandardCharsets.UTF_8).trim());
        assertEquals("pt", h.path("__metadata__").path("format").asText());
        long dataStart = 8 + n;
        // nn.Linear names and [out, in] shapes, from the input on; data contiguous in that order.
        String[] names = {"layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight",
            "layers.2.bias"};
        int[][] shapes = {{4, 3}, {4}, {2, 4}, {2}, {3, 2}, {3}};
        long expected = 0;
        int flat = 0;
        for (int t = 0; t < names.length; t++) {
            JsonNode e = h.get(names[t]);
            assertEquals("F64", e.path("dtype").asText());
            assertEquals(shapes[t].length, e.path("shape").size());
            int count = 1;
            for (int i = 0; i < shapes[t].length; i++) {
                assertEquals(shapes[t][i], e.path("shape").get(i).asInt(), names[t]);
                count *= shapes[t][i];
            }
            assertEquals(expected, e.path("data_offsets").get(0).asLong(), names[t]);
            assertEquals(expected + 8L * count, e.path("data_offsets").get(1).asLong(), names[t]);
            for (int i = 0; i < count; i++) {
                assertEquals(r.parameters[flat + i], b.getDouble((int) (dataStart + expected + 8L * i)), names[t]);
            }
            expected += 8L * count;
            flat += count;
        }
        assertEquals(dataStart + expected, bytes.size(), "nothing after the last tensor");
        assertEquals(r.parameters.length, flat);
        // Weight (o, i) of layer 0 is row-major: the flat vector's entry o * in + i.
        assertEquals(r.parameters[1 * 3 + 2], b.getDouble((int) (dataStart + 8L * (1 * 3 + 2))));
    }

    @Test
    void aNetworkLoadsBackWholeWithItsArchitecture() throws Exception {
        for (ActivationFunction act : ActivationFunction.values()) {
            TrainingResult r = network(act);
            String m = dir.resolve(act.cliName()).toString();
            ModelFile.save(m, r, CONF);
            JsonNode doc = JSON.readTree(Files.readString(Path.of(m, "model.json")));
            JsonNode arch = doc.get("architecture");
            assertEquals("mlp", arch.path("type").asText());
            assertEquals(3, arch.path("inputs").asInt());
            assertEquals("[4,2]", arch.path("hidden").toString());
            assertEquals(act.cliName(), arch.path("activation").asText());
            assertEquals(3, arch.path("outputs").asInt());
            assertEquals(act == ActivationFunction.LEAKY_RELU, arch.has("negativeSlope"), act.cliName());
            assertFalse(doc.has("weights"), "a network's parameters live in model.safetensors only");
            assertEquals("model.safetensors", doc.path("parameters").asText());
            for (String field : List.of("objective", "numFeatures", "numClasses", "classLabels", "objectiveValue",
                    "gradientNorm", "iterations")) {
                assertTrue(doc.has(field), field);
            }
            TrainingResult back = ModelFile.load(m, CONF);
            assertEquals(r.architecture, back.architecture);
            assertArrayEquals(r.parameters, back.parameters);
            assertEquals(r.objectiveValue, back.objectiveValue);
        }
    }

    @Test
    void aLinearModelWritesBothFilesAndOldFilesWithoutArchitectureStillLoad() throws Exception {
        Architecture a = Architecture.linear(2, 1);
        TrainingResult r = new TrainingResult(Objective.LOGISTIC, 0, 2, 1, new double[] {0, 1},
                new double[] {0.5, -2, 0.25}, 3, 0.5, 1e-9, StopReason.GRADIENT_TOLERANCE, 1.0, "lbfgs", 0, a);
        String m = dir.resolve("linear").toString();
        ModelFile.save(m, r, CONF);
        assertTrue(Files.exists(Path.of(m, "model.safetensors")));
        SafeTensors.Contents c;
        try (var in = Files.newInputStream(Path.of(m, "model.safetensors"))) {
            c = SafeTensors.read(in, "test");
        }
        assertArrayEquals(new int[] {1, 2}, c.shapes.get("layers.0.weight"));
        assertArrayEquals(new double[] {0.5, -2}, c.values.get("layers.0.weight"));
        assertArrayEquals(new double[] {0.25}, c.values.get("layers.0.bias"));
        // A model.json from before architectures existed is linear.
        var doc = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                Files.readString(Path.of(m, "model.json")));
        doc.remove("architecture");
        Files.writeString(Path.of(m, "model.json"), doc.toString());
        Files.deleteIfExists(Path.of(m, ".model.json.crc"));
        assertEquals(a, ModelFile.load(m, CONF).architecture);
    }

    @Test
    void parametersThatDoNotFitTheArchitectureAreRefusedNamingBothShapes() throws Exception {
        TrainingResult r = network(ActivationFunction.TANH);
        String m = dir.resolve("n").toString();
        ModelFile.save(m, r, CONF);
        // Rewrite model.json to claim a wider first hidden layer than the safetensors file holds.
        var doc = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
                Files.readString(Path.of(m, "model.json")));
        ((com.fasterxml.jackson.databind.node.ArrayNode) doc.path("architecture").path("hidden")).set(0, 5);
        Files.writeString(Path.of(m, "model.json"), doc.toString());
        Files.deleteIfExists(Path.of(m, ".model.json.crc"));
        String msg = assertThrows(BadInputException.class, () -> ModelFile.load(m, CONF)).getMessage();
        assertTrue(msg.contains("layers.0.weight has shape [4, 3], but the architecture needs [5, 3]"), msg);
        // A missing parameters file is named.
        Files.delete(Path.of(m, "model.safetensors"));
        Files.deleteIfExists(Path.of(m, ".model.safetensors.crc"));
        msg = assertThrows(BadInputException.class, () -> ModelFile.load(m, CONF)).getMessage();
        assertTrue(msg.contains("model.safetensors, which does not exist"), msg);
    }

    @Test
    void aTruncatedSafetensorsFileIsAClearError() throws Exception {
        TrainingResult r = network(ActivationFunction.RELU);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SafeTensors.write(bytes, r.architecture.tensors(), r.parameters, Map.of());
        byte[] cut = Arrays.copyOf(bytes.toByteArray(), bytes.size() - 5);
        String msg = assertThrows(BadInputException.class,
                () -> SafeTensors.read(new java.io.ByteArrayInputStream(cut), "cut.safetensors")).getMessage();
        assertTrue(msg.contains("cut.safetensors") && msg.contains("ends before"), msg);
        List<ParameterTensor> tensors = r.architecture.tensors();
        Iterator<ParameterTensor> it = tensors.iterator();
        assertEquals("layers.0.weight", it.next().name());
    }
}
