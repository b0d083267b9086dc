package dev.downhill.driver.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.optim.StopReason;
import dev.downhill.driver.io.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** model.json read back: what train wrote comes back whole, and a broken model is a clear error. */
class ModelFileTest {
    private static final Configuration CONF = new Configuration();

    @TempDir
    Path dir;

    private static TrainingResult softmax() {
        // 2 features, 3 classes: 6 weights then 3 intercepts.
        return new TrainingResult(Objective.SOFTMAX, 0.1, 2, 3, new double[] {1, 2, 3},
                new double[] {0.5, -1, 2, 0.25, -3, 1e-7, 0.1, 0.2, -0.3}, 17, 0.42, 1e-5, StopReason.MAX_ITERATIONS,
                0.5);
    }

    private static TrainingResult leastSquares() {
        return new TrainingResult(Objective.LEAST_SQUARES, 0.0, 3, 1, null, new double[] {1.5, 0, -2, 0.7}, 3, 1.25,
                0.01, StopReason.GRADIENT_TOLERANCE, 0.2);
    }

    private String written(TrainingResult r) throws Exception {
        return ModelFile.write(dir.resolve("m").toString(), ModelFile.toJson(r), CONF);
    }

    @Test
    void whatTrainWritesLoadsBackWhole() throws Exception {
        for (TrainingResult r : new TrainingResult[] {softmax(), leastSquares()}) {
            written(r);
            TrainingResult back = ModelFile.load(dir.resolve("m").toString(), CONF);
            assertEquals(r.objective, back.objective);
            assertEquals(r.numFeatures, back.numFeatures);
            assertEquals(r.numOutputs, back.numOutputs);
            assertArrayEquals(r.classLabels, back.classLabels);
            assertArrayEquals(r.parameters, back.parameters);
            assertEquals(r.stopReason, back.stopReason);
            assertEquals(r.iterations, back.iterations);
        }
        assertNull(ModelFile.load(dir.resolve("m").toString(), CONF).classLabels);
    }

    private String refusal(Consumer<ObjectNode> edit) {
        ObjectNode json = ModelFile.toJson(softmax());
        edit.accept(json);
        return assertThrows(BadInputException.class, () -> ModelFile.fromJson(json, "m/model.json")).getMessage();
    }

    @Test
    void malformedModelsAreRefusedNamingTheFileAndTheField() {
        assertTrue(refusal(j -> j.put("formatVersion", 2)).contains("m/model.json has formatVersion 2"));
        assertTrue(refusal(j -> j.remove("formatVersion")).contains("formatVersion null"));
        assertTrue(refusal(j -> j.put("objective", "svm")).contains("unknown objective 'svm'"));
        assertTrue(refusal(j -> j.put("numFeatures", 0)).contains("'numFeatures' must be a positive integer"));
        assertTrue(refusal(j -> ((ArrayNode) j.get("weights")).remove(2)).contains("weights must be 3 arrays"));
        assertTrue(refusal(j -> ((ArrayNode) j.get("weights").get(1)).set(0, j.textNode("x")))
                .contains("'weights[1][0]' must be a finite number"));
        assertTrue(refusal(j -> j.remove("classLabels")).contains("'classLabels' must be an array of 3 numbers"));
        assertTrue(refusal(j -> ((ArrayNode) j.get("classLabels")).set(2, j.numberNode(1.0)))
                .contains("names label 1.0 twice"));
        assertTrue(refusal(j -> j.put("numClasses", 1)).contains("numClasses is 1"));
        assertTrue(refusal(j -> ((ArrayNode) j.get("intercepts")).add(0.0))
                .contains("'intercepts' must be an array of 3 numbers"));
    }

    @Test
    void aMissingFolderAFileForAFolderAndBrokenJsonAreNamed() throws Exception {
        String missing = dir.resolve("nothing-here").toString();
        assertTrue(assertThrows(BadInputException.class, () -> ModelFile.load(missing, CONF)).getMessage()
                .contains("model.json does not exist (no folder " + missing + ")"));
        Path file = Files.writeString(dir.resolve("model.json"), "{}");
        assertTrue(assertThrows(BadInputException.class, () -> ModelFile.load(file.toString(), CONF)).getMessage()
                .contains("is a file; --model takes the folder"));
        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("model.json"), "{\"formatVersion\": 1, ");
        assertTrue(assertThrows(BadInputException.class, () -> ModelFile.load(broken.toString(), CONF)).getMessage()
                .contains("broken/model.json is not valid JSON"));
    }
}
