package dev.downhill.driver.train;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.LinearModel;
import dev.downhill.core.objective.L1Penalty;
import dev.downhill.core.optim.GradientDescent;
import dev.downhill.core.optim.Optimizer;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import java.util.Set;

/**
 * Which update rule a run uses and with what step: resolves {@code --optimizer auto}, refuses
 * combinations that cannot work (a line search on noisy mini-batches, L1 with a rule that has no proximal
 * step), and builds the {@link Optimizer}. The driver holds no update math: every rule is worker-core's.
 */
public final class OptimizerChoice {
    /** Rules that pick their own steps; a schedule does not apply. */
    static final Set<String> SELF_STEPPING = Set.of("gd-linesearch", "lbfgs", "fista");
    /** Rules that take L1 through a proximal step (or OWL-QN). */
    static final Set<String> WITH_L1 = Set.of("gd", "gd-linesearch", "fista", "lbfgs");
    /** Rules that a noisy mini-batch gradient suits. */
    static final Set<String> STOCHASTIC = Set.of("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw");

    public final String name;
    /** The step of iteration 1 (or the line search's first trial); NaN for lbfgs. */
    public final double step;
    /** Whether the objective may rise from one iteration to the next without anything being wrong. */
    public final boolean fixedStep;

    private OptimizerChoice(String name, double step, boolean fixedStep) {
        this.name = name;
        this.step = step;
        this.fixedStep = fixedStep;
    }

    /** Resolves and checks the rule; {@code lipschitz} is the 1/L bound's L. */
    public static OptimizerChoice resolve(Settings s, Objective objective, double lipschitz) {
        boolean l1 = s.getDouble("l1") > 0;
        boolean batches = s.getDouble("batch-fraction") < 1;
        String name = s.get("optimizer");
        if (Settings.AUTO.equals(name)) {
            name = batches ? "adam" : objective == Objective.HINGE ? "gd" : l1 ? "fista" : "lbfgs";
        }
        if (batches && !STOCHASTIC.contains(name)) {
            throw new SettingsException("--optimizer " + name + " needs the full gradient: its line search would"
                    + " compare objectives of different mini-batches. With --batch-fraction below 1 use one of "
                    + String.join(", ", new java.util.TreeSet<>(STOCHASTIC)) + ".");
        }
        if (l1 && !WITH_L1.contains(name)) {
            throw new SettingsException("--l1 is supported by --optimizer gd, gd-linesearch and fista (proximal"
                    + " steps) and lbfgs (OWL-QN), not by " + name + ".");
        }
        if (l1 && batches) {
            throw new SettingsException("--l1 needs full-batch training (--batch-fraction 1).");
        }
        if (SELF_STEPPING.contains(name) && !"constant".equals(s.get("schedule"))) {
            throw new SettingsException("--schedule does not apply to --optimizer " + name + ", which chooses its"
                    + " own steps.");
        }
        double step;
        if (!s.isAuto("step")) {
            step = s.getDouble("step");
        } else {
            switch (name) {
                case "adam", "adamw", "rmsprop" -> step = 0.001;
                case "adagrad" -> step = 0.01;
                case "lbfgs" -> step = Double.NaN;
                default -> step = 1.0 / lipschitz;
            }
        }
        boolean fixed = !SELF_STEPPING.contains(name);
        return new OptimizerChoice(name, step, fixed);
    }

    /** Builds the rule; {@code l1} is the penalty in the optimizer's coordinates, or null. */
    public Optimizer create(Settings s, LinearModel model, L1Penalty l1) {
        switch (name) {
            case "gd":
                if (l1 != null) {
                    break;
                }
                return new GradientDescent(step);
            default:
                break;
        }
        throw new SettingsException("--optimizer " + name + (l1 != null ? " with --l1" : "")
                + " is not available in this build.");
    }
}
