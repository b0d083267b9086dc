package dev.downhill.driver.api;

import dev.downhill.core.loss.Objective;
import dev.downhill.core.model.Predictor;
import dev.downhill.driver.train.TrainingResult;
import java.io.Serializable;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;

/**
 * What a trained model of any family (linear, a network, a {@code --model-class} model) says about one feature
 * vector, for the Java API and the Spark ML stages (formerly LinearScorer: it scores networks and custom models
 * too).
 * For a linear model the outputs are z_k = sum_j w_kj x_j + b_k, summed over the non-zero x_j in increasing j and
 * then the intercept: the order {@code LinearModel.forward} sums a packed row in, so z is the same bits the command
 * line's predict computes. Any other architecture (a network) runs its own forward pass in inference mode (no
 * dropout) on a one-row block. From z:
 * <ul>
 *   <li>logistic: probabilities [sigma(-z), sigma(z)] (each from exp(-|z|), so neither overflows nor loses
 *       its relative precision), raw prediction [-z, z], class 1 iff sigma(z) > 1/2;</li>
 *   <li>softmax: probabilities softmax(z) with the largest z_k subtracted first, raw prediction z, the class of
 *       the largest probability (the lowest k on ties);</li>
 *   <li>hinge: raw prediction [-z, z] (decision values, no probabilities), class 1 iff z > 0;</li>
 *   <li>least squares: the value z.</li>
 * </ul>
 * Classes are reported in the data's labels (the model's classLabels).
 */
public final class ModelScorer implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Objective objective;
    private final int numFeatures;
    private final int numOutputs;
    private final double[] params;
    private final double[] classLabels;
    private final dev.downhill.core.model.Architecture architecture;
    /** Built on first use from the architecture (stateless, so shared by threads). */
    private transient volatile dev.downhill.core.model.Model model;

    public ModelScorer(TrainingResult model) {
        this.architecture = model.architecture;
        this.objective = model.objective;
        this.numFeatures = model.numFeatures;
        this.numOutputs = model.numOutputs;
        this.params = model.parameters.clone();
        this.classLabels = model.classLabels == null ? null : model.classLabels.clone();
    }

    public Objective objective() {
        return objective;
    }

    public int numFeatures() {
        return numFeatures;
    }

    /** 0 for least squares, else the number of classes. */
    public int numClasses() {
        return classLabels == null ? 0 : classLabels.length;
    }

    public boolean hasProbabilities() {
        return objective == Objective.LOGISTIC || objective == Objective.SOFTMAX;
    }

    /** The data's label of class index c. */
    public double label(int c) {
        return classLabels[c];
    }

    /** z: K outputs for softmax, 1 otherwise. */
    public double[] outputs(Vector x) {
        if (x.size() != numFeatures) {
            throw new IllegalArgumentException("the features have size " + x.size() + ", but the model was trained"
                    + " on " + numFeatures);
        }
        int[] indices;
        double[] values;
        if (x instanceof SparseVector) {
            indices = ((SparseVector) x).indices();
            values = ((SparseVector) x).values();
        } else {
            indices = null;
            values = x.toArray();
        }
        if (architecture.type() != dev.downhill.core.model.Architecture.Type.LINEAR) {
            return networkOutputs(indices, values);
        }
        double[] z = new double[numOutputs];
        int bias = numOutputs * numFeatures;
        for (int k = 0; k < numOutputs; k++) {
            int offset = k * numFeatures;
            double s = 0.0;
            for (int p = 0; p < values.length; p++) {
                if (values[p] != 0.0) { // a packed row holds the non-zeros only
                    s += values[p] * params[offset + (indices == null ? p : indices[p])];
                }
            }
            z[k] = s + params[bias + k];
        }
        return z;
    }

    private double[] networkOutputs(int[] indices, double[] values) {
        dev.downhill.core.model.Model m = model;
        if (m == null) {
            m = architecture.build();
            model = m;
        }
        int count = 0;
        int[] idx = new int[values.length];
        double[] val = new double[values.length];
        for (int p = 0; p < values.length; p++) {
            if (values[p] != 0.0) {
                idx[count] = indices == null ? p : indices[p];
                val[count++] = values[p];
            }
        }
        dev.downhill.core.data.BlockBuilder b = new dev.downhill.core.data.BlockBuilder(numFeatures);
        b.addSparseRow(0.0, 1.0, idx, val, count);
        dev.downhill.core.model.Activations act = m.newActivations(1);
        m.forward(params, b.build(), act);
        return java.util.Arrays.copyOf(act.outputs(), numOutputs);
    }

    /** Spark ML's raw prediction: [-z, z] for the binary classifiers, z for softmax, [z] for least squares. */
    public double[] raw(double[] z) {
        return objective == Objective.LOGISTIC || objective == Objective.HINGE ? new double[] {-z[0], z[0]}
                : z.clone();
    }

    /** Class probabilities (logistic and softmax only). */
    public double[] probabilities(double[] z) {
        switch (objective) {
            case LOGISTIC:
                return new double[] {Predictor.sigmoid(-z[0]), Predictor.sigmoid(z[0])};
            case SOFTMAX: {
                double[] p = new double[z.length];
                Predictor.softmax(z, 0, z.length, p);
                return p;
            }
            default:
                throw new UnsupportedOperationException(objective.cliName() + " gives "
                        + (objective == Objective.HINGE ? "decision values" : "values") + ", not probabilities");
        }
    }

    /** The class index the model predicts (classifiers): the threshold or argmax of the scores, as Predictor. */
    public int predictedClass(double[] z) {
        switch (objective) {
            case LOGISTIC:
                return Predictor.sigmoid(z[0]) > 0.5 ? 1 : 0;
            case HINGE:
                return z[0] > 0.0 ? 1 : 0;
            case SOFTMAX:
                return argmax(probabilities(z));
            default:
                throw new IllegalStateException("least squares predicts values, not classes");
        }
    }

    /** The prediction in the data's terms: the label of the predicted class, or the value. */
    public double prediction(double[] z) {
        return objective == Objective.LEAST_SQUARES ? z[0] : classLabels[predictedClass(z)];
    }

    /** The index of the largest value, the lowest on ties. */
    static int argmax(double[] v) {
        int best = 0;
        for (int k = 1; k < v.length; k++) {
            if (v[k] > v[best]) {
                best = k;
            }
        }
        return best;
    }
}
