package dev.downhill.driver.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code --race-*} options of the bench's {@code optimizers} section ({@link OptimizerRace}). */
final class RaceOptions {
    static final long DEFAULT_ROWS = 200_000;
    /** Every rule {@code train --optimizer} takes. */
    static final List<String> ALL_OPTIMIZERS = List.of("lbfgs", "gd-linesearch", "fista", "gd", "momentum",
            "nesterov", "adam", "adagrad", "rmsprop", "adamw");
    static final List<String> DEFAULT_OPTIMIZERS = List.of("lbfgs", "gd-linesearch", "fista", "gd", "momentum",
            "nesterov", "adam");
    static final List<String> DEFAULT_PROBLEMS = List.of("logistic", "least-squares");

    long rows = DEFAULT_ROWS;
    int features = 50;
    int maxIter = 300;
    List<String> optimizers = DEFAULT_OPTIMIZERS;
    List<String> problems = DEFAULT_PROBLEMS;
    /** Folder for the CSV files and training outputs; null: a fresh temporary folder, deleted afterwards. */
    String dir;
    /** Fit small copies with ml first, untimed (tests turn it off to save time; nothing is timed there). */
    boolean warmUp = true;
    /** Check ml's per-iteration passes (from breeze's log) against a second fit with maxIter = K/2 (tests). */
    boolean verifyClock;

    static final String USAGE = String.join("\n",
            "optimizer race (--sections optimizers; not in the default sections): passes and seconds each Downhill",
            "optimizer and Spark ml need to reach the optimum to 1e-6 and 1e-10 relative in the objective",
            "  --race-rows N           rows of each problem (default: --rows if given, else 200000)",
            "  --race-features D       features of each problem (default 50)",
            "  --race-max-iter N       iteration limit of every system (default 300)",
            "  --race-optimizers LIST  Downhill rules (default " + String.join(",", DEFAULT_OPTIMIZERS) + ";",
            "                          any of " + String.join(",", ALL_OPTIMIZERS) + ")",
            "  --race-problems LIST    any of " + String.join(",", RaceProblem.NAMES) + " (default "
                    + String.join(",", DEFAULT_PROBLEMS) + ")",
            "  --race-dir PATH         keep the CSV data and every run's output folder here (default: a temporary",
            "                          folder, deleted at the end)");

    /** From the bench's options: its {@code --race-*} pairs, and {@code --rows} when it was given. */
    static RaceOptions parse(Map<String, String> args, Long rowsGiven) {
        RaceOptions o = new RaceOptions();
        if (rowsGiven != null) {
            o.rows = rowsGiven;
        }
        for (Map.Entry<String, String> e : args.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            switch (key) {
                case "race-rows" -> o.rows = positive(key, value);
                case "race-features" -> o.features = Math.toIntExact(positive(key, value));
                case "race-max-iter" -> o.maxIter = Math.toIntExact(positive(key, value));
                case "race-optimizers" -> o.optimizers = list(key, value, ALL_OPTIMIZERS);
                case "race-problems" -> o.problems = list(key, value, RaceProblem.NAMES);
                case "race-dir" -> o.dir = value;
                default -> throw new IllegalArgumentException("unknown option --" + key);
            }
        }
        return o;
    }

    private static long positive(String key, String value) {
        long v;
        try {
            v = Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + ": '" + value + "' is not an integer");
        }
        if (v < 1) {
            throw new IllegalArgumentException("--" + key + " must be >= 1, got " + value);
        }
        return v;
    }

    private static List<String> list(String key, String value, List<String> allowed) {
        List<String> out = new ArrayList<>();
        for (String s : value.split(",")) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            if (!allowed.contains(t)) {
                throw new IllegalArgumentException("--" + key + ": '" + t + "' is not one of " + allowed);
            }
            if (!out.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }
}
