package dev.downhill.driver.train;

import dev.downhill.core.loss.Objective;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;

/**
 * Which change of variables train optimizes in (--standardize, --preconditioner): none, the diagonal
 * {@code Standardization}, or {@code Whitening} by the features' covariance. Whitening mixes coordinates, so
 * it needs a smooth objective (a curvature at the start) and no L1 penalty (which would stop being
 * separable); it costs a d x d covariance in the loading pass, so auto keeps it to few features.
 */
final class Preconditioning {
    /** auto whitens up to this many features: the covariance costs about d / 4 gradient passes of arithmetic. */
    static final int AUTO_MAX_FEATURES = 512;
    /** --preconditioner whiten refuses more features than this (the driver factors a d x d matrix). */
    static final int MAX_FEATURES = 4096;

    private Preconditioning() {}

    /** Refuses impossible combinations before Spark starts. */
    static void validate(Settings s, Objective objective) {
        if (!"whiten".equals(s.get("preconditioner"))) {
            return;
        }
        if (!s.getBoolean("standardize")) {
            throw new SettingsException("--preconditioner whiten needs --standardize true (false trains in the"
                    + " user's coordinates, with no change of variables).");
        }
        if (!objective.isSmooth()) {
            throw new SettingsException("--preconditioner whiten needs a smooth objective (it scales by the"
                    + " loss's curvature); --objective " + objective.cliName() + " is not. Use diagonal.");
        }
        if (s.getDouble("l1") > 0) {
            throw new SettingsException("--preconditioner whiten mixes the coordinates, so the --l1 penalty would"
                    + " no longer be separable; use --preconditioner diagonal (the default with --l1).");
        }
    }

    /** The most features whitening applies to under these settings; 0 when it does not apply. */
    static int whiteningMaxFeatures(Settings s, Objective objective) {
        String kind = s.get("preconditioner");
        if (!s.getBoolean("standardize") || "diagonal".equals(kind)) {
            return 0;
        }
        if ("whiten".equals(kind)) {
            return MAX_FEATURES;
        }
        boolean fits = objective.isSmooth() && s.getDouble("l1") == 0 && s.getDouble("batch-fraction") >= 1;
        return fits ? AUTO_MAX_FEATURES : 0;
    }

    /** Whether d features are too many for an explicit --preconditioner whiten. */
    static void checkFeatures(Settings s, int numFeatures) {
        if ("whiten".equals(s.get("preconditioner")) && numFeatures > MAX_FEATURES) {
            throw new SettingsException("--preconditioner whiten factors a d x d covariance on the driver and takes"
                    + " at most " + MAX_FEATURES + " features; this data has " + numFeatures + ". Use"
                    + " --preconditioner diagonal.");
        }
    }
}
