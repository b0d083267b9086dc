package dev.downhill.driver.train;

import dev.downhill.driver.io.OutputFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * How training went, for a person: OUTPUT/loss.png (the objective f, f - min f and ||grad f|| against the
 * iteration, on a log scale, drawn by XChart, headless) and OUTPUT/report.html (the outcome, the model's metrics
 * and largest weights, the data summary, every setting as the run used it, and the plot). Both are written
 * through Hadoop's FileSystem API.
 */
public final class TrainingReport {
    public static final String HTML = "report.html";
    public static final String PLOT = "loss.png";

    private final List<double[]> history = new ArrayList<>();
    private final Map<String, String> outcome = new LinkedHashMap<>();
    private final Map<String, String> data = new LinkedHashMap<>();
    private final Map<String, String> settings = new LinkedHashMap<>();
    /** The driver's heap and the bytes moved per iteration ({@link RunFootprint}). */
    private final Map<String, String> resources = new LinkedHashMap<>();
    private String badRecords;
    /** The model's metrics: on the training rows, and on the validation rows when there are some. */
    private final Map<String, String> model = new LinkedHashMap<>();
    private List<ModelSummary.Weight> weights = List.of();

    /** Records one iteration: its number, the objective and ||grad f||. */
    public void iteration(long iteration, double objective, double gradientNorm) {
        iteration(iteration, objective, gradientNorm, Double.NaN);
    }

    /** Records one iteration with its validation loss (NaN without validation). */
    public void iteration(long iteration, double objective, double gradientNorm, double validationLoss) {
        history.add(new double[] {iteration, objective, gradientNorm, validationLoss});
    }

    public Map<String, String> outcome() {
        return outcome;
    }

    public Map<String, String> data() {
        return data;
    }

    public Map<String, String> settings() {
        return settings;
    }

    /** The driver's heap and the bytes moved per iteration, filled when training ends. */
    public Map<String, String> resources() {
        return resources;
    }

    /** The model's metrics, filled at the end of training. */
    public Map<String, String> model() {
        return model;
    }

    /** The model's largest weights, largest |w| first. */
    void largestWeights(List<ModelSummary.Weight> largest) {
        this.weights = List.copyOf(largest);
    }

    public void badRecords(String describe) {
        this.badRecords = describe;
    }

    /**
     * Writes loss.png and report.html into {@code outputDir} (each through a temporary file renamed once complete,
     * without checksum side files); returns the report's path.
     */
    public String write(String outputDir, Configuration conf) throws IOException {
        Path dir = new Path(outputDir);
        byte[] png = plot();
        if (png != null) {
            OutputFiles.write(new Path(dir, PLOT), png, conf);
        }
        return OutputFiles.write(new Path(dir, HTML), html(png != null).getBytes(StandardCharsets.UTF_8), conf)
                .toString();
    }

