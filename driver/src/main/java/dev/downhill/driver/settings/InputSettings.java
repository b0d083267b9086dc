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
        String delimiter = s.get("csv-delimiter");
        if (!"tab".equals(delimiter) && delimiter.length() != 1) {
            throw new SettingsException("--csv-delimiter '" + delimiter + "' is not valid: expected one character"
                    + " or 'tab'.");
        }
        if (!s.isNone("weight-column") && !s.isNone("label-column")
                && s.getInt("weight-column") == s.getInt("label-column")) {
            throw new SettingsException("--weight-column and --label-column are both " + s.get("label-column") + ".");
        }
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
        o.labelColumn = o.labeled ? s.getInt("label-column") : -1;
        o.weightColumn = s.isNone("weight-column") ? -1 : s.getInt("weight-column");
        o.csvHeader = CsvParser.Header.valueOf(s.get("csv-header").toUpperCase(Locale.ROOT));
        String delimiter = s.get("csv-delimiter");
        o.csvDelimiter = "tab".equals(delimiter) ? '\t' : delimiter.charAt(0);
    }
}
