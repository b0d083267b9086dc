package dev.downhill.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A model.json read by the tests themselves (plain Jackson, not Downhill's reader), with the model's
 * outputs and probabilities written out from the README's formulas: the reference evaluate and predict are
 * checked against.
 */
final class ReferenceModel {
    final String objective;
    final int numFeatures;
    /** Null for least squares. */
    final double[] classLabels;
    /** K rows of d weights (K = 1 unless softmax). */
    final double[][] weights;
    final double[] intercepts;

    ReferenceModel(Path modelJson) throws IOException {
        JsonNode m = new ObjectMapper().readTree(modelJson.toFile());
        objective = m.get("objective").asText();
        numFeatures = m.get("numFeatures").asInt();
        if (m.has("classLabels")) {
            classLabels = new double[m.get("classLabels").size()];
            for (int c = 0; c < classLabels.length; c++) {
                classLabels[c] = m.get("classLabels").get(c).asDouble();
            }
        } else {
            classLabels = null;
        }
        boolean softmax = "softmax".equals(objective);
        int k = softmax ? classLabels.length : 1;
        weights = new double[k][numFeatures];
        intercepts = new double[k];
        for (int c = 0; c < k; c++) {
            JsonNode w = softmax ? m.get("weights").get(c) : m.get("weights");
            for (int j = 0; j < numFeatures; j++) {
                weights[c][j] = w.get(j).asDouble();
            }
            intercepts[c] = softmax ? m.get("intercepts").get(c).asDouble() : m.get("intercepts").asDouble();
        }
    }

    /** z_k = w_k . x + b_k. */
    double[] outputs(double[] x) {
        double[] z = new double[weights.length];
        for (int c = 0; c < z.length; c++) {
            double s = 0.0;
            for (int j = 0; j < numFeatures; j++) {
                s += x[j] * weights[c][j];
            }
            z[c] = s + intercepts[c];
        }
        return z;
    }

    /** Class probabilities: logistic {1 - sigma(z), sigma(z)}, softmax softmax(z). */
    double[] probabilities(double[] x) {
        double[] z = outputs(x);
        if ("logistic".equals(objective)) {
            double p = 1.0 / (1.0 + Math.exp(-z[0]));
            return new double[] {1.0 - p, p};
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[z.length];
        for (int c = 0; c < z.length; c++) {
            p[c] = Math.exp(z[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < z.length; c++) {
            p[c] /= sum;
        }
        return p;
    }

    /** The predicted class index: logistic p > 1/2, hinge z > 0, softmax the argmax (lowest on ties). */
    int predictedClass(double[] x) {
        if ("hinge".equals(objective)) {
            return outputs(x)[0] > 0 ? 1 : 0;
        }
        double[] p = probabilities(x);
        if ("logistic".equals(objective)) {
            return p[1] > 0.5 ? 1 : 0;
        }
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }

    /** The index of a label among classLabels. */
    int classOf(double label) {
        for (int c = 0; c < classLabels.length; c++) {
            if (classLabels[c] == label) {
                return c;
            }
        }
        throw new IllegalArgumentException("label " + label + " is not a class of the model");
    }
}
