package dev.downhill.driver;

import static dev.downhill.driver.BadInputHarness.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.driver.BadInputHarness.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Settings are refused before Spark starts: exit 2, one message naming the key and what it accepts, no
 * stack trace, nothing written. Every run here passes a --master Spark cannot parse, so a setting checked
 * only after Spark started would end in an internal error (exit 1) instead, as the control test shows.
 */
class BadSettingsTest {
    /** A master URL Spark refuses: starting Spark with it is an internal error. */
    private static final String NO_MASTER = "spark-must-not-start://nowhere";

    @TempDir
    Path dir;
    private Path input;
    private Path output;

    @BeforeEach
    void validInput() throws IOException {
        input = Files.writeString(dir.resolve("ok.libsvm"), "1 1:0.5 2:0.25\n0 1:-0.5\n1 2:1\n0 1:0.125 2:-1\n");
        output = dir.resolve("out");
    }

    private List<String> train(String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--input", input.toString(), "--objective", "logistic",
                "--output", output.toString(), "--master", NO_MASTER));
        args.addAll(List.of(extra));
        return args;
    }

    private void assertRefused(Run r, String... mustContain) {
        assertEquals(ExitCode.BAD_SETTINGS, r.code(), r::describe);
        assertTrue(r.err().startsWith("downhill: error: "), r::describe);
        for (String s : mustContain) {
            assertTrue(r.err().contains(s), () -> "the message lacks '" + s + "':\n" + r.err());
        }
        assertFalse(r.err().contains("\tat "), () -> "a stack trace was printed:\n" + r.err());
        assertEquals("", r.out(), r::describe);
        assertFalse(Files.exists(output), "the output folder was created");
    }

    @ParameterizedTest(name = "--{0} {1}")
    @CsvSource(delimiter = ';', quoteCharacter = '`', value = {
            // unknown key: names it and the close match
            "stpe;             0.1;  unknown setting --stpe;              did you mean --step?",
            "max-bad-fractoin; 0.1;  unknown setting --max-bad-fractoin;  did you mean --max-bad-fraction?",
            // wrong type
            "max-iter;         ten;  --max-iter 'ten' is not valid;       expected an integer in [0, 2147483647]",
            "l2;               abc;  --l2 'abc' is not valid;             expected a number in [0, inf)",
            "partitions;       2.5;  --partitions '2.5' is not valid;     expected 'auto' or an integer in [1, 100000]",
            "on-bad-record;    drop; --on-bad-record 'drop' is not valid; expected one of fail|skip",
            "objective;        logisitc; --objective 'logisitc' is not valid; logistic|least-squares|softmax|hinge",
            // out of range
            "step;             -0.1; --step '-0.1' is not valid;          expected 'auto' or a number in (0, inf)",
            "step;             0;    --step '0' is not valid;             expected 'auto' or a number in (0, inf)",
            "l2;               -1;   --l2 '-1' is not valid;              expected a number in [0, inf)",
            "partitions;       0;    --partitions '0' is not valid;       expected 'auto' or an integer in [1, 100000]",
            "max-bad-fraction; 1.5;  --max-bad-fraction '1.5' is not valid; expected a number in [0, 1]",
            "max-bad-fraction; -0.1; --max-bad-fraction '-0.1' is not valid; expected a number in [0, 1]",
            "tol;              NaN;  --tol 'NaN' is not valid;            expected a number in [0, inf)",
    })
    void refusedBeforeSparkStarts(String key, String value, String message, String allowed) {
        assertRefused(run(train("--" + key, value)), message, allowed);
    }

    @Test
    void keyEqualsValueFormIsCheckedTheSameWay() {
        assertRefused(run(train("--partitions=0")), "--partitions '0' is not valid", "[1, 100000]");
    }

    @Test
    void settingWithoutAValue() {
        assertRefused(run(train("--step")), "--step needs a value");
    }

    @Test
    void missingRequiredSetting() {
        assertRefused(run(List.of("train", "--objective", "logistic", "--output", output.toString(), "--master",
                NO_MASTER)), "--input is required");
    }

    @Test
    void badValueInTheSettingsFileNamesKeyAndFile() throws IOException {
        Path config = Files.writeString(dir.resolve("bad.properties"), "max-iter=50\nl2=-1\n");
        assertRefused(run(train("--config", config.toString())), "--l2 '-1' is not valid",
                "expected a number in [0, inf)", "bad.properties");
    }

    @Test
    void unknownKeyInTheSettingsFileNamesKeyAndFile() throws IOException {
        Path config = Files.writeString(dir.resolve("typo.properties"), "stpe=0.1\n");
        assertRefused(run(train("--config", config.toString())), "unknown setting --stpe", "typo.properties",
                "--step");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            // a line search compares objectives, which differ between mini-batches
            "--optimizer lbfgs --batch-fraction 0.1;  --optimizer lbfgs needs the full gradient; adam",
            "--optimizer gd-linesearch --batch-fraction 0.5; --optimizer gd-linesearch needs the full gradient",
            // L1 needs a proximal step or OWL-QN
            "--optimizer nesterov --l1 0.1;            --l1 is supported by every --optimizer but nesterov; fista",
            // schedules are for rules with a fixed step
            "--optimizer lbfgs --schedule exp;         --schedule does not apply to --optimizer lbfgs",
            "--validation-fraction 0.1 --validation x.libsvm; not both",
            "--batch-fraction 0;                       --batch-fraction '0' is not valid",
            "--optimizer newton;                       --optimizer 'newton' is not valid",
            "--time-budget -5;                         --time-budget '-5' is not valid",
            // whitening mixes coordinates: L1 would stop being separable; it needs the standardized coordinates
            "--preconditioner whiten --l1 0.1;         --l1 penalty would no longer be separable",
            "--preconditioner whiten --standardize false; --preconditioner whiten needs --standardize true",
            "--preconditioner cholesky;                --preconditioner 'cholesky' is not valid",
    })
    void optimizerCombinationsThatCannotWorkAreRefused(String args, String message) {
        assertRefused(run(train(args.trim().split("\\s+"))), message);
    }

    /** The control: with valid settings that master does start Spark, and fails there (exit 1). */
    @Test
    void theUnparseableMasterFailsOnceSparkStarts() {
        Run r = run(train("--max-iter", "1"));
        assertEquals(ExitCode.INTERNAL, r.code(), r::describe);
        assertTrue(r.err().contains(NO_MASTER), r::describe);
    }
}
