package dev.downhill.driver.checkpoint;

import dev.downhill.driver.settings.Setting;
import dev.downhill.driver.settings.Settings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The settings a checkpoint was written with that decide the iterates: every setting {@code train} reads
 * (with its effective value, defaults included) except those in {@link #OUTSIDE}. A setting added later is
 * in the fingerprint unless it is listed there, so the safe default is to refuse a resume when it changes.
 */
public final class SettingsFingerprint {
    private SettingsFingerprint() {}

    /**
     * Settings a resumed run may change: they decide when training stops, where things are written, how
     * often to report or checkpoint, or where the data lives (the data fingerprint checks the files
     * themselves), never what an iteration computes. Raising --max-iter on resume is the common case.
     */
    public static final Set<String> OUTSIDE = Set.of(
            "max-iter", "tol", "rel-tol", "f-tol", "f-window", "time-budget", "patience", "divergence-rises",
            "progress-every", "master", "config", "output", "input",
            "checkpoint-every", "keep-checkpoints", "resume",
            "overwrite", "slice-copies", // where cached copies live, not the math
            "jars", "check-gradient"); // where a --model-class's jar lies, and the start's check: not the math

    /** The fingerprint of {@code settings}: key to effective value, sorted by key. */
    public static SortedMap<String, String> of(Settings settings) {
        SortedMap<String, String> fp = new TreeMap<>();
        for (Setting s : Settings.ALL) {
            if (s.isReadBy(Settings.TRAIN) && !OUTSIDE.contains(s.key()) && settings.get(s.key()) != null) {
                fp.put(s.key(), settings.get(s.key()));
            }
        }
        return fp;
    }

    /** Each differing setting as "--key was OLD, now NEW" (or "not set"); empty when they agree. */
    public static List<String> differences(Map<String, String> checkpoint, Map<String, String> now) {
        Set<String> keys = new TreeSet<>(checkpoint.keySet());
        keys.addAll(now.keySet());
        List<String> out = new ArrayList<>();
        for (String k : keys) {
            String was = checkpoint.get(k);
            String is = now.get(k);
            if (was == null || !was.equals(is)) {
                out.add("--" + k + " was " + shown(was) + ", now " + shown(is));
            }
        }
        return out;
    }

    private static String shown(String v) {
        return v == null ? "not set" : "'" + v + "'";
    }
}
