package dev.downhill.core.loss;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The training objectives, each a loss averaged over the data plus an L2 penalty on the weights
 * (never on the intercepts). With instance weights v_i, N = sum_i v_i and each term is weighted by v_i.
 * <ul>
 *   <li>logistic: f(w,b) = (1/N) sum_i log(1 + exp(-s_i (w.x_i + b))) + (lambda/2) ||w||^2, s_i = 2 y_i - 1</li>
 *   <li>least-squares: f(w,b) = (1/(2N)) sum_i (w.x_i + b - y_i)^2 + (lambda/2) ||w||^2</li>
 *   <li>softmax: f(W,b) = (1/N) sum_i -log softmax(W x_i + b)_{y_i} + (lambda/2) ||W||_F^2</li>
 *   <li>hinge: f(w,b) = (1/N) sum_i max(0, 1 - s_i (w.x_i + b)) + (lambda/2) ||w||^2</li>
 * </ul>
 *
 * <p>{@link #curvatureBound()} is c with l''(z) <= c (for softmax, the largest eigenvalue of the
 * Hessian in z, diag(p) - p p^T, is at most 1/2), which gives the smoothness bound used for the
 * default step; see {@link dev.downhill.core.objective.SmoothnessBound}.
 */
public enum Objective {
    LOGISTIC("logistic", 0.25, LabelKind.BINARY, true),
    LEAST_SQUARES("least-squares", 1.0, LabelKind.REAL, true),
    SOFTMAX("softmax", 0.5, LabelKind.CLASS_INDEX, true),
    /** Not smooth: the bound is that of squared loss, used only to scale the default step. */
    HINGE("hinge", 1.0, LabelKind.BINARY, false);

    /** What labels an objective accepts. */
    public enum LabelKind {
        /** 0 or 1. */
        BINARY,
        /** Any finite number. */
        REAL,
        /** An integer class index 0 .. K-1. */
        CLASS_INDEX
    }

    private final String cliName;
    private final double curvatureBound;
    private final LabelKind labelKind;
    private final boolean smooth;

    Objective(String cliName, double curvatureBound, LabelKind labelKind, boolean smooth) {
        this.cliName = cliName;
        this.curvatureBound = curvatureBound;
        this.labelKind = labelKind;
        this.smooth = smooth;
    }

    /** The name used on the command line and in model files. */
    public String cliName() {
        return cliName;
    }

    public double curvatureBound() {
        return curvatureBound;
    }

    /**
     * l''(0), the loss's curvature where training starts (all parameters 0): 1 for least squares,
     * sigma(0)(1 - sigma(0)) = 1/4 for logistic, and for softmax the diagonal of diag(p) - p p^T at p = 1/K,
     * (1/K)(1 - 1/K). NaN for hinge, which has no second derivative.
     */
    public double curvatureAtStart(int numClasses) {
        switch (this) {
            case LOGISTIC:
                return 0.25;
            case LEAST_SQUARES:
                return 1.0;
            case SOFTMAX:
                return (1.0 / numClasses) * (1.0 - 1.0 / numClasses);
            default:
                return Double.NaN;
        }
    }

    public LabelKind labelKind() {
        return labelKind;
    }

    public boolean isSmooth() {
        return smooth;
    }

    /** Model outputs: K for softmax, 1 otherwise. */
    public int numOutputs(int numClasses) {
        return this == SOFTMAX ? numClasses : 1;
    }

    public Loss loss(int numClasses) {
        switch (this) {
            case LOGISTIC:
                return new LogisticLoss();
            case LEAST_SQUARES:
                return new SquaredLoss();
            case SOFTMAX:
                return new SoftmaxCrossEntropyLoss(numClasses);
            case HINGE:
                return new HingeLoss();
            default:
                throw new AssertionError(this);
        }
    }

    /** The objective with this command-line name; the error lists the valid names. */
    public static Objective fromName(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (Objective o : values()) {
            if (o.cliName.equals(wanted)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown objective '" + name + "'; expected one of " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(Objective::cliName).collect(Collectors.joining("|"));
    }
}
