package dev.downhill.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures the README states about runs on the bundled sample, read from README.md as it stands and
 * checked by running them through the command line: a figure that drifts from what the code does fails here.
 * (The Java API example is run by {@code api.ReadmeJavaExampleTest}.)
 */
class ReadmeFiguresTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Path SAMPLE = Path.of("sample", "binary.libsvm").toAbsolutePath();

    @TempDir
    Path dir;

    private static String readme() throws Exception {
        return Files.readString(README, StandardCharsets.UTF_8);
    }

    /** The sample as scripts/downhill trains it (--l2 0.001), with the extra settings. */
    private CleanErrorsTest.Run train(String name, String objective, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--input", SAMPLE.toString(), "--objective", objective,
                "--l2", "0.001", "--output", dir.resolve(name).toString(), "--master", "local[2]", "--progress-every",
                "100000"));
        args.addAll(List.of(extra));
        CleanErrorsTest.Run r = CleanErrorsTest.run(args.toArray(new String[0]));
        assertEquals(ExitCode.OK, r.code(), r::describe);
        return r;
    }

    private static long iterations(CleanErrorsTest.Run r) {
        Matcher m = Pattern.compile("stopped after (\\d+) iterations").matcher(r.out());
        assertTrue(m.find(), r::describe);
        return Long.parseLong(m.group(1));
    }

    private static double objective(CleanErrorsTest.Run r) {
        Matcher m = Pattern.compile("; objective (\\S+)\\n").matcher(r.out());
        assertTrue(m.find(), r::describe);
        return Double.parseDouble(m.group(1));
    }

    /** "on the bundled sample with --l2 0.001 --l1 0.01: 11 iterations, against 26 for fista and 25 for ... gd". */
    @Test
    void theL1IterationCounts() throws Exception {
        Matcher m = Pattern.compile("on the bundled sample with `--l2 0\\.001 --l1 0\\.01`: (\\d+) iterations,"
                + "\\s+against\\s+(\\d+) for\\s+`fista` and (\\d+) for proximal gradient, `gd`").matcher(readme());
        assertTrue(m.find(), "the README no longer states the L1 iteration counts this test checks");
        assertEquals(Long.parseLong(m.group(1)), iterations(train("owlqn", "logistic", "--l1", "0.01")),
                "lbfgs (OWL-QN)");
        assertEquals(Long.parseLong(m.group(2)), iterations(train("fista", "logistic", "--l1", "0.01",
                "--optimizer", "fista")), "fista");
        assertEquals(Long.parseLong(m.group(3)), iterations(train("ista", "logistic", "--l1", "0.01",
                "--optimizer", "gd")), "proximal gradient");
    }

    /** "constant step 1/L, which on the sample reaches a lower objective in 1,000 iterations than inv-sqrt". */
    @Test
    void hingeConstantStepBeatsInvSqrt() throws Exception {
        assertTrue(readme().matches("(?s).*constant step 1/L, which on the sample reaches a lower objective in"
                + " 1,000 iterations than\\s+`--schedule inv-sqrt` from the same step.*"),
                "the README no longer states the hinge figure this test checks");
        double constant = objective(train("hinge-constant", "hinge", "--max-iter", "1000"));
        double invSqrt = objective(train("hinge-inv-sqrt", "hinge", "--max-iter", "1000",
                "--schedule", "inv-sqrt"));
        assertTrue(constant < invSqrt, "constant " + constant + ", inv-sqrt " + invSqrt);
    }
}
