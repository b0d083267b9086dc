package com.example;

import dev.downhill.core.autodiff.Operation;
import dev.downhill.core.autodiff.ScalarFunctions;

/**
 * swish(x) = x sigmoid(x) (Ramachandran, Zoph and Le, "Searching for activation functions", 2017), element-wise:
 * an operation the tape lacks, given by its forward and its vector-Jacobian product. With s = sigmoid(x),
 * d swish / dx = s + x s (1 - s), so dF/dX = G . (s + x s (1 - s)). sigmoid is taken without overflow
 * ({@link ScalarFunctions#sigmoid(double)}).
 */
public final class Swish implements Operation {
    private static final long serialVersionUID = 1L;

    @Override
    public String name() {
        return "swish";
    }

    @Override
    public void forward(Buffers b) {
        double[] x = b.input(0);
        double[] y = b.output();
        int n = b.rows() * b.outputColumns();
        for (int i = 0; i < n; i++) {
            y[i] = x[i] * ScalarFunctions.sigmoid(x[i]);
        }
    }

    @Override
    public void vectorJacobianProduct(Buffers b) {
        double[] x = b.input(0);
        double[] g = b.outputGradient();
        double[] dx = b.inputGradient(0);
        int n = b.rows() * b.outputColumns();
        for (int i = 0; i < n; i++) {
            double s = ScalarFunctions.sigmoid(x[i]);
            dx[i] = g[i] * (s + x[i] * s * (1.0 - s));
        }
    }
}
