package dev.downhill.driver.train;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.metrics.ClassificationCounts;
import dev.downhill.core.metrics.MetricsAccumulator;
import dev.downhill.core.metrics.RegressionErrors;
import dev.downhill.driver.sharded.ShardedVector;
import dev.downhill.driver.sharded.SliceLayout;
import dev.downhill.driver.spark.TrainingSetPass;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a trained model says about itself, for the log and the report: whether the objective it minimized has a
 * minimizer at all, its metrics on the training rows, and its largest weights.
 */
final class ModelSummary {
    /** Weights the report lists, largest |w| first. */
    static final int TOP_WEIGHTS = 10;

    private ModelSummary() {}

    /**
     * Why the objective has no minimizer, or null when it has one. Logistic and softmax without any penalty
     * (--l2 0 and --l1 0) have none exactly when the training rows are linearly separable: then every margin of
     * the separating parameters grows without bound as they are scaled up, and the loss falls toward 0 without
     * reaching it. A positive smallest margin of the trained model over the training rows is the certificate
     * ({@link TrainingSetPass}); a well-posed problem (some row on the wrong side of every model) never has one.
     * Networks alike: their output layer is linear, so scaling it up scales every margin. Hinge is not listed: its
     * loss reaches 0 at a finite margin of 1, so it has minimizers on separable data.
     */
    static String noMinimizer(Objective objective, double l2, double l1, TrainingSetPass.Result fit, long rows,
                              double weightNorm, long iterations, boolean linear) {
        if (l2 > 0 || l1 > 0 || fit == null || objective != Objective.LOGISTIC && objective != Objective.SOFTMAX
                || !(fit.minMargin() > 0)) {
            return null;
        }
        return String.format(Locale.ROOT, "the training data are %s: the model classifies every one"
                + " of the %d training rows correctly, with a margin of at least %.3g, so with --l2 0 the %s"
                + " objective has no minimizer (scaling the output weights up lowers it toward 0 forever). The weights"
                + " reached (norm %.4g after %d iterations) depend on when the run stopped, not on the data;"
                + " train with --l2 > 0 (e.g. --l2 1e-4) for a model that does.",
                linear ? "linearly separable" : "separable by the network", rows, fit.minMargin(),
                objective.cliName(), weightNorm, iterations);
    }

    /** The norm of the first {@code count} parameters (a linear model's weights, d x K, come first). */
    static double weightNorm(double[] theta, int count) {
        double s = 0;
        for (int i = 0; i < count; i++) {
            s += theta[i] * theta[i];
        }
        return Math.sqrt(s);
    }

    /** The same for a sharded model: per-slice sums of squares, added in slice order on the driver. */
    static double weightNorm(ShardedVector theta, long count) {
        SliceLayout layout = theta.layout();
        List<Double> sums = theta.slices().mapPartitionsWithIndex((s, it) -> {
            double[] slice = it.next();
            int start = layout.start(s);
            double sum = 0;
            for (int i = 0; i < slice.length && start + i < count; i++) {
                sum += slice[i] * slice[i];
            }
            return java.util.Collections.singletonList(sum).iterator();
        }, true).collect(); // in partition order
        double s = 0;
        for (double x : sums) {
            s += x;
        }
        return Math.sqrt(s);
    }

    /** The headline metrics of the model on the rows of {@code m}, by name. */
    static Map<String, String> metrics(MetricsAccumulator m) {
        Map<String, String> out = new LinkedHashMap<>();
        if (m.objective() == Objective.LEAST_SQUARES) {
            RegressionErrors e = m.errors();
            out.put("RMSE", TrainingReport.number(e.rmse()));
            out.put("MAE", TrainingReport.number(e.mae()));
            out.put("R^2", TrainingReport.number(e.r2()));
            return out;
        }
        ClassificationCounts c = m.classes();
        out.put("accuracy", TrainingReport.number(c.accuracy()));
        if (m.objective() == Objective.SOFTMAX) {
            out.put("macro-F1", TrainingReport.number(c.macroF1()));
        } else {
            out.put("F1 (class 1)", TrainingReport.number(c.f1(1)));
        }
        if (m.hasLogLoss()) {
            out.put("log-loss", TrainingReport.number(m.logLoss()));
        }
        return out;
    }

    /** One listed weight: the feature's name, the class it belongs to (softmax; else null), its value. */
    record Weight(String feature, String output, double value) {
    }

    /**
     * The {@link #TOP_WEIGHTS} weights largest in |w| (ties: the lower parameter index first), each named by the
     * input's feature name, else by its LIBSVM index (1-based, as in the file) or its 0-based feature position.
     */
    static List<Weight> largestWeights(double[] theta, int numFeatures, int outputs, double[] classLabels,
                                       String[] featureNames, boolean libsvm) {
        List<double[]> all = new ArrayList<>();
        for (int i = 0; i < numFeatures * outputs; i++) {
            all.add(new double[] {i, theta[i]});
        }
        return named(top(all), numFeatures, outputs, classLabels, featureNames, libsvm);
    }

    /**
     * The same for a sharded model ({@code --aggregation sharded}): each slice's {@link #TOP_WEIGHTS} candidates,
     * taken on the executors and ranked on the driver (the largest of all are among them), never theta itself.
     */
    static List<Weight> largestWeights(ShardedVector theta, int numFeatures, int outputs, double[] classLabels,
                                       String[] featureNames, boolean libsvm) {
        SliceLayout layout = theta.layout();
        long weights = (long) numFeatures * outputs;
        List<double[]> candidates = theta.slices().mapPartitionsWithIndex((s, it) -> {
            double[] slice = it.next();
            int start = layout.start(s);
            List<double[]> kept = new ArrayList<>();
            for (int i = 0; i < slice.length && start + i < weights; i++) {
                kept.add(new double[] {start + i, slice[i]});
                if (kept.size() > 4 * TOP_WEIGHTS) {
                    kept = top(kept);
                }
            }
            return top(kept).iterator();
        }, true).collect();
        return named(top(new ArrayList<>(candidates)), numFeatures, outputs, classLabels, featureNames, libsvm);
    }

    /** The {@link #TOP_WEIGHTS} pairs {index, w} largest in |w|, ties to the lower index. */
    private static List<double[]> top(List<double[]> pairs) {
        pairs.sort((a, b) -> {
            int byValue = Double.compare(Math.abs(b[1]), Math.abs(a[1]));
            return byValue != 0 ? byValue : Double.compare(a[0], b[0]);
        });
        return new ArrayList<>(pairs.subList(0, Math.min(TOP_WEIGHTS, pairs.size())));
    }

    private static List<Weight> named(List<double[]> top, int numFeatures, int outputs, double[] classLabels,
                                      String[] featureNames, boolean libsvm) {
        List<Weight> out = new ArrayList<>();
        for (double[] pair : top) {
            int i = (int) pair[0];
            int j = i % numFeatures;
            int c = i / numFeatures;
            String name = featureNames != null ? featureNames[j] : libsvm ? "index " + (j + 1) : "feature " + j;
            String output = outputs == 1 ? null : "class " + (classLabels == null ? String.valueOf(c)
                    : label(classLabels[c]));
            out.add(new Weight(name, output, pair[1]));
        }
        return out;
    }

    private static String label(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
