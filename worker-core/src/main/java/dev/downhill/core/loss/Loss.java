package dev.downhill.core.loss;

import java.io.Serializable;

/**
 * A per-example loss l(z, y) of a model's outputs z (one value, or K for multi-class) and a label y,
 * with its derivative dl/dz. Models turn dl/dz into a parameter gradient by the chain rule.
 *
 * <p>Implementations are stateless, so one instance serves every thread.
 */
public interface Loss extends Serializable {

    /** How many model outputs the loss reads: 1, or K for K-class losses. */
    int numOutputs(int numClasses);

    /** l(z, y), reading z[offset .. offset + numOutputs). */
    double value(double[] z, int offset, double label);

    /**
     * Returns l(z, y) and writes dl/dz into dz[offset .. offset + numOutputs). The two are computed
     * together because they share the expensive part (an exp or a softmax).
     */
    double valueAndDerivative(double[] z, int offset, double label, double[] dz);
}