    /** The PNG, or null when there is nothing to draw (no iteration with a positive, finite value). */
    byte[] plot() throws IOException {
        List<Double> it = new ArrayList<>();
        List<Double> f = new ArrayList<>();
        List<Double> git = new ArrayList<>();
        List<Double> g = new ArrayList<>();
        List<Double> gapIt = new ArrayList<>();
        List<Double> gap = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        for (double[] h : history) {
            if (Double.isFinite(h[1])) {
                best = Math.min(best, h[1]);
            }
        }
        for (double[] h : history) {
            // f - min f shows convergence on a log scale, where f itself flattens out early.
            if (Double.isFinite(h[1]) && h[1] - best > 0) {
                gapIt.add(h[0]);
                gap.add(h[1] - best);
            }
            // A log axis takes positive values only: an objective of exactly 0 cannot be drawn.
            if (h[1] > 0 && Double.isFinite(h[1])) {
                it.add(h[0]);
                f.add(h[1]);
            }
            if (h[2] > 0 && Double.isFinite(h[2])) {
                git.add(h[0]);
                g.add(h[2]);
            }
        }
        if (f.isEmpty() && g.isEmpty()) {
            return null;
        }
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        XYChart chart = new XYChartBuilder().width(900).height(500).title("Training")
                .xAxisTitle("iteration").yAxisTitle("log scale").build();
        chart.getStyler().setYAxisLogarithmic(true);
        // XChart puts a tick every few pixels; label only round iterations so the labels stay apart.
        double labelStep = roundStep(history.get(history.size() - 1)[0] / 8);
        chart.getStyler().setxAxisTickLabelsFormattingFunction(
                v -> Math.abs(v / labelStep - Math.rint(v / labelStep)) < 1e-9 ? String.valueOf(Math.round(v)) : "");
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        if (!f.isEmpty()) {
            chart.addSeries("objective f", it, f).setMarker(SeriesMarkers.NONE);
        }
        if (!g.isEmpty()) {
            chart.addSeries("||grad f||", git, g).setMarker(SeriesMarkers.NONE);
        }
        if (!gap.isEmpty()) {
            chart.addSeries("f - min f", gapIt, gap).setMarker(SeriesMarkers.NONE);
        }
        List<Double> vit = new ArrayList<>();
        List<Double> v = new ArrayList<>();
        for (double[] h : history) {
            if (h[3] > 0 && Double.isFinite(h[3])) {
                vit.add(h[0]);
                v.add(h[3]);
            }
        }
        if (!v.isEmpty()) {
            chart.addSeries("validation loss", vit, v).setMarker(SeriesMarkers.NONE);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code x} (and at least 1). */
    static double roundStep(double x) {
        double p = Math.pow(10, Math.floor(Math.log10(Math.max(1, x))));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= x) {
                return m * p;
            }
        }
        return 10 * p;
    }

    String html(boolean withPlot) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Downhill training report")
                .append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:60em}")
                .append("table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;")
                .append("padding:.25em .6em;text-align:left}th{background:#f3f3f3}pre{background:#f6f6f6;")
                .append("padding:.6em;overflow-x:auto}</style></head><body>\n<h1>Downhill training report</h1>\n");
        table(sb, "Outcome", outcome);
        if (withPlot) {
            sb.append("<h2>Objective and gradient norm</h2>\n<img src=\"").append(PLOT)
                    .append("\" alt=\"objective and gradient norm against iteration, log scale\" width=\"900\">\n");
        } else {
            sb.append("<h2>Objective and gradient norm</h2>\n<p>No iteration to draw.</p>\n");
        }
        if (!resources.isEmpty()) {
            table(sb, "Driver heap and bytes moved", resources);
        }
        if (!model.isEmpty()) {
            table(sb, "Model", model);
        }
        if (!weights.isEmpty()) {
            boolean classes = weights.get(0).output() != null;
            sb.append("<h2>Largest weights</h2>\n<table>\n<tr><th>feature</th>")
                    .append(classes ? "<th>class</th>" : "").append("<th>weight</th></tr>\n");
            for (ModelSummary.Weight w : weights) {
                sb.append("<tr><td>").append(escape(w.feature())).append("</td>")
                        .append(classes ? "<td>" + escape(w.output()) + "</td>" : "")
                        .append("<td>").append(number(w.value())).append("</td></tr>\n");
            }
            sb.append("</table>\n");
        }
        table(sb, "Data", data);
        if (badRecords != null) {
            sb.append("<h2>Bad records skipped</h2>\n<pre>").append(escape(badRecords)).append("</pre>\n");
        }
        table(sb, "Settings", settings);
        // The history starts with the starting point (iteration 0), which is not an iteration.
        long iterations = history.isEmpty() ? 0 : (long) history.get(history.size() - 1)[0];
        sb.append("<h2>Iterations</h2>\n<p>").append(iterations)
                .append(" iterations; every figure per iteration is in <code>metrics.jsonl</code>.</p>\n");
        return sb.append("</body></html>\n").toString();
    }

    private static void table(StringBuilder sb, String title, Map<String, String> rows) {
        sb.append("<h2>").append(escape(title)).append("</h2>\n<table>\n");
        rows.forEach((k, v) -> sb.append("<tr><th>").append(escape(k)).append("</th><td>").append(escape(v))
                .append("</td></tr>\n"));
        sb.append("</table>\n");
    }

    static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static String number(double v) {
        return String.format(Locale.ROOT, "%.12g", v);
    }
}
