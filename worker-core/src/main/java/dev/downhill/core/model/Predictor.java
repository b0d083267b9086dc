package dev.downhill.core.model;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.loss.Loss;
import dev.downhill.core.loss.Objective;

/**
 * What a trained model says about a block of rows. The outputs z come from the model's forward pass in
 * inference mode ({@link Model#forward}: z = W x + b for a linear model, the network's last layer for an MLP);
 * the scores and the prediction then depend on the objective:
 * <ul>
 *   <li>logistic: one score, the probability of class 1, p = sigma(z) = 1 / (1 + exp(-z)), evaluated as
 *       1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0 with e = exp(-|z|): exp never overflows, and a tiny
 *       probability keeps its relative precision. Predicted class 1 iff p > 1/2.</li>
 *   <li>hinge: one score, the decision value z. Predicted class 1 iff z > 0.</li>
 *   <li>softmax: K scores, p_k = exp(z_k - m) / sum_j exp(z_j - m) with m = max_j z_j: every exponent is
 *       <= 0 and the largest term is 1, so nothing overflows and the sum is at least 1. Predicted class
 *       argmax_k p_k (the lowest k on ties).</li>
 *   <li>least squares: one score, the predicted value z.</li>
 * </ul>
 * The prediction is taken from the scores themselves, so it is always the threshold or argmax of what is
 * reported. The log-loss of a row of class c, -log p_c (logistic and softmax only), is computed from z by the
 * training loss ({@link dev.downhill.core.loss.LogisticLoss}, {@link dev.downhill.core.loss.SoftmaxCrossEntropyLoss}),
 * which stays finite and accurate where p_c rounds to 0 or 1.
 *
 * <p>One predictor per task: it holds the parameters and scratch for the largest block seen; call
 * {@link #predict} for a block, then read its rows.
 */
public final class Predictor {
    private final Objective objective;
    private final Model model;
    private final double[] params;
    private final int numClasses;
    private final int numScores;
    /** The training loss, for log-loss; null where the scores are not probabilities (hinge, least squares). */
    private final Loss probabilityLoss;
    private final Activations activations;
    private double[] scores = new double[0];
    private int rows;

    /**
     * A linear model's predictor.
     *
     * @param numClasses 2 for logistic and hinge, K for softmax, 0 for least squares
     * @param params     laid out as in {@link LinearModel}
     */
    public Predictor(Objective objective, int numFeatures, int numClasses, double[] params) {
        this(objective, Architecture.linear(numFeatures, objective.numOutputs(numClasses)), numClasses, params);
    }

    /**
     * The predictor of any model the architecture describes.
     *
     * @param numClasses 2 for logistic and hinge, K for softmax, 0 for least squares
     * @param params     laid out as the architecture's {@link Architecture#tensors()}
     */
    public Predictor(Objective objective, Architecture architecture, int numClasses, double[] params) {
        int expectedClasses = objective == Objective.LEAST_SQUARES ? 0
                : objective == Objective.SOFTMAX ? Math.max(numClasses, 2) : 2;
        if (numClasses != expectedClasses) {
            throw new IllegalArgumentException(objective.cliName() + " needs " + (objective == Objective.SOFTMAX
                    ? "at least 2" : String.valueOf(expectedClasses)) + " classes, got " + numClasses);
        }
        this.objective = objective;
        this.numClasses = numClasses;
        if (architecture.outputs() != objective.numOutputs(numClasses)) {
            throw new IllegalArgumentException("a " + objective.cliName() + " model of " + numClasses + " classes has "
                    + objective.numOutputs(numClasses) + " outputs, the architecture " + architecture.outputs());
        }
        this.model = architecture.build();
        if (params.length != model.numParameters()) {
            throw new IllegalArgumentException("a " + objective.cliName() + " model " + architecture.describe()
                    + " has " + model.numParameters() + " parameters, got " + params.length);
        }
        this.params = params.clone();
        this.numScores = model.numOutputs();
        this.probabilityLoss = hasProbabilities() ? objective.loss(Math.max(numClasses, 2)) : null;
        this.activations = model.newActivations(1);
    }

    public Objective objective() {
        return objective;
    }

