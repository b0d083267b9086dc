package dev.downhill.driver.settings;

import dev.downhill.driver.io.CsvParser;
import dev.downhill.driver.io.RowReader;
import java.util.Locale;

/**
 * The settings that say how to read input text (input, format, label and weight columns, CSV header and
 * delimiter), checked and applied in one place so train, evaluate and predict read the same data alike.
 */
public final class InputSettings {
    private InputSettings() {}

    /** Checks what parsing alone cannot, before Spark starts. */
    public static void validate(Settings s) {
        s.require("input");
        if ("onnx".equals(s.get("format"))) {
            throw new SettingsException("--format onnx is a model format, written by export; data is read as"
                    + " auto|libsvm|csv|parquet.");
        }
        String delimiter = s.get("csv-delimiter");
        if (!"tab".equals(delimiter) && delimiter.length() != 1) {
            throw new SettingsException("--csv-delimiter '" + delimiter + "' is not valid: expected one character"
                    + " or 'tab'.");
        }
        String label = s.isAuto("label-column") ? (isParquet(s) ? "label" : "0") : s.get("label-column");
        if (!s.isNone("weight-column") && !s.isNone("label-column") && s.get("weight-column").equals(label)) {
            throw new SettingsException("--weight-column and --label-column are both " + label + ".");
        }
        if (s.isGiven("feature-columns")) {
            splitNames(s.get("feature-columns"));
        }
        if (isText(s)) {
            String named = namedColumns(s);
            if (named != null) {
                throw new SettingsException(named + " applies to Parquet input, but --format is " + s.get("format")
                        + ": CSV columns are given by 0-based number.");
            }
        }
    }

    private static boolean isParquet(Settings s) {
        return "parquet".equals(s.get("format"));
    }

    private static boolean isText(Settings s) {
        return "csv".equals(s.get("format")) || "libsvm".equals(s.get("format"));
    }

    private static boolean isNumber(String value) {
        return value.chars().allMatch(Character::isDigit);
    }

    /** The settings given that only Parquet (column names) can honour, in words, or null. */
    static String namedColumns(Settings s) {
        for (String key : new String[] {"label-column", "weight-column"}) {
            String v = s.get(key);
            if (!s.isNone(key) && !s.isAuto(key) && !isNumber(v)) {
                return "--" + key + " " + v + " (a column name)";
            }
        }
        return s.isGiven("feature-columns") ? "--feature-columns" : null;
    }

    /** Refuses --label-column none for a command that needs labels. */
    public static void requireLabels(Settings s, String command) {
        if (s.isNone("label-column")) {
            throw new SettingsException("--label-column none applies to predict only: " + command
                    + " needs labels.");
        }
    }

    /** Copies the reading settings into {@code o}. */
    public static void apply(Settings s, RowReader.Options o) {
        o.input = s.require("input");
        o.format = s.get("format");
        o.labeled = !s.isNone("label-column");
        String label = s.get("label-column");
        String weight = s.get("weight-column");
        // CSV reads numbers; a name is refused when the input turns out to be text (RowReader.read).
        o.labelColumn = !o.labeled ? -1 : isNumber(label) ? Integer.parseInt(label) : 0;
        o.weightColumn = s.isNone("weight-column") || !isNumber(weight) ? -1 : Integer.parseInt(weight);
        o.columnNamesForParquet = namedColumns(s);
        o.labelField = !o.labeled ? null : s.isAuto("label-column") ? "label" : label;
        o.weightField = s.isNone("weight-column") ? null : weight;
        o.featuresField = s.get("features-column");
        o.featureFields = s.isGiven("feature-columns") ? splitNames(s.get("feature-columns")) : null;
        o.csvHeader = CsvParser.Header.valueOf(s.get("csv-header").toUpperCase(Locale.ROOT));
        String delimiter = s.get("csv-delimiter");
        o.csvDelimiter = "tab".equals(delimiter) ? '\t' : delimiter.charAt(0);
    }

    /** "a, b,c" as [a, b, c]; an empty name is refused. */
    static java.util.List<String> splitNames(String list) {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (String name : list.split(",", -1)) {
            if (name.trim().isEmpty()) {
                throw new SettingsException("--feature-columns '" + list + "' is not valid: expected column names"
                        + " separated by commas, none empty.");
            }
            names.add(name.trim());
        }
        if (new java.util.HashSet<>(names).size() != names.size()) {
            throw new SettingsException("--feature-columns '" + list + "' names a column twice.");
        }
        return names;
    }
}
