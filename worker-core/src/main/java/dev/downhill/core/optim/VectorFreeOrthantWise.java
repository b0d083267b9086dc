package dev.downhill.core.optim;

import java.util.List;

/**
 * OWL-QN (Andrew &amp; Gao 2007) on handles: {@link OWLQN}'s iteration for F = f + h, h(x) = sum_j c_j |x_j|, with
 * {@link VectorFreeLBFGS}'s history. Per iteration, given the pseudo-gradient v at x (the minimum-norm subgradient
 * of F) and its Gram row (v . s_i, v . y_i, v . v, taken when x was reached):
 *
 * <ol>
 *   <li>d = -H v by the two-loop recursion on the Gram matrix with v in g's place (one combine), then projected
 *       (d_j = 0 where c_j &gt; 0 and d_j v_j &gt;= 0);</li>
 *   <li>backtracking from t = 1 (min(1, 1 / ||v||_1) with no history): the trial point x(t) = x + t d projected
 *       onto x's orthant, its h and v . (x(t) - x) (one slice pass, which for the first trial also takes the
 *       slope v . d), then one evaluation of f with the products a move needs; accepted when
 *       F(x(t)) - F(x) &lt;= 1e-4 v . (x(t) - x); new t from the quadratic through F(x), v . d and F(x(t)),
 *       clamped to [0.1 t, 0.5 t]; give-up below rounding or after 20 trials, then the history is dropped and the
 *       search retried along the projected -v;</li>
 *   <li>the move stores s = x(t) - x and y = grad f(x(t)) - grad f(x) (the smooth part's) as L-BFGS does, then
 *       v at the new point and its Gram row (one slice pass).</li>
 * </ol>
 *
 * So the common iteration costs one data pass and two slice passes. The pairs, the curvature test, the
 * sufficient-decrease constant, the step rule and the give-up test are {@link OWLQN}'s, so the iterates equal
 * its to rounding (sums over slices group differently). The state's small part keeps h(x) and v's Gram row, so a
 * checkpoint needs no handle beyond L-BFGS's (v is recomputed from x and g, with the same bits).
 *
 * @param <V> the handle type
 */
final class VectorFreeOrthantWise<V> {
    private final VectorFreeLBFGS<V> lbfgs;
    private final RemoteVectors<V> vectors;
    private final RemoteL1<V> l1;

    VectorFreeOrthantWise(VectorFreeLBFGS<V> lbfgs, RemoteL1<V> l1) {
        this.lbfgs = lbfgs;
        this.vectors = lbfgs.vectors();
        this.l1 = l1;
    }

    /** At the first point: h(x) (one slice pass), v and its Gram row (one slice pass). */
    void start(VectorFreeLBFGS.State<V> state) {
        state.small().putScalar(VectorFreeLBFGS.PENALTY, l1.value(state.x()));
        refreshPseudoGradient(state);
    }

    /** From a checkpoint: v again from x and g (lazy; h and the Gram row are in the small state). */
    void restore(VectorFreeLBFGS.State<V> state) {
        state.pseudoGradient = l1.pseudoGradient(state.x(), state.gradient());
    }

    /** v = the minimum-norm subgradient at the state's x, and v . b_l for the basis b (s_i, y_i, v). */
    private void refreshPseudoGradient(VectorFreeLBFGS.State<V> state) {
        V v = l1.pseudoGradient(state.x(), state.gradient());
        int m = lbfgs.history();
        int[] active = new int[2 * state.pairs() + 1];
        List<V> basis = basisWith(state, v, active);
        double[] row = vectors.dots(List.of(v), basis)[0];
        double[] pseudoGram = new double[2 * m + 1];
        for (int j = 0; j < active.length; j++) {
            pseudoGram[active[j]] = row[j];
        }
        state.small().putVector(VectorFreeLBFGS.PSEUDO_GRAM, pseudoGram);
        state.pseudoGradient = v;
    }

    /** The basis (oldest pair's s first, then the y, then v in g's place) and its Gram indices. */
    private List<V> basisWith(VectorFreeLBFGS.State<V> state, V v, int[] active) {
        List<V> basis = lbfgs.basis(state, active);
        basis.set(basis.size() - 1, v);
        return basis;
    }