    /** 0 for least squares, else the number of classes. */
    public int numClasses() {
        return numClasses;
    }

    public int numFeatures() {
        return model.numFeatures();
    }

    /** Scores per row: K for softmax, 1 otherwise. */
    public int numScores() {
        return numScores;
    }

    /** Whether the scores are class probabilities (logistic, softmax), so log-loss is defined. */
    public boolean hasProbabilities() {
        return objective == Objective.LOGISTIC || objective == Objective.SOFTMAX;
    }

    public boolean isClassifier() {
        return objective != Objective.LEAST_SQUARES;
    }

    /** Runs the forward pass over the block and computes every row's scores. */
    public void predict(DataBlock block) {
        model.forward(params, block, activations);
        rows = block.numRows();
        if (scores.length < rows * numScores) {
            scores = new double[rows * numScores];
        }
        double[] z = activations.outputs();
        switch (objective) {
            case LOGISTIC:
                for (int i = 0; i < rows; i++) {
                    scores[i] = sigmoid(z[i]);
                }
                break;
            case SOFTMAX:
                for (int i = 0; i < rows; i++) {
                    softmax(z, i * numScores, numScores, scores);
                }
                break;
            case HINGE:
            case LEAST_SQUARES:
                System.arraycopy(z, 0, scores, 0, rows);
                break;
            default:
                throw new AssertionError(objective);
        }
    }

    /** Rows of the block last predicted. */
    public int numRows() {
        return rows;
    }

    /** The model output z_k of a row of the block last predicted. */
    public double output(int row, int k) {
        return activations.outputs()[index(row, k)];
    }

    /** Score k of a row: a probability (logistic: of class 1; softmax: of class k), a decision value or a value. */
    public double score(int row, int k) {
        return scores[index(row, k)];
    }

    /** The predicted class index of a row (classifiers only): the threshold or argmax of its scores. */
    public int predictedClass(int row) {
        int offset = index(row, 0);
        switch (objective) {
            case LOGISTIC:
                return scores[offset] > 0.5 ? 1 : 0;
            case HINGE:
                return scores[offset] > 0.0 ? 1 : 0;
            case SOFTMAX: {
                int best = 0;
                for (int k = 1; k < numScores; k++) {
                    if (scores[offset + k] > scores[offset + best]) {
                        best = k;
                    }
                }
                return best;
            }
            default:
                throw new IllegalStateException("least squares predicts values, not classes");
        }
    }

    /** The predicted value of a row (least squares only). */
    public double predictedValue(int row) {
        if (objective != Objective.LEAST_SQUARES) {
            throw new IllegalStateException(objective.cliName() + " predicts classes, not values");
        }
        return scores[index(row, 0)];
    }

    /** -log p_c for a row whose true class index is c (logistic and softmax only), computed from z. */
    public double logLoss(int row, int classIndex) {
        if (probabilityLoss == null) {
            throw new IllegalStateException(objective.cliName() + " gives no probabilities, so no log-loss");
        }
        if (classIndex < 0 || classIndex >= Math.max(numClasses, 2)) {
            throw new IllegalArgumentException("class index " + classIndex + " outside [0, " + numClasses + ")");
        }
        return probabilityLoss.value(activations.outputs(), index(row, 0), classIndex);
    }

    private int index(int row, int k) {
        if (row < 0 || row >= rows || k < 0 || k >= numScores) {
            throw new IndexOutOfBoundsException("row " + row + ", score " + k + " of " + rows + " x " + numScores);
        }
        return row * numScores + k;
    }

    /** sigma(z) = 1 / (1 + exp(-z)) with exp(-|z|) only, so no overflow for any z. */
    public static double sigmoid(double z) {
        double e = Math.exp(-Math.abs(z));
        return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    }

    /** Writes softmax(z[offset .. offset + k)) into out[offset ..], shifted by the maximum. */
    public static void softmax(double[] z, int offset, int k, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, z[offset + c]);
        }
        double sum = 0.0;
        for (int c = 0; c < k; c++) {
            double e = Math.exp(z[offset + c] - max);
            out[offset + c] = e;
            sum += e;
        }
        for (int c = 0; c < k; c++) {
            out[offset + c] /= sum;
        }
    }
}
