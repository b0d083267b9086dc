package dev.downhill.driver.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.downhill.core.loss.Objective;
import dev.downhill.core.metrics.ClassificationCounts;
import dev.downhill.core.metrics.MetricsAccumulator;
import dev.downhill.core.metrics.RegressionErrors;
import dev.downhill.core.metrics.RocArea;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What evaluate reports, from the merged metrics: the metrics of the model's objective (binary: accuracy,
 * precision, recall, F1 of the positive class, ROC AUC, log-loss; softmax: accuracy, macro-F1, weighted
 * precision/recall/F1, log-loss; least squares: RMSE, MAE, R^2), per-class counts and the confusion matrix
 * for classifiers. Rendered as a table for the terminal and as the JSON document evaluate writes.
 * A metric that does not apply (log-loss of hinge, AUC without both classes) is null in JSON, with the
 * reason under "notApplicable", and "n/a (reason)" in the table.
 */
final class EvaluationReport {
    static final int FORMAT_VERSION = 1;
    /** Largest class count whose confusion matrix the table prints (the JSON holds it up to 100). */
    static final int MAX_TABLE_CLASSES = 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One reported number: its JSON key, its name in the table, its value, or why there is none. */
    record Metric(String key, String name, double value, String notApplicable) {
        static Metric of(String key, String name, double value, String ifNaN) {
            return Double.isFinite(value) ? new Metric(key, name, value, null)
                    : new Metric(key, name, Double.NaN, ifNaN);
        }
    }

    private final String modelPath;
    private final String input;
    private final String format;
    private final Objective objective;
    private final double[] classLabels;
    private final MetricsAccumulator metrics;
    private final List<Metric> list = new ArrayList<>();

    /** @param roc the ROC area of a binary classifier, else null */
    EvaluationReport(String modelPath, String input, String format, Objective objective, double[] classLabels,
                     MetricsAccumulator metrics, RocArea roc) {
        this.modelPath = modelPath;
        this.input = input;
        this.format = format;
        this.objective = objective;
        this.classLabels = classLabels;
        this.metrics = metrics;
        ClassificationCounts c = metrics.classes();
        String noProbabilities = objective.cliName() + " scores are decision values, not probabilities";
        switch (objective) {
            case LOGISTIC:
            case HINGE:
                list.add(Metric.of("accuracy", "accuracy", c.accuracy(), "no rows"));
                list.add(Metric.of("precision", "precision", c.precision(1), "no rows"));
                list.add(Metric.of("recall", "recall", c.recall(1), "no rows"));
                list.add(Metric.of("f1", "F1", c.f1(1), "no rows"));
                list.add(Metric.of("rocAuc", "ROC AUC", roc.auc(), "needs rows of both classes"));
                list.add(metrics.hasLogLoss() ? Metric.of("logLoss", "log-loss", metrics.logLoss(), "no rows")
                        : new Metric("logLoss", "log-loss", Double.NaN, noProbabilities));
                break;
            case SOFTMAX:
                list.add(Metric.of("accuracy", "accuracy", c.accuracy(), "no rows"));
                list.add(Metric.of("macroF1", "macro-F1", c.macroF1(), "no rows"));
                list.add(Metric.of("weightedPrecision", "weighted precision", c.weightedPrecision(), "no rows"));
                list.add(Metric.of("weightedRecall", "weighted recall", c.weightedRecall(), "no rows"));
                list.add(Metric.of("weightedF1", "weighted F1", c.weightedF1(), "no rows"));
                list.add(Metric.of("logLoss", "log-loss", metrics.logLoss(), "no rows"));
                break;
            case LEAST_SQUARES: {
                RegressionErrors e = metrics.errors();
                list.add(Metric.of("rmse", "RMSE", e.rmse(), "no rows"));
                list.add(Metric.of("mae", "MAE", e.mae(), "no rows"));
                list.add(Metric.of("r2", "R^2", e.r2(), "every label is the same, so R^2 is undefined"));
                break;
            }
            default:
                throw new AssertionError(objective);
        }
    }