    /** The Gram matrix with g's row and column replaced by v's. */
    private double[] gramWithPseudoGradient(VectorFreeLBFGS.State<V> state) {
        double[] gram = state.small().vector(VectorFreeLBFGS.GRAM).clone();
        double[] pseudo = state.small().vector(VectorFreeLBFGS.PSEUDO_GRAM);
        int n = pseudo.length;
        int g = n - 1;
        for (int l = 0; l < n; l++) {
            gram[g * n + l] = pseudo[l];
            gram[l * n + g] = pseudo[l];
        }
        return gram;
    }

    /** The search's outcome: the accepted trial (null if none), its t, f and h there. */
    private record Search<V>(VectorFreeLBFGS.Trial<V> trial, double step, double value, double penalty) {
        static <V> Search<V> failed() {
            return new Search<>(null, 0.0, Double.NaN, Double.NaN);
        }
    }

    /** One OWL-QN iteration in place; false, with the state unchanged but its history dropped, when none lowers F. */
    boolean step(RemoteFunction<V> f, VectorFreeLBFGS.State<V> state) {
        V v = state.pseudoGradient;
        Search<V> r = null;
        if (state.pairs() > 0) {
            int[] active = new int[2 * state.pairs() + 1];
            List<V> basis = basisWith(state, v, active);
            double[] delta = lbfgs.directionCoefficients(state, gramWithPseudoGradient(state));
            r = search(f, state, lbfgs.combine(delta, active, basis), 1.0);
        }
        if (r == null || r.trial() == null) {
            lbfgs.clear(state);
            V minusV = vectors.combineWhileInputsHeld(new double[] {-1.0}, List.of(v));
            r = search(f, state, minusV, LBFGS.firstStepFromNorm1(vectors.norm1(v)));
            if (r.trial() == null) {
                return false;
            }
        }
        state.pseudoGradient = null;
        vectors.release(v);
        VectorFreeLBFGS.Trial<V> t = r.trial();
        lbfgs.moveTo(state, t.point(), t.gradient(), t.s(), t.y(), t.dots(), r.value(), r.step());
        state.small().putScalar(VectorFreeLBFGS.PENALTY, r.penalty());
        refreshPseudoGradient(state);
        return true;
    }

    /** Backtracking along the orthant-projected path from the state's x in the projected {@code direction}. */
    private Search<V> search(RemoteFunction<V> f, VectorFreeLBFGS.State<V> state, V direction, double initialStep) {
        V v = state.pseudoGradient;
        V d = l1.projectDirection(direction, v);
        try {
            // the first trial's h and predicted change come with the slope, in one pass (unused if it is >= 0)
            V first = l1.orthantPoint(state.x(), d, v, initialStep);
            double[] sums = l1.valueChangeAndSlope(first, state.x(), v, d);
            double slope = sums[2];
            double objective = state.objective();
            if (!(slope < 0) || !Double.isFinite(objective)) {
                vectors.release(first);
                return Search.failed();
            }
            double noise = WolfeLineSearch.ROUNDING * Math.max(Math.abs(objective), Double.MIN_NORMAL);
            double t = initialStep;
            int evaluations = 0;
            try {
                while (evaluations < OWLQN.MAX_EVALUATIONS) {
                    V point = first != null ? first : l1.orthantPoint(state.x(), d, v, t);
                    double[] penaltyAndChange = first != null ? sums : l1.valueAndChange(point, state.x(), v);
                    first = null;
                    double predicted = penaltyAndChange[1];
                    if (-predicted <= noise) {
                        vectors.release(point);
                        break;
                    }
                    V s = vectors.combineHoldingInputs(new double[] {1.0, -1.0}, List.of(point, state.x()));
                    RemoteFunction.ProductsEvaluation<V> e = f.evaluate(point, lbfgs.trialProducts(state, s, d),
                            vectors);
                    evaluations++;
                    VectorFreeLBFGS.Trial<V> trial = new VectorFreeLBFGS.Trial<>(point, e.gradient(), s,
                            e.combinations().get(0), e.dots());
                    double full = e.value() + penaltyAndChange[0];
                    // grad f . grad f is finite exactly when every entry is (short of overflow): OWLQN's check
                    if (Double.isFinite(full) && Double.isFinite(e.value())
                            && full - objective <= OWLQN.SUFFICIENT_DECREASE * predicted
                            && Double.isFinite(trial.dots()[2][2])) {
                        return new Search<>(trial, t, e.value(), penaltyAndChange[0]);
                    }
                    trial.release(vectors);
                    t = OWLQN.backtrack(t, objective, slope, full);
                }
                return Search.failed();
            } finally {
                state.small().addEvaluations(evaluations);
            }
        } finally {
            vectors.release(d);
            vectors.release(direction);
        }
    }
}
