package com.example;

import dev.downhill.core.autodiff.Node;
import dev.downhill.core.custom.CustomModel;
import dev.downhill.core.custom.Forward;
import dev.downhill.core.custom.Init;
import dev.downhill.core.custom.Parameter;

/**
 * A small network written against Downhill's API: z = W2 swish(W1 x + b1) + b2, 16 hidden units, with
 * {@link Swish} as a user-defined operation. Train it with
 * {@code scripts/downhill train --model-class com.example.SwishNet --jars target/custom-model-0.1.0.jar ...}.
 */
public final class SwishNet extends CustomModel {
    private static final long serialVersionUID = 1L;
    static final int HIDDEN = 16;

    private final Parameter w1;
    private final Parameter b1;
    private final Parameter w2;
    private final Parameter b2;

    /** Downhill calls this with the data's feature count and the objective's output count. */
    public SwishNet(int inputs, int outputs) {
        super(inputs, outputs);
        w1 = weight("hidden.weight", HIDDEN, inputs, Init.he());   // [16, d], L2-penalized
        b1 = bias("hidden.bias", HIDDEN);                          // zeros, not penalized
        w2 = weight("out.weight", outputs, HIDDEN, Init.glorot());
        b2 = bias("out.bias", outputs);
    }

    @Override
    protected Node forward(Forward f) {
        Node h = f.apply(new Swish(), f.inputAffine(w1, b1));
        return f.affine(h, w2, b2);
    }
}
