package dev.downhill.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the bad-input tests share: running {@code train} in-process (as {@link TrainCommandLineTest} does),
 * the fixtures under {@code src/test/resources/bad-input/}, and the two outcomes a run may have: a clean
 * success with a model, or a clean error (one line on stderr, exit code, no stack trace, no model).
 */
final class BadInputHarness {
    private BadInputHarness() {}

    /** Exit code and captured streams of one in-process run. */
    record Run(int code, String out, String err) {
        String describe() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /** Runs the command line in this JVM; uses the thread's active Spark session if there is one. */
    static Run run(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Downhill.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@code train --input IN --objective OBJ --output OUT} and then {@code extra}. */
    static List<String> train(Path input, String objective, Path output, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("train", "--input", input.toString(), "--objective", objective,
                "--output", output.toString(), "--master", "local[2]"));
        args.addAll(extra);
        return args;
    }

    static List<String> train(Path input, String objective, Path output, String... extra) {
        return train(input, objective, output, List.of(extra));
    }

    /** Copies a fixture from the classpath into {@code dir}, keeping its name (messages must name it). */
    static Path fixture(String name, Path dir) {
        try (InputStream in = BadInputHarness.class.getResourceAsStream("/bad-input/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture bad-input/" + name);
            }
            Path target = dir.resolve(name);
            Files.createDirectories(target.getParent());
            Files.write(target, in.readAllBytes());
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A clean error for bad input: exit 3, one "downhill: error: " message with the given parts, no trace, no model. */
    static void assertBadInput(Run r, Path output, String... mustContain) {
        assertEquals(ExitCode.BAD_INPUT, r.code(), r::describe);
        assertCleanError(r, output);
        for (String s : mustContain) {
            assertTrue(r.err().contains(s), () -> "the message lacks '" + s + "':\n" + r.err());
        }
    }

    /** What every error shares, whatever its code: the prefix, no stack trace, and no model written. */
    static void assertCleanError(Run r, Path output) {
        assertTrue(r.err().startsWith("downhill: error: "), r::describe);
        assertFalse(r.err().contains("\tat "), () -> "a stack trace was printed:\n" + r.err());
        assertFalse(Files.exists(output.resolve("model.json")), () -> "a model was written to " + output);
    }

    /** A clean success: exit 0, nothing on stderr, and the model file in place. */
    static void assertSuccess(Run r, Path output) {
        assertEquals(ExitCode.OK, r.code(), r::describe);
        assertEquals("", r.err(), r::describe);
        assertTrue(Files.exists(output.resolve("model.json")), () -> "no model.json in " + output + "\n" + r.describe());
    }

    static String model(Path output) {
        try {
            return Files.readString(output.resolve("model.json"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
