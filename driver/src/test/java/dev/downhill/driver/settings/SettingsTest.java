package dev.downhill.driver.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.downhill.core.loss.Objective;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsTest {

    /** Surefire runs in the module folder (driver/), so the repository's conf/ is one level up. */
    private static final Path PROPERTIES = Path.of("..", "conf", "downhill.properties");

    private static Settings parse(String... args) {
        return Settings.parse(List.of(args));
    }

    private static SettingsException refused(String... args) {
        return assertThrows(SettingsException.class, () -> parse(args), () -> String.join(" ", args));
    }

    private static Setting setting(String key) {
        return Settings.ALL.stream().filter(s -> s.key().equals(key)).findFirst().orElseThrow();
    }

    private static void assertContains(String message, String... parts) {
        for (String part : parts) {
            assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
        }
    }

    // ---- conf/downhill.properties, help ----

    @Test
    void propertiesFileIsWhatTheCodeRenders() throws IOException {
        assertTrue(Files.isRegularFile(PROPERTIES), () -> "no " + PROPERTIES.toAbsolutePath()
                + " (user.dir " + System.getProperty("user.dir") + ")");
        String file = Files.readString(PROPERTIES, StandardCharsets.UTF_8);
        // The file is documentation users edit from; a setting added or changed in Settings.ALL must show up there.
        assertEquals(Settings.renderProperties(), file,
                "conf/downhill.properties is out of date with Settings.ALL; regenerate it with"
                        + " `scripts/downhill config > conf/downhill.properties`");
    }

    @Test
    void renderedPropertiesListEverySettingWithItsDefault() throws IOException {
        String text = Settings.renderProperties();
        for (Setting s : Settings.ALL) {
            // A setting without a default is listed commented out, so loading the file leaves it unset.
            String expected = s.defaultValue() == null ? "\n#" + s.key() + "=\n" : "\n" + s.key() + "=" + s.defaultValue() + "\n";
            assertContains(text, expected);
            assertContains(text.replace("\n# ", " "), s.allowed());
        }
        // Loaded as a properties file it gives exactly the defaults: nothing more, nothing less.
        Properties p = new Properties();
        p.load(new StringReader(text));
        Map<String, String> defaults = new HashMap<>();
        for (Setting s : Settings.ALL) {
            if (s.defaultValue() != null) {
                defaults.put(s.key(), s.defaultValue());
            }
        }
        Map<String, String> loaded = new HashMap<>();
        p.stringPropertyNames().forEach(k -> loaded.put(k, p.getProperty(k)));
        assertEquals(defaults, loaded);
    }

    @Test
    void helpListsEverySettingWithItsDefault() {
        String help = Settings.renderHelp();
        for (Setting s : Settings.ALL) {
            String header = "  --" + s.key() + (s.defaultValue() == null ? "" : " (default: " + s.defaultValue() + ")")
                    + "\n";
            assertContains(help, header);
        }
        // Spot checks on what a user reads first.
        assertContains(help, "  --step (default: auto)\n", "  --max-iter (default: 1000)\n", "  --input\n");
    }

    @Test
    void everyDefaultIsValidAndParsingNothingGivesTheDefaults() {
        Settings s = parse();
        for (Setting setting : Settings.ALL) {
            if (setting.defaultValue() == null) {
                assertNull(s.get(setting.key()), setting.key());
                assertFalse(s.isGiven(setting.key()));
            } else {
                // validate() must accept its own default, or every run would fail.
                assertEquals(setting.validate(setting.defaultValue()), s.get(setting.key()), setting.key());
            }
        }
        assertTrue(s.isAuto("step"));
        assertTrue(s.isNone("weight-column"));
        assertEquals(1000, s.getInt("max-iter"));
        assertEquals(0.0, s.getDouble("tol"));
        assertEquals(1e-9, s.getDouble("rel-tol"));
        assertEquals("auto", s.get("optimizer"));
        assertTrue(s.getBoolean("standardize"));
    }

    @Test
    void loadingTheShippedPropertiesFileChangesNothing() {
        // scripts/downhill always passes --config conf/downhill.properties: it must equal the built-in defaults.
        Settings withFile = parse("--config", PROPERTIES.toString());
        Settings without = parse();
        for (Setting s : Settings.ALL) {
            if (!s.key().equals("config")) {
                assertEquals(without.get(s.key()), withFile.get(s.key()), s.key());
            }
        }
    }

    // ---- command line syntax ----

    @Test
    void keyValueAndKeyEqualsValueAreTheSame() {
        Settings spaced = parse("--l2", "0.5", "--max-iter", "20", "--objective", "softmax", "--input", "a.csv");
        Settings joined = parse("--l2=0.5", "--max-iter=20", "--objective=softmax", "--input=a.csv");
        for (Settings s : List.of(spaced, joined)) {
            assertEquals(0.5, s.getDouble("l2"));
            assertEquals(20, s.getInt("max-iter"));
            assertEquals("softmax", s.get("objective"));
            assertEquals("a.csv", s.require("input"));
        }
    }

    @Test
    void onlyTheFirstEqualsSignSplitsKeyFromValue() {
        assertEquals("data/x=1/part.csv", parse("--input=data/x=1/part.csv").get("input"));
    }

    @Test
    void theLastOccurrenceOfAKeyWins() {
        assertEquals(7, parse("--max-iter", "3", "--max-iter", "7").getInt("max-iter"));
    }

    @Test
    void negativeNumberIsReadAsAValueAndRejectedByRange() {
        SettingsException e = refused("--l2", "-1");
        // "-1" must be taken as the value of --l2 (not a missing value), then refused by range.
        assertFalse(e.getMessage().contains("needs a value"), e.getMessage());
        assertContains(e.getMessage(), "--l2", "'-1'", "[0, inf)");
    }

    @Test
    void negativeNumberIsAValueEvenForTextSettings() {
        assertEquals("-5", parse("--input", "-5").get("input"));
    }

    @Test
    void positionalArgumentIsRefused() {
        assertContains(refused("train.csv").getMessage(), "unexpected argument 'train.csv'", "--key value");
        assertContains(refused("--").getMessage(), "unexpected argument '--'");
    }

    @Test
    void missingValueAtTheEndIsAnError() {
        assertContains(refused("--objective", "logistic", "--l2").getMessage(), "--l2 needs a value");
    }

    @Test
    void missingValueBeforeAnotherKeyIsAnError() {
        // Otherwise "--step" would silently become the value of --input.
        assertContains(refused("--input", "--step", "0.1").getMessage(), "--input needs a value");
    }

    // ---- unknown keys ----

    @Test
    void typoSuggestsTheKnownKey() {
        String m = refused("--stpe", "0.1").getMessage();
        assertContains(m, "unknown setting --stpe", "did you mean --step?", "--help");
        assertEquals("step", Settings.closeMatches("stpe").get(0));
    }

    @Test
    void longerSpellingSuggestsTheKeyItContains() {
        assertContains(refused("--max-iterations", "10").getMessage(),
                "unknown setting --max-iterations", "did you mean --max-iter?");
        assertContains(refused("--max-iterations=10").getMessage(), "did you mean --max-iter?");
    }

    @Test
    void unrelatedKeyGetsNoSuggestion() {
        String m = refused("--zzzzzzzzzz", "1").getMessage();
        assertContains(m, "unknown setting --zzzzzzzzzz", "downhill train --help");
        assertFalse(m.contains("did you mean"), m);
    }

    // ---- types and ranges ----

    @ParameterizedTest
    @CsvSource({
            "max-iter, abc, an integer",
            "max-iter, 1.5, an integer",
            "max-iter, 3000000000, an integer", // does not fit an int: getInt would overflow
            "tol, x, a number",
            "block-rows, 1e3, an integer",
            "partitions, many, an integer",
    })
    void wrongTypeIsRefusedNamingTheKey(String key, String value, String expected) {
        String m = refused("--" + key, value).getMessage();
        assertContains(m, "--" + key + " '" + value + "' is not valid", expected);
    }

    @ParameterizedTest
    @CsvSource({
            "step, 0, '(0, inf)'",       // the step must be strictly positive
            "step, -0.1, '(0, inf)'",
            "partitions, 0, '[1, 100000]'",
            "partitions, 100001, '[1, 100000]'",
            "l2, NaN, '[0, inf)'",         // parses as a double, but is no strength
            "l2, Infinity, '[0, inf)'",
            "l2, -Infinity, '[0, inf)'",
            "tol, -1e-9, '[0, inf)'",
            "num-classes, 1, '[2, 1000000]'",
            "block-rows, 0, '[1, 1000000]'",
            "max-iter, -1, 'an integer in [0,'",
    })
    void outOfRangeIsRefusedNamingTheKeyAndTheRange(String key, String value, String range) {
        String m = refused("--" + key, value).getMessage();
        assertContains(m, "--" + key + " '" + value + "' is not valid", range);
        // The message's range is the one help prints for this setting.
        assertContains(m, setting(key).allowed());
    }

    @Test
    void rangeBoundariesThatAreAllowed() {
        Settings s = parse("--l2", "0", "--tol", "0", "--max-iter", "0", "--step", "1e-300",
                "--num-classes", "2", "--partitions", "100000", "--block-rows", "1");
        assertEquals(1, parse("--partitions", "1").getInt("partitions"));
        assertEquals(0.0, s.getDouble("l2"));
        assertEquals(0, s.getInt("max-iter"));
        assertEquals(100000, s.getInt("partitions"));
        assertEquals(1e-300, s.getDouble("step"));
    }

    @Test
    void autoIsAcceptedWhereTheSettingAllowsIt() {
        Settings s = parse("--step", "auto", "--partitions", "AUTO", "--num-classes", " Auto ");
        // Normalized to the word, so callers can compare with Settings.AUTO.
        assertTrue(s.isAuto("step"));
        assertTrue(s.isAuto("partitions"));
        assertTrue(s.isAuto("num-classes"));
        assertEquals(Settings.AUTO, s.get("partitions"));
    }

    @Test
    void autoIsRefusedWhereTheSettingDoesNotAllowIt() {
        assertContains(refused("--l2", "auto").getMessage(), "--l2 'auto' is not valid", "a number in [0, inf)");
        assertContains(refused("--max-iter", "auto").getMessage(), "--max-iter 'auto'");
        // weight-column takes "none", not "auto"; num-classes takes "auto", not "none".
        assertContains(refused("--weight-column", "auto").getMessage(), "--weight-column 'auto'", "'none' or");
        assertContains(refused("--num-classes", "none").getMessage(), "--num-classes 'none'", "'auto' or");
    }

    @Test
    void noneForWeightColumnAndANumberOtherwise() {
        assertTrue(parse("--weight-column", "NONE").isNone("weight-column"));
        Settings s = parse("--weight-column", "2");
        assertFalse(s.isNone("weight-column"));
        assertEquals(2, s.getInt("weight-column"));
    }

    @Test
    void choicesAreCaseInsensitive() {
        Settings s = parse("--objective", "LOGISTIC", "--format", "Csv", "--csv-header", "TRUE");
        assertEquals("logistic", s.get("objective"));
        assertEquals("csv", s.get("format"));
        assertEquals("true", s.get("csv-header"));
        // The normalized name is one Objective understands.
        assertEquals(Objective.LOGISTIC, Objective.fromName(s.get("objective")));
    }

    @Test
    void unknownChoiceListsTheValidOnes() {
        String m = refused("--objective", "logit").getMessage();
        assertContains(m, "--objective 'logit' is not valid", "one of");
        for (Objective o : Objective.values()) {
            assertContains(m, o.cliName());
        }
        assertContains(refused("--csv-header", "yes").getMessage(), "--csv-header 'yes'", "auto|true|false");
        assertContains(refused("--format", "orc").getMessage(), "auto|libsvm|csv|parquet");
    }

    @Test
    void emptyTextIsRefused() {
        assertContains(refused("--input=").getMessage(), "--input '' is not valid", "non-empty");
        assertContains(refused("--output", "  ").getMessage(), "--output", "non-empty");
    }

    // ---- --config ----

    @Test
    void configFileIsReadAndTheCommandLineOverridesIt(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("my.properties");
        Files.writeString(conf, "# my settings\nl2=0.5\nmax-iter = 20\nobjective=softmax\nstep=auto\n");
        // --config is read first whatever its position, and the command line still wins.
        Settings s = parse("--max-iter", "30", "--config", conf.toString(), "--step", "0.25");
        assertEquals(0.5, s.getDouble("l2"));
        assertEquals(30, s.getInt("max-iter"));
        assertEquals("softmax", s.get("objective"));
        assertEquals(0.25, s.getDouble("step"));
        // Untouched settings keep their defaults.
        assertEquals(setting("block-rows").defaultValue(), s.get("block-rows"));
        // And without the override the file's value is used.
        assertEquals(20, parse("--config=" + conf).getInt("max-iter"));
    }

    @Test
    void unknownKeyInConfigFileNamesTheFile(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("bad.properties");
        Files.writeString(conf, "l2=0.1\nstpe=0.1\n");
        String m = refused("--config", conf.toString()).getMessage();
        assertContains(m, "unknown setting --stpe", conf.toString(), "did you mean --step?");
    }

    @Test
    void keysInConfigFileAreWithoutDashes(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("dashes.properties");
        Files.writeString(conf, "--l2=0.1\n");
        // The file's key "--l2" is shown as the command line would spell it, with the fix suggested.
        assertContains(refused("--config", conf.toString()).getMessage(), "unknown setting ----l2", conf.toString(),
                "did you mean --l2?");
    }

    @Test
    void invalidValueInConfigFileNamesTheKey(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("range.properties");
        Files.writeString(conf, "partitions=0\n");
        assertContains(refused("--config", conf.toString()).getMessage(), "--partitions '0' is not valid",
                "set in " + conf);
        // A broken settings file is refused even where the command line overrides the key: it needs fixing.
        assertContains(refused("--config", conf.toString(), "--partitions", "4").getMessage(), "set in " + conf);
    }

    @Test
    void missingConfigFileIsAClearError(@TempDir Path dir) {
        Path missing = dir.resolve("nope.properties");
        String m = refused("--config", missing.toString()).getMessage();
        assertContains(m, missing.toString(), "does not exist", "--config");
    }

    // ---- access ----

    @Test
    void requireOfAMissingRequiredSettingNamesIt() {
        Settings s = parse("--objective", "logistic");
        SettingsException e = assertThrows(SettingsException.class, () -> s.require("input"));
        assertContains(e.getMessage(), "--input is required");
        // getInt/getDouble go through require: a clear message, not a NullPointerException.
        assertContains(assertThrows(SettingsException.class, () -> s.getDouble("output")).getMessage(),
                "--output is required");
        assertEquals("logistic", s.require("objective"));
    }

    @Test
    void askingForAnUnknownKeyIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> parse().get("max-iterations"));
    }

    @Test
    void aBadValueInTheConfigFileNamesTheFile(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("my.properties");
        java.nio.file.Files.writeString(file, "partitions=0\n");
        String m = assertThrows(SettingsException.class,
                () -> Settings.parse(List.of("--config", file.toString()))).getMessage();
        assertTrue(m.contains("--partitions '0' is not valid") && m.contains("set in " + file), m);
    }

    @Test
    void integerLimitsAreStatedAsNumbers() {
        String m = assertThrows(SettingsException.class,
                () -> Settings.parse(List.of("--max-iter", "3000000000"))).getMessage();
        assertTrue(m.contains("[0, 2147483647]"), m);
    }

    // ---- which command reads which setting ----

    @Test
    void everySettingIsReadBySomeCommandAndOnlyByKnownOnes() {
        for (Setting s : Settings.ALL) {
            assertFalse(s.commands().isEmpty(), s.key() + " is read by no command");
            assertTrue(Settings.COMMANDS.containsAll(s.commands()), s.key() + ": " + s.commands());
        }
        assertEquals(List.of("train", "evaluate", "predict", "export"), setting("model").commands());
        assertEquals(List.of("predict"), setting("output-format").commands());
        assertEquals(List.of("train"), setting("objective").commands());
    }

    @Test
    void aCommandRefusesOnTheCommandLineASettingItDoesNotRead() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> Settings.parse("evaluate", List.of("--objective", "logistic")));
        assertContains(e.getMessage(), "--objective does not apply to evaluate", "only train reads it",
                "downhill evaluate --help");
        assertContains(assertThrows(SettingsException.class,
                () -> Settings.parse("train", List.of("--output-format", "csv"))).getMessage(),
                "--output-format does not apply to train", "only predict reads it");
        // train reads --model as the family; a folder there is refused by name.
        Settings folder = parse("--input", "a", "--objective", "logistic", "--output", "o", "--model", "m");
        assertContains(assertThrows(SettingsException.class,
                () -> dev.downhill.driver.train.TrainCommand.validate(folder)).getMessage(),
                "--model m is not a model family", "linear or mlp");
        // Unknown keys still get suggestions, and the help named is the command's.
        assertContains(assertThrows(SettingsException.class,
                () -> Settings.parse("predict", List.of("--modle", "m"))).getMessage(),
                "did you mean --model?", "downhill predict --help");
        assertEquals("m", Settings.parse("predict", List.of("--model", "m", "--output-format", "PARQUET"))
                .get("model"));
    }

    @Test
    void aPropertiesFileMayHoldSettingsOfEveryCommand(@TempDir Path dir) throws IOException {
        Path conf = dir.resolve("all.properties");
        Files.writeString(conf, "objective=softmax\nmodel=m\noutput-format=parquet\n");
        Settings s = Settings.parse("train", List.of("--config", conf.toString()));
        assertEquals("softmax", s.get("objective"));
        assertEquals("parquet", s.get("output-format"));
    }

    @Test
    void aCommandsHelpListsItsOwnSettingsAndNamesTheOthers() {
        String help = Settings.renderHelp("predict");
        int others = help.indexOf("Settings of other commands, not read by predict:");
        assertTrue(others > 0, help);
        for (Setting s : Settings.ALL) {
            String header = "  --" + s.key() + (s.defaultValue() == null ? "" : " (default: " + s.defaultValue() + ")")
                    + "\n";
            if (s.isReadBy("predict")) {
                assertTrue(help.indexOf(header) >= 0 && help.indexOf(header) < others, s.key());
            } else {
                assertFalse(help.contains(header), s.key());
                assertTrue(help.substring(others).replace("\n", " ").contains("--" + s.key()), s.key());
            }
        }
        assertContains(Settings.renderProperties().replace("\n# ", " "), "Read by predict.",
                "Read by train, evaluate and predict.");
    }

    @Test
    void labelColumnNoneIsAWordAndTrainRefusesIt() {
        assertTrue(parse("--label-column", "none").isNone("label-column"));
        assertEquals(3, parse("--label-column", "3").getInt("label-column"));
        Settings s = parse("--input", "a", "--objective", "logistic", "--output", "o", "--label-column", "none");
        assertContains(assertThrows(SettingsException.class,
                () -> dev.downhill.driver.train.TrainCommand.validate(s)).getMessage(),
                "--label-column none applies to predict only: train needs labels");
    }

    @Test
    void columnsAreNumbersOrNames() {
        assertTrue(parse().isAuto("label-column"));
        assertEquals("7", parse("--label-column", "+7").get("label-column"));
        assertEquals("target", parse("--label-column", "target").get("label-column"));
        assertEquals("w", parse("--weight-column", "w").get("weight-column"));
        assertContains(refused("--label-column", "-1").getMessage(), "--label-column '-1' is not valid",
                "'auto' or a 0-based column number in [0, 1000000] or a column name");
        // weight-column has no auto: the word is refused rather than taken for a column's name.
        assertContains(refused("--weight-column", "Auto").getMessage(), "--weight-column 'Auto' is not valid");
        // Names only fit Parquet: with a text format they are refused before Spark starts.
        Settings csv = parse("--input", "a", "--objective", "logistic", "--output", "o", "--format", "csv",
                "--label-column", "y");
        assertContains(assertThrows(SettingsException.class,
                () -> dev.downhill.driver.train.TrainCommand.validate(csv)).getMessage(),
                "--label-column y (a column name) applies to Parquet input, but --format is csv");
        Settings same = parse("--input", "a", "--objective", "logistic", "--output", "o", "--format", "parquet",
                "--weight-column", "label");
        assertContains(assertThrows(SettingsException.class,
                () -> dev.downhill.driver.train.TrainCommand.validate(same)).getMessage(),
                "--weight-column and --label-column are both label");
        Settings twice = parse("--input", "a", "--objective", "logistic", "--output", "o", "--feature-columns",
                "a, b,a");
        assertContains(assertThrows(SettingsException.class,
                () -> dev.downhill.driver.train.TrainCommand.validate(twice)).getMessage(), "names a column twice");
    }
}