    List<Metric> metrics() {
        return list;
    }

    ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("model", modelPath);
        root.put("input", input);
        root.put("format", format);
        root.put("objective", objective.cliName());
        root.put("rows", metrics.rows());
        ClassificationCounts c = metrics.classes();
        root.put("weightSum", c != null ? c.total() : metrics.errors().weightSum());
        if (objective == Objective.LOGISTIC || objective == Objective.HINGE) {
            root.put("positiveLabel", classLabels[1]);
        }
        ObjectNode values = root.putObject("metrics");
        ObjectNode reasons = JSON.createObjectNode();
        for (Metric m : list) {
            if (m.notApplicable() == null) {
                values.put(m.key(), m.value());
            } else {
                values.putNull(m.key());
                reasons.put(m.key(), m.notApplicable());
            }
        }
        if (!reasons.isEmpty()) {
            root.set("notApplicable", reasons);
        }
        if (c != null) {
            ArrayNode perClass = root.putArray("perClass");
            for (int k = 0; k < c.numClasses(); k++) {
                ObjectNode n = perClass.addObject();
                n.put("label", classLabels[k]);
                n.put("actual", c.actual(k));
                n.put("predicted", c.predicted(k));
                n.put("precision", c.precision(k));
                n.put("recall", c.recall(k));
                n.put("f1", c.f1(k));
            }
            if (c.hasMatrix()) {
                ObjectNode matrix = root.putObject("confusionMatrix");
                matrix.put("rows", "actual label");
                matrix.put("columns", "predicted label");
                ArrayNode labels = matrix.putArray("labels");
                for (double l : classLabels) {
                    labels.add(l);
                }
                ArrayNode counts = matrix.putArray("counts");
                for (int a = 0; a < c.numClasses(); a++) {
                    ArrayNode row = counts.addArray();
                    for (int p = 0; p < c.numClasses(); p++) {
                        row.add(c.confusion(a, p));
                    }
                }
            }
        }
        return root;
    }

    String table() {
        StringBuilder sb = new StringBuilder();
        ClassificationCounts c = metrics.classes();
        sb.append(String.format(Locale.ROOT, "evaluated the %s model %s%non %d rows of %s (%s)", objective.cliName(),
                modelPath, metrics.rows(), input, format));
        if (objective == Objective.LOGISTIC || objective == Objective.HINGE) {
            sb.append("; positive class: label ").append(label(classLabels[1]));
        }
        sb.append('\n');
        for (Metric m : list) {
            sb.append(String.format(Locale.ROOT, "  %-20s %s%n", m.name(), m.notApplicable() == null
                    ? String.format(Locale.ROOT, "%.6f", m.value()) : "n/a (" + m.notApplicable() + ")"));
        }
        if (c != null && c.hasMatrix() && c.numClasses() <= MAX_TABLE_CLASSES) {
            sb.append("confusion matrix (rows: actual label, columns: predicted label):\n");
            String[] names = new String[c.numClasses()];
            int width = 6;
            for (int k = 0; k < names.length; k++) {
                names[k] = label(classLabels[k]);
                width = Math.max(width, names[k].length());
                for (int p = 0; p < names.length; p++) {
                    width = Math.max(width, count(c.confusion(k, p)).length());
                }
            }
            sb.append("  ").append(" ".repeat(width));
            for (String n : names) {
                sb.append("  ").append(pad(n, width));
            }
            sb.append('\n');
            for (int a = 0; a < names.length; a++) {
                sb.append("  ").append(pad(names[a], width));
                for (int p = 0; p < names.length; p++) {
                    sb.append("  ").append(pad(count(c.confusion(a, p)), width));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static String pad(String s, int width) {
        return " ".repeat(Math.max(0, width - s.length())) + s;
    }

    /** A count: whole numbers without decimals (unweighted data), else three decimals. */
    private static String count(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v)
                : String.format(Locale.ROOT, "%.3f", v);
    }

    static String label(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
