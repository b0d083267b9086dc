package dev.downhill.driver.train;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.Model;
import dev.downhill.core.objective.L1Penalty;
import dev.downhill.core.optim.AdaGrad;
import dev.downhill.core.optim.Adam;
import dev.downhill.core.optim.AdamW;
import dev.downhill.core.optim.BacktrackingLineSearch;
import dev.downhill.core.optim.ConstantSchedule;
import dev.downhill.core.optim.ExponentialDecaySchedule;
import dev.downhill.core.optim.GradientDescent;
import dev.downhill.core.optim.InverseSqrtSchedule;
import dev.downhill.core.optim.LBFGS;
import dev.downhill.core.optim.Momentum;
import dev.downhill.core.optim.Nesterov;
import dev.downhill.core.optim.OWLQN;
import dev.downhill.core.optim.Optimizer;
import dev.downhill.core.optim.ProximalGradient;
import dev.downhill.core.optim.RMSProp;
import dev.downhill.core.optim.StepDecaySchedule;
import dev.downhill.core.optim.StepSchedule;
import dev.downhill.core.optim.WarmupSchedule;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import java.io.Serializable;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Which update rule a run uses and with what step: resolves {@code --optimizer auto}, refuses
 * combinations that cannot work (a line search on noisy mini-batches, L1 with a rule that has no proximal
 * step), and builds the {@link Optimizer}. The driver holds no update math: every rule is worker-core's.
 */
public final class OptimizerChoice {
    /** Rules that pick their own steps; a schedule does not apply. */
    static final Set<String> SELF_STEPPING = Set.of("gd-linesearch", "lbfgs", "fista");
    /** Rules that take L1 through a proximal step (or OWL-QN); nesterov keeps a look-ahead point instead. */
    static final Set<String> WITH_L1 = Set.of("gd", "gd-linesearch", "fista", "lbfgs", "momentum", "adagrad",
            "rmsprop", "adam", "adamw");
    /** Rules that a noisy mini-batch gradient suits. */
    static final Set<String> STOCHASTIC = Set.of("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw");

    public final String name;
    /** The step of iteration 1 (or the line search's first trial); NaN for lbfgs. */
    public final double step;
    /** Whether the objective may rise from one iteration to the next without anything being wrong. */
    public final boolean fixedStep;
    /** The --schedule of fixed-step rules. */
    public final String scheduleName;

    private OptimizerChoice(String name, double step, boolean fixedStep, String scheduleName) {
        this.name = name;
        this.step = step;
        this.fixedStep = fixedStep;
        this.scheduleName = scheduleName;
    }

    /** Resolves and checks the rule before the data is read; {@code lipschitz} is the 1/L bound's L. */
    public static OptimizerChoice resolve(Settings s, Objective objective, double lipschitz) {
        return resolve(s, objective, lipschitz, ModelSettings.batchFraction(s, -1));
    }

    /** Resolves and checks the rule for the resolved --batch-fraction. */
    public static OptimizerChoice resolve(Settings s, Objective objective, double lipschitz, double batchFraction) {
        boolean l1 = s.getDouble("l1") > 0;
        boolean batches = batchFraction < 1;
        String name = s.get("optimizer");
        if (Settings.AUTO.equals(name)) {
            name = ModelSettings.defaultOptimizer(s, objective, batches);
        }
        String schedule = s.get("schedule");
        if (batches && !STOCHASTIC.contains(name)) {
            throw new SettingsException("--optimizer " + name + " needs the full gradient: its line search would"
                    + " compare objectives of different mini-batches. With --batch-fraction below 1 use one of "
                    + String.join(", ", new java.util.TreeSet<>(STOCHASTIC)) + ".");
        }
        if (l1 && "gd".equals(name) && !"constant".equals(schedule)) {
            throw new SettingsException("--optimizer gd with --l1 runs proximal gradient (ISTA) with a backtracking"
                    + " step; --schedule does not apply to it.");
        }
        if (l1 && !WITH_L1.contains(name)) {
            throw new SettingsException("--l1 is supported by every --optimizer but " + name + " (proximal steps;"
                    + " lbfgs as OWL-QN). For accelerated proximal steps use --optimizer fista.");
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
        boolean fixed = !SELF_STEPPING.contains(name) && !(l1 && "gd".equals(name));
        return new OptimizerChoice(name, step, fixed, schedule);
    }

    /**
     * Builds the rule; {@code l1} is the penalty in the optimizer's coordinates, or null. {@code curvature}: the
     * objective's curvature at the start along the coordinates, when the change of variables knows it (1 when
     * whitened, l''(0) when standardized), else NaN; lbfgs's first trial is its inverse.
     */
    public Optimizer create(Settings s, Model model, L1Penalty l1, double curvature) {
        StepSchedule schedule = SELF_STEPPING.contains(name) || (l1 != null && name.startsWith("gd")) ? null
                : schedule(s);
        double mu = s.getDouble("momentum");
        switch (name) {
            case "gd":
                return l1 == null ? new GradientDescent(schedule) : ProximalGradient.ista(l1, step);
            case "gd-linesearch":
                return l1 == null ? new BacktrackingLineSearch(step) : ProximalGradient.ista(l1, step);
            case "fista":
                return ProximalGradient.fista(l1 != null ? l1 : new L1Penalty(new double[model.numParameters()]),
                        step);
            case "lbfgs":
                if (l1 != null) {
                    return new OWLQN(l1, s.getInt("lbfgs-memory"));
                }
                return Double.isNaN(curvature) ? new LBFGS(s.getInt("lbfgs-memory"))
                        : LBFGS.withFirstTrial(s.getInt("lbfgs-memory"), 1.0 / curvature);
            case "momentum":
                return new Momentum(schedule, mu, l1);
            case "nesterov":
                return new Nesterov(schedule, mu);
            case "adagrad":
                return new AdaGrad(schedule, AdaGrad.DEFAULT_DELTA, l1);
            case "rmsprop":
                return new RMSProp(schedule, RMSProp.DEFAULT_DECAY, RMSProp.DEFAULT_EPSILON, l1);
            case "adam":
                return new Adam(schedule, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPSILON, l1);
            case "adamw":
                return new AdamW(schedule, Adam.DEFAULT_BETA1, Adam.DEFAULT_BETA2, Adam.DEFAULT_EPSILON,
                        s.getDouble("weight-decay"), (IntPredicate & Serializable) model::isPenalized, l1);
            default:
                throw new IllegalStateException("unknown optimizer " + name);
        }
    }

    /**
     * The step of iteration t from --schedule, --decay-rate, --decay-every and --warmup. exp decays by
     * decay-rate every decay-every iterations smoothly (gamma = decay-rate^(1/decay-every) per iteration),
     * step in jumps.
     */
    StepSchedule schedule(Settings s) {
        double rate = s.getDouble("decay-rate");
        int every = s.getInt("decay-every");
        StepSchedule base = switch (scheduleName) {
            case "constant" -> new ConstantSchedule(step);
            case "inv-sqrt" -> new InverseSqrtSchedule(step);
            case "exp" -> new ExponentialDecaySchedule(step, Math.pow(rate, 1.0 / every));
            case "step" -> new StepDecaySchedule(step, rate, every);
            default -> throw new IllegalStateException("unknown schedule " + scheduleName);
        };
        int warmup = s.getInt("warmup");
        return warmup > 0 ? new WarmupSchedule(base, warmup) : base;
    }
}
