package dev.downhill.driver.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One system's way to the optimum in the optimizer race: for each iterate k = 1, 2, ... its objective f_k (the
 * user's objective), the distributed passes over the data spent to have it, and the seconds from the start of
 * the training call to the end of the pass that produced it. The relative gap is (f_k - f*) / |f*|.
 */
final class RaceTrace {
    /** Where an accuracy was first reached. */
    record Reach(long iteration, long passes, double seconds) {}

    final String system;
    /** How the system was run (settings), for the table's footnotes and the JSON. */
    final String settings;
    final List<Long> iterations = new ArrayList<>();
    final List<Long> passes = new ArrayList<>();
    final List<Double> seconds = new ArrayList<>();
    final List<Double> objectives = new ArrayList<>();
    /** Why it stopped (the product's stop reason, or what the library reported). */
    String stop = "";
    /** Passes and seconds of the whole call. */
    long totalPasses = -1;
    double totalSeconds = Double.NaN;
    /** The user's objective recomputed by Downhill at the system's final parameters (NaN if not done). */
    double recomputedFinal = Double.NaN;
    /** Anything else worth keeping (checks, timing method). */
    final Map<String, Object> extra = new LinkedHashMap<>();

    RaceTrace(String system, String settings) {
        this.system = system;
        this.settings = settings;
    }

    void add(long iteration, long passCount, double secondsSinceStart, double objective) {
        iterations.add(iteration);
        passes.add(passCount);
        seconds.add(secondsSinceStart);
        objectives.add(objective);
    }

    /** "1e-6" for 1e-6: the JSON's key of an accuracy. */
    static String label(double tolerance) {
        return "1e" + Math.round(Math.log10(tolerance));
    }

    static double gap(double f, double fStar) {
        return (f - fStar) / Math.abs(fStar);
    }

    /** The first iterate with relative gap <= tolerance, or null (never within the run). */
    Reach reach(double fStar, double tolerance) {
        for (int i = 0; i < objectives.size(); i++) {
            if (gap(objectives.get(i), fStar) <= tolerance) {
                return new Reach(iterations.get(i), passes.get(i), seconds.get(i));
            }
        }
        return null;
    }

    double finalObjective() {
        return objectives.isEmpty() ? Double.NaN : objectives.get(objectives.size() - 1);
    }

    long finalIteration() {
        return iterations.isEmpty() ? 0 : iterations.get(iterations.size() - 1);
    }

    Map<String, Object> toJson(double fStar, double[] tolerances) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("settings", settings);
        Map<String, Object> reached = new LinkedHashMap<>();
        for (double tol : tolerances) {
            Reach r = reach(fStar, tol);
            Map<String, Object> e = new LinkedHashMap<>();
            if (r == null) {
                e.put("reached", false);
            } else {
                e.put("reached", true);
                e.put("iteration", r.iteration());
                e.put("passes", r.passes());
                e.put("seconds", r.seconds());
            }
            reached.put(label(tol), e);
        }
        m.put("reach", reached);
        m.put("iterations", finalIteration());
        m.put("passes", totalPasses);
        m.put("seconds", totalSeconds);
        m.put("stop", stop);
        m.put("finalObjective", finalObjective());
        m.put("finalRelativeGap", gap(finalObjective(), fStar));
        m.put("recomputedFinalObjective", recomputedFinal);
        m.putAll(extra);
        Map<String, Object> trace = new LinkedHashMap<>();
        trace.put("iteration", iterations);
        trace.put("passes", passes);
        trace.put("seconds", seconds);
        trace.put("objective", objectives);
        m.put("trace", trace);
        return m;
    }
}
