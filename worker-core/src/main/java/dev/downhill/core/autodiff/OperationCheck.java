package dev.downhill.core.autodiff;

import dev.downhill.core.sample.SeededRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * What the check of one user-defined {@link Operation} on a {@link Tape} found: its name, its position on the
 * tape, the relative error of its vector-Jacobian product against a central difference, and both values.
 *
 * <p>The check ({@link #all}): with a seeded random adjoint G and direction V (entries uniform in [-1, 1]), it
 * compares the vector-Jacobian product, sum_i &lt;(dY/dX_i)^T G, V_i&gt;, with the central difference
 * (phi(t) - phi(-t)) / 2t of phi(t) = &lt;G, f(X + t V)&gt;, t = 1e-6 max(1, max |X|). The relative error is
 * |a - n| / max(|a|, |n|, 1e-8 (1 + sum |G . Y|)): relative, with an absolute floor for products near zero.
 */
public record OperationCheck(String name, int position, double relativeError, double analytic, double numeric) {

    /**
     * Checks every user-defined operation recorded on the tape's current block, as above. The tape is left as
     * it was (the differences run on copies).
     */
    public static List<OperationCheck> all(Tape tape, long seed) {
        final int rows = tape.rows();
        List<OperationCheck> out = new ArrayList<>();
        for (int p = 0; p < tape.size(); p++) {
            Node n = tape.node(p);
            if (n.op != Tape.CUSTOM) {
                continue;
            }
            SeededRandom rng = SeededRandom.of(seed, p);
            int outLen = rows * n.cols;
            double[] g = new double[outLen];
            for (int i = 0; i < outLen; i++) {
                g[i] = 2 * rng.nextDouble() - 1;
            }
            int m = n.inputs.length;
            double[][] v = new double[m][];
            double[][] grads = new double[m][];
            double xMax = 1.0;
            for (int i = 0; i < m; i++) {
                int len = rows * n.inputs[i].cols;
                v[i] = new double[len];
                grads[i] = new double[len];
                for (int j = 0; j < len; j++) {
                    v[i][j] = 2 * rng.nextDouble() - 1;
                    xMax = Math.max(xMax, Math.abs(n.inputs[i].value[j]));
                }
            }
            Operation.Buffers b = new Operation.Buffers();
            b.rows = rows;
            b.inputs = n.inputs;
            b.output = n;
            b.outputGradient = g;
            b.inputGradients = grads;
            n.operation.vectorJacobianProduct(b);
            double analytic = 0.0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < v[i].length; j++) {
                    analytic += grads[i][j] * v[i][j];
                }
            }
            double t = 1e-6 * xMax;
            double up = directional(n, rows, g, v, t);
            double down = directional(n, rows, g, v, -t);
            double numeric = (up - down) / (2 * t);
            double scale = 0.0;
            for (int i = 0; i < outLen; i++) {
                scale += Math.abs(g[i] * n.value[i]);
            }
            double err = Math.abs(analytic - numeric)
                    / Math.max(Math.max(Math.abs(analytic), Math.abs(numeric)), 1e-8 * (1 + scale));
            out.add(new OperationCheck(n.operation.name(), p, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err,
                    analytic, numeric));
        }
        return out;
    }

    /** &lt;G, f(X + t V)&gt; for a user-defined operation's node, on copies of its inputs. */
    private static double directional(Node n, int rows, double[] g, double[][] v, double t) {
        Node[] shifted = new Node[n.inputs.length];
        for (int i = 0; i < shifted.length; i++) {
            Node x = n.inputs[i];
            Node c = new Node();
            c.rows = rows;
            c.cols = x.cols;
            c.value = new double[rows * x.cols];
            for (int j = 0; j < c.value.length; j++) {
                c.value[j] = x.value[j] + t * v[i][j];
            }
            shifted[i] = c;
        }
        Node y = new Node();
        y.rows = rows;
        y.cols = n.cols;
        y.value = new double[rows * n.cols];
        Operation.Buffers b = new Operation.Buffers();
        b.rows = rows;
        b.inputs = shifted;
        b.output = y;
        n.operation.forward(b);
        double sum = 0.0;
        for (int i = 0; i < g.length; i++) {
            sum += g[i] * y.value[i];
        }
        return sum;
    }
}
