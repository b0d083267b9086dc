package dev.downhill.driver.train;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.model.Model;
import dev.downhill.core.numdiff.ModelGradientCheck;
import dev.downhill.driver.io.TrainingData;
import dev.downhill.driver.settings.Settings;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * --check-gradient: before the first objective pass, the first cached block (up to --block-rows rows, 512 for
 * networks) is collected to the driver and the model's gradient at its starting parameters is compared with
 * central differences on a seeded sample of up to {@link #MAX_PARAMETERS} parameters ({@link ModelGradientCheck}:
 * step, tolerance and absolute floor are documented there). Prints "gradient check: ..." with the largest
 * relative error; a mismatch is a {@link GradientCheckException} (exit 2) naming the parameter, the analytic and
 * numerical values, and the user-defined operation whose product disagrees with its forward where one does.
 */
final class GradientCheckStep {
    static final int MAX_PARAMETERS = 100;

    private GradientCheckStep() {}

    static void run(Settings s, org.apache.spark.api.java.JavaSparkContext jsc, TrainingData data, Model model,
                    Loss loss, PrintStream out) {
        if (!ModelSettings.checkGradient(s)) {
            return;
        }
        jsc.setJobGroup(TrainCommand.JOB_GROUP, "Downhill train: gradient check (first block)", false);
        List<DataBlock> sample = data.blocks.take(1);
        if (sample.isEmpty() || sample.get(0).numRows() == 0) {
            out.println("gradient check: skipped (no rows in the first block)");
            return;
        }
        long seed = s.getLong("seed");
        double[] theta = model.initialParameters(seed);
        ModelGradientCheck.Result r = ModelGradientCheck.check(model, loss, sample, theta, seed, MAX_PARAMETERS);
        String where = model.architecture().describe();
        out.printf(Locale.ROOT, "gradient check: largest relative error %.3e over %d parameters on %d rows (%s;"
                        + " central differences, h = 1e-6 max(1, |theta|), tolerance %.0e)%s%n",
                r.maxRelativeError(), r.checked(), r.rows(), where, ModelGradientCheck.TOLERANCE,
                r.passed() ? "" : ": FAILED");
        if (!r.passed()) {
            throw new GradientCheckException(r.describeFailure(model.architecture().type()
                    == dev.downhill.core.model.Architecture.Type.CUSTOM ? model.getClass().getName() : where)
                    + ". Fix the model's derivative, or train without the check (--check-gradient off) at your"
                    + " own risk.");
        }
    }
}
