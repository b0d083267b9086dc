package dev.downhill.driver.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java example, taken from README.md as it stands, compiled against the test classpath and run
 * (in a Spark session of its own, with Spark's default settings, as a user's program would have): the README
 * cannot show code that does not compile or work.
 */
class ReadmeJavaExampleTest {
    /** Surefire runs in the module folder (driver/), so the README is one level up. */
    private static final Path README = Path.of("..", "README.md");

    @TempDir
    Path dir;

    /** The first java code block of the "Java API" section. */
    static String example() throws Exception {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int section = readme.indexOf("\n## Java API\n");
        assertTrue(section >= 0, "README has no Java API section");
        Matcher m = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(section), "no java block in the Java API section");
        return m.group(1);
    }

    @Test
    void theReadmeExampleCompilesAndRuns() throws Exception {
        String source = example();
        Matcher name = Pattern.compile("public class (\\w+)").matcher(source);
        assertTrue(name.find(), source);
        Path src = dir.resolve("src/" + name.group(1) + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source, StandardCharsets.UTF_8);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int code = javac.run(null, diagnostics, diagnostics, "-d", classes.toString(), "-classpath",
                System.getProperty("java.class.path"), src.toString());
        assertEquals(0, code, "the README example does not compile:\n" + diagnostics);

        // Its input: the bundled sample, as the example's comment says (it once hard-coded 3 features and failed).
        String input = Path.of("sample", "binary.libsvm").toAbsolutePath().toString();

        Path output = dir.resolve("model");
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            Method main = loader.loadClass(name.group(1)).getMethod("main", String[].class);
            main.invoke(null, (Object) new String[] {input, output.toString()});
        } finally {
            System.setOut(stdout);
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        assertTrue(out.matches("(?s).* after \\d+ iterations, f = 0\\.\\d+.*"), out);
        assertTrue(out.contains("P(y = 1) = "), out);
        for (String file : List.of("model.json", "metrics.jsonl", "report.html", "loss.png")) {
            assertTrue(Files.exists(output.resolve(file)), file + " missing; printed:\n" + out);
        }
    }
}
