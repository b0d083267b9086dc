package dev.downhill.driver.settings;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One setting: its key (the command line spells it {@code --key}), default, meaning, and the values it
 * accepts. {@link Settings#ALL} lists every setting; parsing, {@code --help} and
 * {@code conf/downhill.properties} are all generated from that list.
 */
public final class Setting {

    /** The kinds of values a setting takes. */
    public enum Type { STRING, INT, LONG, DOUBLE, BOOLEAN, CHOICE, COLUMN }

    private final String key;
    private final Type type;
    /** Null: no default (required, or optional with "none"). */
    private final String defaultValue;
    private final String description;
    private final double min;
    private final double max;
    private final boolean minExclusive;
    private final List<String> choices;
    /** A word accepted besides typed values ("auto", "none"), or null. */
    private final String word;
    /** The commands that read this setting (train, evaluate, predict). */
    private final List<String> commands;

    private Setting(String key, Type type, String defaultValue, String description,
                    double min, boolean minExclusive, double max, List<String> choices, String word,
                    List<String> commands) {
        this.commands = commands;
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.description = description;
        this.min = min;
        this.minExclusive = minExclusive;
        this.max = max;
        this.choices = choices;
        this.word = word;
    }

    /** The same setting, also accepting {@code word} (like "auto") in place of a typed value. */
    Setting orWord(String word) {
        return new Setting(key, type, defaultValue, description, min, minExclusive, max, choices, word, commands);
    }

    /** The same setting, read by these commands. */
    Setting readBy(String... commandNames) {
        for (String c : commandNames) {
            Objects.requireNonNull(c);
        }
        return new Setting(key, type, defaultValue, description, min, minExclusive, max, choices, word,
                List.of(commandNames));
    }

    static Setting string(String key, String defaultValue, String description) {
        return new Setting(key, Type.STRING, defaultValue, description, 0, false, 0, List.of(), null, List.of());
    }

    static Setting choice(String key, String defaultValue, String description, String... choices) {
        return new Setting(key, Type.CHOICE, defaultValue, description, 0, false, 0, List.of(choices), null,
                List.of());
    }

    static Setting bool(String key, String defaultValue, String description) {
        return new Setting(key, Type.BOOLEAN, defaultValue, description, 0, false, 0, List.of("true", "false"), null,
                List.of());
    }

    static Setting integer(String key, String defaultValue, long min, long max, String description) {
        return new Setting(key, Type.INT, defaultValue, description, min, false, max, List.of(), null, List.of());
    }

    /**
     * A column: a 0-based number (CSV; a position in the schema for Parquet and DataFrames) or a name
     * (Parquet and DataFrames). "auto" is accepted only when it is the default; "auto" and "none" are never
     * names.
     */
    static Setting column(String key, String defaultValue, long maxNumber, String description) {
        return new Setting(key, Type.COLUMN, defaultValue, description, 0, false, maxNumber, List.of(), null,
                List.of());
    }

    static Setting longValue(String key, String defaultValue, long min, long max, String description) {
        return new Setting(key, Type.LONG, defaultValue, description, min, false, max, List.of(), null, List.of());
    }

    /** A finite double in [min, max], or (min, max] when minExclusive. */
    static Setting real(String key, String defaultValue, double min, boolean minExclusive, double max,
                        String description) {
        return new Setting(key, Type.DOUBLE, defaultValue, description, min, minExclusive, max, List.of(), null,
                List.of());
    }

    public String key() {
        return key;
    }

    public Type type() {
        return type;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    public List<String> choices() {
        return choices;
    }

    /** The commands that read this setting. */
    public List<String> commands() {
        return commands;
    }

    public boolean isReadBy(String command) {
        return commands.contains(command);
    }

    /** The accepted values in words, for help and error messages. */
    public String allowed() {
        String typed = allowedTyped();
        return word == null ? typed : "'" + word + "' or " + typed;
    }

    private String allowedTyped() {
        switch (type) {
            case CHOICE:
            case BOOLEAN:
                return String.join("|", choices);
            case INT:
            case LONG:
                return "an integer in [" + (long) min + ", "
                        + ((long) max == Long.MAX_VALUE ? "inf" : String.valueOf((long) max)) + "]";
            case DOUBLE:
                return "a number in " + (minExclusive ? "(" : "[") + fmt(min) + ", " + fmt(max)
                        + (Double.isInfinite(max) ? ")" : "]");
            case COLUMN:
                return (Settings.AUTO.equals(defaultValue) ? "'auto' or " : "") + "a 0-based column number in [0, "
                        + (long) max + "] or a column name";
            default:
                return "text";
        }
    }

    private static String fmt(double v) {
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** Checks a raw value and returns it normalized; throws {@link SettingsException} naming the key. */
    String validate(String raw) {
        String value = raw.trim();
        if (word != null && value.equalsIgnoreCase(word)) {
            return word;
        }
        switch (type) {
            case STRING:
                if (value.isEmpty()) {
                    throw invalid(raw, "a non-empty value");
                }
                return value;
            case BOOLEAN:
            case CHOICE: {
                String v = value.toLowerCase(Locale.ROOT);
                if (!choices.contains(v)) {
                    throw invalid(raw, "one of " + allowed());
                }
                return v;
            }
            case INT:
            case LONG: {
                long v;
                try {
                    v = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw invalid(raw, allowed());
                }
                if (v < (long) min || v > (long) max) {
                    throw invalid(raw, allowed());
                }
                return Long.toString(v);
            }
            case COLUMN: {
                if (value.equalsIgnoreCase(Settings.AUTO) && Settings.AUTO.equals(defaultValue)) {
                    return Settings.AUTO;
                }
                if (value.isEmpty() || value.equalsIgnoreCase(Settings.AUTO) || value.equalsIgnoreCase(Settings.NONE)) {
                    throw invalid(raw, allowed());
                }
                if (value.matches("[+-]?[0-9]+")) {
                    long v;
                    try {
                        v = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw invalid(raw, allowed());
                    }
                    if (v < 0 || v > (long) max) {
                        throw invalid(raw, allowed());
                    }
                    return Long.toString(v);
                }
                return value;
            }
            case DOUBLE: {
                double v;
                try {
                    v = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    throw invalid(raw, allowed());
                }
                boolean below = minExclusive ? !(v > min) : !(v >= min);
                if (Double.isNaN(v) || Double.isInfinite(v) || below || v > max) {
                    throw invalid(raw, allowed());
                }
                return value;
            }
            default:
                throw new AssertionError(type);
        }
    }

    private SettingsException invalid(String raw, String expected) {
        return new SettingsException("--" + key + " '" + raw + "' is not valid: expected " + expected + ".");
    }
}
