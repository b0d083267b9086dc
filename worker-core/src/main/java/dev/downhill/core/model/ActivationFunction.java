package dev.downhill.core.model;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The hidden-layer activations of a multi-layer perceptron, each exactly the standard function:
 * <ul>
 *   <li>relu(x) = max(0, x)</li>
 *   <li>leaky-relu(x) = x for x &gt;= 0, a x below zero (a the negative slope, 0.01 by default as in PyTorch)</li>
 *   <li>tanh(x)</li>
 *   <li>sigmoid(x) = 1 / (1 + exp(-x))</li>
 *   <li>gelu(x) = x Phi(x), Phi the exact standard normal CDF (PyTorch's default, not the tanh form;
 *       Hendrycks and Gimpel, "Gaussian Error Linear Units", 2016)</li>
 *   <li>softplus(x) = log(1 + exp(x))</li>
 * </ul>
 */
public enum ActivationFunction {
    RELU("relu", true),
    LEAKY_RELU("leaky-relu", true),
    TANH("tanh", false),
    SIGMOID("sigmoid", false),
    GELU("gelu", true),
    SOFTPLUS("softplus", true);

    /** PyTorch's default negative slope for leaky-relu. */
    public static final double DEFAULT_NEGATIVE_SLOPE = 0.01;

    private final String cliName;
    private final boolean reluFamily;

    ActivationFunction(String cliName, boolean reluFamily) {
        this.cliName = cliName;
        this.reluFamily = reluFamily;
    }

    public String cliName() {
        return cliName;
    }

    /** He initialization suits the relu family (relu, leaky-relu, gelu, softplus); Glorot suits tanh and sigmoid. */
    public boolean usesHeInitialization() {
        return reluFamily;
    }

    public static ActivationFunction fromName(String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (ActivationFunction a : values()) {
            if (a.cliName.equals(wanted)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + name + "'; expected one of " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(ActivationFunction::cliName).collect(Collectors.joining("|"));
    }
}
