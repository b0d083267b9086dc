package dev.downhill.driver;

import static dev.downhill.driver.TrainCommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.downhill.core.autodiff.Node;
import dev.downhill.core.autodiff.Operation;
import dev.downhill.core.autodiff.ScalarFunctions;
import dev.downhill.core.custom.CustomModel;
import dev.downhill.core.custom.Forward;
import dev.downhill.core.custom.Init;
import dev.downhill.core.custom.Parameter;
import dev.downhill.driver.TrainCommandLineTest.Run;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * train --model-class with --jars: the example project (examples/custom-model) is compiled here with javac against
 * worker-core's classes (the test classpath) and packed into a jar, never installed into ~/.m2; its class is not on
 * the test classpath, so it can only come from --jars. Then: it trains with its gradient checked, evaluates with
 * the same jar; a deliberately wrong vector-Jacobian product stops the run (exit 2) naming the parameter and the
 * operation; a missing class, a class of the wrong type and a model that throws on the data are clear errors.
 */
class CustomModelCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLE = Path.of("..", "examples", "custom-model");

    @TempDir
    static Path dir;
    static Path jar;
    static Path input;

    @BeforeAll
    static void buildExample() throws Exception {
        jar = buildJar(EXAMPLE.resolve("src/main/java"), dir.resolve("classes"), dir.resolve("custom-model.jar"));
        input = TestData.binary(400, 5, 7).writeLibsvm(dir.resolve("train.libsvm"), 0.0);
    }

    /** javac of every source under src against the test classpath (worker-core), then a jar of the classes. */
    static Path buildJar(Path src, Path classes, Path target) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp",
                System.getProperty("java.class.path"), "--release", "17"));
        try (Stream<Path> files = Files.walk(src)) {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        assertEquals(0, javac.run(null, null, null, args.toArray(new String[0])), "javac of the example failed");
        try (OutputStream out = Files.newOutputStream(target); JarOutputStream jarOut = new JarOutputStream(out);
             Stream<Path> files = Files.walk(classes)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                jarOut.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                jarOut.write(Files.readAllBytes(p));
                jarOut.closeEntry();
            }
        }
        return target;
    }

    private static String[] train(Path out, String... extra) {
        return TrainCommandLineTest.train(input, "logistic", out, extra);
    }

    @Test
    void theExampleProjectTrainsFromItsJarWithItsGradientChecked() throws Exception {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("com.example.SwishNet"),
                "the example must come from --jars, not from the test classpath");
        String pom = Files.readString(EXAMPLE.resolve("pom.xml"));
        assertTrue(pom.contains("<artifactId>downhill-worker-core</artifactId>")
                && pom.contains("<downhill.version>0.1.0-SNAPSHOT</downhill.version>"), "the example's pom");

        Path model = dir.resolve("swish");
        Run r = run(train(model, "--model-class", "com.example.SwishNet", "--jars", jar.toString(),
                "--max-iter", "150", "--step", "0.01", "--l2", "1e-4"));
        assertEquals(0, r.code(), r.err());
        Matcher m = Pattern.compile("gradient check: largest relative error (\\S+) over (\\d+) parameters")
                .matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) < 1e-4, m.group());
        assertTrue(Integer.parseInt(m.group(2)) >= 4, m.group());
        assertTrue(r.out().contains("custom com.example.SwishNet 5 -> 1"), r.out());

        JsonNode doc = JSON.readTree(model.resolve("model.json").toFile());
        JsonNode a = doc.get("architecture");
        assertEquals("custom", a.get("type").asText());
        assertEquals("com.example.SwishNet", a.get("class").asText());
        assertEquals(5, a.get("inputs").asInt());
        assertEquals(1, a.get("outputs").asInt());
        double f = doc.get("objectiveValue").asDouble();
        assertTrue(f < 0.7 * Math.log(2), "trained objective " + f + " should be well below log 2");
        assertTrue(Files.exists(model.resolve("model.safetensors")));

        // --resume continues the custom run from its checkpoint (the jar may lie elsewhere now).
        Path moved = Files.copy(jar, dir.resolve("moved.jar"));
        Run resumed = run(train(model, "--model-class", "com.example.SwishNet", "--jars", moved.toString(),
                "--max-iter", "160", "--step", "0.01", "--l2", "1e-4", "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resuming from") && resumed.out().contains("(iteration 150"), resumed.out());
        assertTrue(JSON.readTree(model.resolve("model.json").toFile()).get("objectiveValue").asDouble() <= f + 1e-9);

        // evaluate needs the class: with the jar it scores the model, without it the error names the class.
        Run eval = run("evaluate", "--model", model.toString(), "--input", input.toString(), "--master", "local[2]",
                "--jars", jar.toString());
        assertEquals(0, eval.code(), eval.err());
        JsonNode report = JSON.readTree(model.resolve("evaluation.json").toFile());
        assertTrue(report.toString().contains("accuracy"), report.toString());
        // ONNX export refuses it by name: a user's Java forward pass has no ONNX form.
        Run export = run("export", "--model", model.toString(), "--format", "onnx", "--output",
                dir.resolve("swish.onnx").toString(), "--jars", jar.toString());
        assertEquals(ExitCode.BAD_SETTINGS, export.code(), export.err());
        assertTrue(export.err().contains("com.example.SwishNet") && export.err().contains("no ONNX form"),
                export.err());
        assertFalse(Files.exists(dir.resolve("swish.onnx")));
        Run noJar = run("evaluate", "--model", model.toString(), "--input", input.toString(), "--master",
                "local[2]");
        assertEquals(ExitCode.BAD_SETTINGS, noJar.code(), noJar.err());
        assertTrue(noJar.err().contains("com.example.SwishNet") && noJar.err().contains("--jars"), noJar.err());
    }

    /** swish with a wrong derivative: s instead of s + x s (1 - s). */
    public static final class WrongSwish implements Operation {
        @Override
        public String name() {
            return "wrong-swish";
        }

        @Override
        public void forward(Buffers b) {
            double[] x = b.input(0);
            double[] y = b.output();
            for (int i = 0; i < b.rows() * b.outputColumns(); i++) {
                y[i] = x[i] * ScalarFunctions.sigmoid(x[i]);
            }
        }

        @Override
        public void vectorJacobianProduct(Buffers b) {
            double[] x = b.input(0);
            double[] g = b.outputGradient();
            double[] dx = b.inputGradient(0);
            for (int i = 0; i < b.rows() * b.outputColumns(); i++) {
                dx[i] = g[i] * ScalarFunctions.sigmoid(x[i]);
            }
        }
    }

    public static final class WrongNet extends CustomModel {
        private final Parameter w1;
        private final Parameter b1;
        private final Parameter w2;
        private final Parameter b2;

        public WrongNet(int inputs, int outputs) {
            super(inputs, outputs);
            w1 = weight("hidden.weight", 8, inputs, Init.he());
            b1 = bias("hidden.bias", 8);
            w2 = weight("out.weight", outputs, 8, Init.glorot());
            b2 = bias("out.bias", outputs);
        }

        @Override
        protected Node forward(Forward f) {
            return f.affine(f.apply(new WrongSwish(), f.inputAffine(w1, b1)), w2, b2);
        }
    }

    public static final class ThrowsOnData extends CustomModel {
        private final Parameter w;

        public ThrowsOnData(int inputs, int outputs) {
            super(inputs, outputs);
            w = weight("w", outputs, inputs, Init.zeros());
        }

        @Override
        protected Node forward(Forward f) {
            if (f.rows() > 0) {
                throw new IllegalStateException("cannot handle rows like these");
            }
            return f.inputLinear(w);
        }
    }

    public static final class NotAModel {
        public NotAModel(int inputs, int outputs) {}
    }

    @Test
    void aWrongVectorJacobianProductStopsTheRunNamingParameterAndOperation() {
        Path out = dir.resolve("wrong");
        Run r = run(train(out, "--model-class", WrongNet.class.getName(), "--max-iter", "5"));
        assertEquals(ExitCode.BAD_SETTINGS, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("gradient check: largest relative error") && r.out().contains("FAILED"), r.out());
        String e = r.err();
        assertTrue(e.contains("gradient check failed for " + WrongNet.class.getName()), e);
        assertTrue(e.contains("parameter hidden.weight[") || e.contains("parameter hidden.bias["), e);
        assertTrue(e.contains("analytic") && e.contains("numerical"), e);
        assertTrue(e.contains("Operation 'wrong-swish'"), e);
        assertFalse(Files.exists(out.resolve("model.json")), "no model after a failed check");
        // The user may still switch it off, and then it trains.
        Run off = run(train(dir.resolve("wrong-off"), "--model-class", WrongNet.class.getName(), "--max-iter", "3",
                "--check-gradient", "off"));
        assertEquals(0, off.code(), off.err());
        assertFalse(off.out().contains("gradient check:"), off.out());
    }

    @Test
    void unusableClassesAreClearErrorsNamingThem() {
        Run missing = run(train(dir.resolve("m1"), "--model-class", "com.example.Missing"));
        assertEquals(ExitCode.BAD_SETTINGS, missing.code(), missing.err());
        assertTrue(missing.err().contains("com.example.Missing") && missing.err().contains("not found"),
                missing.err());
        assertFalse(missing.err().contains("\tat "), "no stack trace: " + missing.err());
        Run wrongType = run(train(dir.resolve("m2"), "--model-class", NotAModel.class.getName()));
        assertEquals(ExitCode.BAD_SETTINGS, wrongType.code(), wrongType.err());
        assertTrue(wrongType.err().contains(NotAModel.class.getName())
                && wrongType.err().contains("does not extend dev.downhill.core.custom.CustomModel"), wrongType.err());
        Run noJar = run(train(dir.resolve("m3"), "--model-class", "com.example.SwishNet", "--jars",
                dir.resolve("nope.jar").toString()));
        assertEquals(ExitCode.BAD_SETTINGS, noJar.code(), noJar.err());
        assertTrue(noJar.err().contains("nope.jar"), noJar.err());
        Run both = run(train(dir.resolve("m5"), "--model-class", WrongNet.class.getName(), "--model", "mlp"));
        assertEquals(ExitCode.BAD_SETTINGS, both.code(), both.err());
        assertTrue(both.err().contains("--model-class") && both.err().contains("not both"), both.err());
        Run hidden = run(train(dir.resolve("m6"), "--model-class", WrongNet.class.getName(), "--hidden", "8"));
        assertEquals(ExitCode.BAD_SETTINGS, hidden.code(), hidden.err());
        assertTrue(hidden.err().contains("--hidden"), hidden.err());
        Run threw = run(train(dir.resolve("m4"), "--model-class", ThrowsOnData.class.getName()));
        assertEquals(ExitCode.BAD_INPUT, threw.code(), threw.err());
        assertTrue(threw.err().contains(ThrowsOnData.class.getName())
                && threw.err().contains("cannot handle rows like these"), threw.err());
        assertFalse(threw.err().contains("\tat "), "no stack trace: " + threw.err());
    }
}
