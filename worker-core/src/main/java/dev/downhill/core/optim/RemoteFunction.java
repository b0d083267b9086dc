package dev.downhill.core.optim;

import java.util.ArrayList;
import java.util.List;

/**
 * A differentiable f: R^n -> R whose arguments and gradients are handles of {@link RemoteVectors} (in the driver:
 * one distributed pass over the data, the gradient reduce-scattered into slices, only scalars to the driver).
 *
 * <p>Pass cost: {@link #evaluate(Object, List)} is one data pass, plus one slice pass for the dot products when
 * the implementation cannot take them in that pass; {@link #evaluate(Object, Products, RemoteVectors)} is one
 * data pass, plus by default one slice pass for its products (the driver's objectives take them in the data
 * pass, where the gradient's slices are formed, so it is one pass in all).
 *
 * @param <V> the handle type
 */
@FunctionalInterface
public interface RemoteFunction<V> {

    /** f(x), a handle to grad f(x) (the caller releases it), and grad f(x) . w_i for each w_i asked for. */
    record Evaluation<V>(double value, V gradient, double[] gradientDots) {
    }

    /**
     * A new vector formed from G = grad f(x) at the evaluation: c_0 G + sum_{j >= 1} c_j h_{inputs[j - 1]}, h the
     * {@link Products}' handles, accumulated in that order, entry by entry, as {@link RemoteVectors#combine} with
     * the list (G, h_{inputs[0]}, ...) would (so the same bits). y = G - g is {@code coefficients {1, -1}}.
     * {@code holdingInputs}: formed as {@link RemoteVectors#combineHoldingInputs} forms it (for an L-BFGS pair).
     */
    record Combination(double[] coefficients, int[] inputs, boolean holdingInputs) {
        /** A combination formed as {@link RemoteVectors#combine} forms it. */
        public Combination(double[] coefficients, int[] inputs) {
            this(coefficients, inputs, false);
        }

        public Combination {
            if (coefficients.length != inputs.length + 1) {
                throw new IllegalArgumentException(coefficients.length + " coefficients for the gradient and "
                        + inputs.length + " handles");
            }
            coefficients = coefficients.clone();
            inputs = inputs.clone();
        }
    }

    /**
     * The dot products an evaluation at x computes besides f and G = grad f(x), over the terms t: t_0 .. t_{h-1}
     * the {@code handles}, t_h = G, then t_{h+1+i} the {@code combinations}' new vectors. result[i][j] =
     * t_{rows[i]} . t_{columns[j]}, each summed as {@link RemoteVectors#dots} sums (slice by slice in a fixed
     * order, index order within a slice), so its bits are those of combining and calling dots after the
     * evaluation. Vector-free L-BFGS asks for the Gram entries a move to the trial point needs: s = x - x_k (a
     * handle), y = G - g_k (a combination) and G against s, y, G, the stored pairs and the direction.
     */
    record Products<V>(List<V> handles, List<Combination> combinations, int[] rows, int[] columns) {
        public Products {
            handles = List.copyOf(handles);
            combinations = List.copyOf(combinations);
            rows = rows.clone();
            columns = columns.clone();
            int terms = handles.size() + 1 + combinations.size();
            for (int[] side : new int[][] {rows, columns}) {
                for (int t : side) {
                    if (t < 0 || t >= terms) {
                        throw new IllegalArgumentException("term " + t + " of " + terms);
                    }
                }
            }
            for (Combination c : combinations) {
                for (int i : c.inputs()) {
                    if (i < 0 || i >= handles.size()) {
                        throw new IllegalArgumentException("combination input " + i + " of " + handles.size()
                                + " handles");
                    }
                }
            }
        }

        /** G . w_j for each of {@code w} (one row). */
        public static <V> Products<V> gradientWith(List<V> w) {
            int[] columns = new int[w.size()];
            for (int j = 0; j < columns.length; j++) {
                columns[j] = j;
            }
            return new Products<>(w, List.of(), new int[] {w.size()}, columns);
        }

        /** The term index of G. */
        public int gradientTerm() {
            return handles.size();
        }

        /** The term index of combination i. */
        public int combinationTerm(int i) {
            return handles.size() + 1 + i;
        }
    }

    /**
     * f(x), grad f(x), the {@link Products}' new vectors (the caller releases them, like the gradient) and their
     * dot products, result[i][j] for rows[i] and columns[j].
     */
    record ProductsEvaluation<V>(double value, V gradient, List<V> combinations, double[][] dots) {
    }

    /**
     * Evaluates f and grad f at x (one pass over the data) and the dot products of grad f(x) with each of
     * {@code dotWith}, which an implementation may compute in the same pass or in one slice pass after it. x is not
     * released.
     */
    Evaluation<V> evaluate(V x, List<V> dotWith);

    /**
     * Evaluates f and grad f at x and {@code products} (see {@link Products}); x and the handles are not released.
     * This default evaluates, forms the combinations with {@code vectors} and takes the products in one
     * {@link RemoteVectors#dots} slice pass; an implementation that forms the gradient where the handles are (the
     * driver's, on the slices' executors) overrides it to take them in the evaluation's own pass, with the same
     * bits.
     */
    default ProductsEvaluation<V> evaluate(V x, Products<V> products, RemoteVectors<V> vectors) {
        Evaluation<V> e = evaluate(x, List.of());
        List<V> terms = new ArrayList<>(products.handles());
        terms.add(e.gradient());
        List<V> formed = new ArrayList<>(products.combinations().size());
        for (Combination c : products.combinations()) {
            List<V> inputs = new ArrayList<>(c.inputs().length + 1);
            inputs.add(e.gradient());
            for (int i : c.inputs()) {
                inputs.add(products.handles().get(i));
            }
            formed.add(c.holdingInputs() ? vectors.combineHoldingInputs(c.coefficients(), inputs)
                    : vectors.combine(c.coefficients(), inputs));
        }
        terms.addAll(formed);
        List<V> rows = new ArrayList<>(products.rows().length);
        for (int t : products.rows()) {
            rows.add(terms.get(t));
        }
        List<V> columns = new ArrayList<>(products.columns().length);
        for (int t : products.columns()) {
            columns.add(terms.get(t));
        }
        return new ProductsEvaluation<>(e.value(), e.gradient(), formed, vectors.dots(rows, columns));
    }
}
