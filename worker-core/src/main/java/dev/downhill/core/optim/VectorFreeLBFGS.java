package dev.downhill.core.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Vector-free L-BFGS (Chen, Dai &amp; Xiao, "Large-scale L-BFGS using MapReduce", NIPS 2014, Algorithm 3): the same
 * iterations as {@link LBFGS}, on parameters held only by handle ({@link RemoteVectors}), with no dense vector on
 * the driver. The direction d = -H g is a combination d = sum_l delta_l b_l of the 2m + 1 basis vectors
 * b = (s_0 .. s_{m-1}, y_0 .. y_{m-1}, g), and the two-loop recursion of {@link LbfgsHistory} runs on the
 * coefficients delta using only the Gram matrix B_{kl} = b_k . b_l:
 *
 * <pre>
 *   delta = e_g
 *   for i = newest .. oldest:  rho_i = 1 / B(y_i, s_i),  alpha_i = rho_i sum_l delta_l B(s_i, l),
 *                              delta_{y_i} -= alpha_i
 *   delta *= gamma,  gamma = B(s_newest, y_newest) / B(y_newest, y_newest)
 *   for i = oldest .. newest:  beta = rho_i sum_l delta_l B(y_i, l),  delta_{s_i} += alpha_i - beta
 *   d = -sum_l delta_l b_l                                                   (one combine)
 * </pre>
 *
 * which equals the two-loop direction up to rounding (measured: 1.5e-14 relative on random problems, 3e-13 along the
 * iterates of a least-squares problem of condition about 1e9; on such a problem the two runs still part after a
 * few iterations, as any rounding difference makes L-BFGS's trajectory part there, and reach the same optimum).
 * The Gram matrix is updated incrementally: after each
 * accepted step only the dot products of the new s, y and g with the basis are computed, 3 x (2p + 3) products
 * (p stored pairs), taken for each trial of the line search with its evaluation (below).
 *
 * <p>Everything else is {@link LBFGS}'s, rule for rule: H_0 = gamma I from the newest pair; the first trial t = 1
 * with history, else min(1, 1 / ||g||_1) or {@link #withFirstTrial}'s; the same {@link WolfeLineSearch} core; when
 * the search fails along the quasi-Newton direction, the history is forgotten and the search retried once along
 * -g, and if that fails too {@link #step} returns false with x, f, g unchanged; the same ring buffer of m pairs
 * and the same curvature test for storing a pair ({@link LbfgsHistory#storesPair}).
 *
 * <p>Passes per iteration (the common case, first trial accepted): one combine for d (its slope g . d =
 * sum_l delta_l B(g, l) comes from the Gram matrix, with no pass), and per trial two combines (the point x + t d
 * and s = x_trial - x) and one evaluation that also forms y = grad f - g and takes the trial's slope
 * grad f . d together with the Gram entries the move to it needs ({@link RemoteFunction.Products}), so that an
 * accepted trial costs nothing more (a rejected one computed its 3 x (2p + 4) products for nothing). That is one
 * data pass per trial where the function takes the products in its pass (the driver's do), else one data pass and
 * one slice pass. After a reset: one slice pass for ||g||_1 (unless a first trial is given).
 *
 * <p>State ({@link State}): a small {@link OptimizerState} with no vectors of the parameters' size (its x and
 * gradient have length 0) holding f, the counters, "vflbfgs.pairs", "vflbfgs.newest" and the Gram matrix
 * "vflbfgs.gram" ((2m + 1)^2 entries, row-major, index s_i = i, y_i = m + i, g = 2m), plus the handles x, g and
 * s_i, y_i by slot. A checkpoint is that small state (it writes with {@link OptimizerState#writeTo}) and the
 * handles' data, which the caller persists; {@link #restore} puts them together again.
 *
 * @param <V> the handle type
 */
public final class VectorFreeLBFGS<V> {
    static final String PREFIX = "vflbfgs.";
    static final String PAIRS = PREFIX + "pairs";
    static final String NEWEST = PREFIX + "newest";
    static final String GRAM = PREFIX + "gram";
    /** With L1: h(x) at the current point. */
    static final String PENALTY = PREFIX + "penalty";
    /** With L1: the pseudo-gradient v's Gram row, v . b_l on the Gram index (v . v at 2m). */
    static final String PSEUDO_GRAM = PREFIX + "pseudoGram";

    private final RemoteVectors<V> vectors;
    private final int capacity;
    private final WolfeLineSearch lineSearch;
    /** The first trial with no history; NaN for min(1, 1 / ||grad f||_1). */
    private final double firstTrial;
    /** OWL-QN's steps for an L1 penalty, or null (plain L-BFGS). */
    private final VectorFreeOrthantWise<V> orthantWise;

    public VectorFreeLBFGS(RemoteVectors<V> vectors, int history) {
        this(vectors, history, new WolfeLineSearch());
    }

    public VectorFreeLBFGS(RemoteVectors<V> vectors, int history, WolfeLineSearch lineSearch) {
        this(vectors, history, lineSearch, Double.NaN);
    }

    private VectorFreeLBFGS(RemoteVectors<V> vectors, int history, WolfeLineSearch lineSearch, double firstTrial) {
        this(vectors, history, lineSearch, firstTrial, null);
    }

    private VectorFreeLBFGS(RemoteVectors<V> vectors, int history, WolfeLineSearch lineSearch, double firstTrial,
                            RemoteL1<V> l1) {
        if (history < 1) {
            throw new IllegalArgumentException("L-BFGS history must hold at least 1 pair, got " + history);
        }
        this.vectors = vectors;
        this.capacity = history;
        this.lineSearch = lineSearch;
        this.firstTrial = firstTrial;
        this.orthantWise = l1 == null ? null : new VectorFreeOrthantWise<>(this, l1);
    }

    /**
     * OWL-QN (Andrew &amp; Gao 2007, {@link OWLQN}'s rules) vector-free, for f + h with h the L1 penalty {@code l1}
     * holds: the two-loop recursion runs on the Gram matrix with the pseudo-gradient v in g's place, and the
     * projections and trial points are {@link RemoteL1}'s elementwise maps ({@link VectorFreeOrthantWise}).
     */
    public static <V> VectorFreeLBFGS<V> orthantWise(RemoteVectors<V> vectors, int history, RemoteL1<V> l1) {
        return new VectorFreeLBFGS<>(vectors, history, new WolfeLineSearch(), Double.NaN, l1);
    }

    /** Whether this runs OWL-QN for an L1 penalty. */
    public boolean isOrthantWise() {
        return orthantWise != null;
    }

    /** As {@link LBFGS#withFirstTrial}: with no history the first trial is {@code firstTrial}. */
    public static <V> VectorFreeLBFGS<V> withFirstTrial(RemoteVectors<V> vectors, int history, double firstTrial) {
        if (!(firstTrial > 0) || Double.isInfinite(firstTrial)) {
            throw new IllegalArgumentException("first trial must be positive and finite, got " + firstTrial);
        }
        return new VectorFreeLBFGS<>(vectors, history, new WolfeLineSearch(), firstTrial);
    }

    /** m, the number of curvature pairs kept. */
    public int history() {
        return capacity;
    }

    public RemoteVectors<V> vectors() {
        return vectors;
    }

    /**
     * The optimizer's state: the handles x, grad f(x), s_i and y_i (by ring-buffer slot, null where empty) and the
     * small state (f, counters, Gram matrix and the minimizer's "stop." bookkeeping). The state owns its handles:
     * the optimizer releases them as it replaces them; {@link #release} frees the rest.
     */
    public static final class State<V> {
        private final OptimizerState small;
        private V x;
        private V gradient;
        private final List<V> s;
        private final List<V> y;
        /** With L1: the pseudo-gradient at x (computed from x and g, never checkpointed), else null. */
        V pseudoGradient;

        private State(OptimizerState small, V x, V gradient, List<V> s, List<V> y) {
            this.small = small;
            this.x = x;
            this.gradient = gradient;
            this.s = s;
            this.y = y;
        }

        /** The current point's handle (do not release it; the state owns it). */
        public V x() {
            return x;
        }

        /** grad f at {@link #x()}. */
        public V gradient() {
            return gradient;
        }

        public double value() {
            return small.value();
        }

        public long iteration() {
            return small.iteration();
        }

        /** Evaluations of f (each one pass over the data). */
        public long evaluations() {
            return small.evaluations();
        }

        public double lastStepSize() {
            return small.lastStepSize();
        }

        /** ||grad f(x)||, from the Gram matrix. */
        public double gradientNorm() {
            int m = capacity();
            return Math.sqrt(gram()[2 * m * (2 * m + 1) + 2 * m]);
        }

        /** The objective the run minimizes: f(x), or with L1 f(x) + h(x). */
        public double objective() {
            return small.value() + small.scalar(PENALTY, 0.0);
        }

        /**
         * What the stopping rule's gradient tolerance reads: ||grad f(x)||, or with L1 the norm of the minimum-norm
         * subgradient of f + h ({@link OWLQN#stationarity}'s), both from Gram entries.
         */
        public double stationarity() {
            double[] pseudo = small.vector(PSEUDO_GRAM);
            return pseudo == null ? gradientNorm() : Math.sqrt(pseudo[2 * capacity()]);
        }

        /** Stored pairs, 0 .. m. */
        public int pairs() {
            return (int) small.scalar(PAIRS, 0);
        }

        /** The small state to checkpoint (with the handles); the loop's bookkeeping lives here too. */
        public OptimizerState small() {
            return small;
        }

        /** s_i by ring-buffer slot (null where no pair is stored), read-only. */
        public List<V> sBySlot() {
            return Collections.unmodifiableList(s);
        }

        /** y_i by ring-buffer slot (null where no pair is stored), read-only. */
        public List<V> yBySlot() {
            return Collections.unmodifiableList(y);
        }

        /** Releases every handle the state holds (x, g, the pairs); the state is unusable afterwards. */
        public void release(RemoteVectors<V> vectors) {
            for (V v : s) {
                if (v != null) {
                    vectors.release(v);
                }
            }
            for (V v : y) {
                if (v != null) {
                    vectors.release(v);
                }
            }
            Collections.fill(s, null);
            Collections.fill(y, null);
            if (pseudoGradient != null) {
                vectors.release(pseudoGradient);
                pseudoGradient = null;
            }
            vectors.release(x);
            vectors.release(gradient);
        }

        private int capacity() {
            return s.size();
        }

        private double[] gram() {
            return small.vector(GRAM);
        }
    }

    /**
     * The state at x0 (one evaluation, with g . g among its products); the state takes x0 over (it releases it
     * when it moves on).
     */
    public State<V> initialize(RemoteFunction<V> f, V x0) {
        RemoteFunction.ProductsEvaluation<V> e = f.evaluate(x0, new RemoteFunction.Products<V>(List.of(), List.of(),
                new int[] {0}, new int[] {0}), vectors);
        OptimizerState small = new OptimizerState(new double[0], e.value(), new double[0]);
        int n = 2 * capacity + 1;
        double[] gram = new double[n * n];
        gram[n * n - 1] = e.dots()[0][0];
        small.putVector(GRAM, gram);
        small.putScalar(PAIRS, 0);
        small.putScalar(NEWEST, 0);
        State<V> state = new State<>(small, x0, e.gradient(), nulls(capacity), nulls(capacity));
        if (orthantWise != null) {
            orthantWise.start(state);
        }
        return state;
    }

    /**
     * A state from a checkpoint: the small state and the handles (s and y by slot, m entries each, null where no
     * pair is stored). Throws when they do not fit this history size.
     */
    public State<V> restore(OptimizerState small, V x, V gradient, List<V> sBySlot, List<V> yBySlot) {
        double[] gram = small.vector(GRAM);
        int n = 2 * capacity + 1;
        int pairs = (int) small.scalar(PAIRS, -1);
        int newest = (int) small.scalar(NEWEST, -1);
        if (gram == null || gram.length != n * n || sBySlot.size() != capacity || yBySlot.size() != capacity
                || pairs < 0 || pairs > capacity || newest < 0 || newest >= capacity) {
            throw new IllegalArgumentException("the checkpoint does not fit vector-free L-BFGS with " + capacity
                    + " pairs");
        }
        for (int k = 0; k < capacity; k++) {
            boolean stored = k < pairs;
            int slot = slot(newest, k);
            if (stored != (sBySlot.get(slot) != null) || stored != (yBySlot.get(slot) != null)) {
                throw new IllegalArgumentException("the checkpoint's pairs do not match its handles");
            }
        }
        if ((orthantWise != null) != (small.vector(PSEUDO_GRAM) != null)) {
            throw new IllegalArgumentException("the checkpoint was written "
                    + (orthantWise == null ? "with" : "without") + " an L1 penalty");
        }
        State<V> state = new State<>(small, x, gradient, new ArrayList<>(sBySlot), new ArrayList<>(yBySlot));
        if (orthantWise != null) {
            orthantWise.restore(state);
        }
        return state;
    }

    /**
     * The ring-buffer slots that hold a pair in a small state (from {@link State#small} or a checkpoint), newest
     * first: which s_i and y_i handles a checkpoint stores and {@link #restore} expects.
     */
    public int[] storedSlots(OptimizerState small) {
        int pairs = (int) small.scalar(PAIRS, 0);
        int newest = (int) small.scalar(NEWEST, 0);
        if (pairs < 0 || pairs > capacity || newest < 0 || newest >= capacity) {
            throw new IllegalArgumentException("the state does not fit vector-free L-BFGS with " + capacity
                    + " pairs");
        }
        int[] slots = new int[pairs];
        for (int k = 0; k < pairs; k++) {
            slots[k] = slot(newest, k);
        }
        return slots;
    }

    private static <V> List<V> nulls(int m) {
        return new ArrayList<>(Collections.nCopies(m, null));
    }

    /** The slot of the k-th newest pair (k = 0: newest). */
    private int slot(int newest, int k) {
        return Math.floorMod(newest - k, capacity);
    }

    /**
     * The basis the direction combines, oldest pair first: s of the stored pairs, then their y, then g; the
     * Gram index of each in {@code indices}.
     */
    List<V> basis(State<V> state, int[] indices) {
        int pairs = state.pairs();
        int newest = (int) state.small.scalar(NEWEST, 0);
        List<V> basis = new ArrayList<>(2 * pairs + 1);
        int at = 0;
        for (int k = pairs - 1; k >= 0; k--) {
            int slot = slot(newest, k);
            basis.add(state.s.get(slot));
            indices[at++] = slot;
        }
        for (int k = pairs - 1; k >= 0; k--) {
            int slot = slot(newest, k);
            basis.add(state.y.get(slot));
            indices[at++] = capacity + slot;
        }
        basis.add(state.gradient);
        indices[at] = 2 * capacity;
        return basis;
    }

    /**
     * The coefficients of d = -H g on the Gram index (length 2m + 1, zero for empty slots), by the two-loop
     * recursion on the Gram matrix; -e_g with no pair.
     */
    double[] directionCoefficients(State<V> state) {
        return directionCoefficients(state, state.gram());
    }

    /** The same recursion on the Gram matrix b (g's row and column replaced by v's for OWL-QN). */
    double[] directionCoefficients(State<V> state, double[] b) {
        int m = capacity;
        int n = 2 * m + 1;
        double[] delta = new double[n];
        delta[2 * m] = 1.0;
        int pairs = state.pairs();
        if (pairs > 0) {
            int newest = (int) state.small.scalar(NEWEST, 0);
            int[] active = new int[2 * pairs + 1];
            basis(state, active);
            double[] alpha = new double[pairs];
            double[] rho = new double[pairs];
            for (int k = 0; k < pairs; k++) {
                int si = slot(newest, k);
                int yi = m + si;
                rho[k] = 1.0 / b[yi * n + si];
                alpha[k] = rho[k] * combination(b, si * n, delta, active);
                delta[yi] -= alpha[k];
            }
            double gamma = b[newest * n + m + newest] / b[(m + newest) * n + m + newest];
            for (int l : active) {
                delta[l] *= gamma;
            }
            for (int k = pairs - 1; k >= 0; k--) {
                int si = slot(newest, k);
                int yi = m + si;
                double beta = rho[k] * combination(b, yi * n, delta, active);
                delta[si] += alpha[k] - beta;
            }
        }
        for (int l = 0; l < n; l++) {
            delta[l] = -delta[l];
        }
        return delta;
    }

    /** sum over the active indices l of delta_l B(row, l): b_row . (sum_l delta_l b_l). */
    private static double combination(double[] gram, int rowStart, double[] delta, int[] active) {
        double sum = 0.0;
        for (int l : active) {
            sum += delta[l] * gram[rowStart + l];
        }
        return sum;
    }

    /**
     * The search direction d = -H g as a new handle (one combine); the caller releases it before the state's
     * history changes ({@link RemoteVectors#combineWhileInputsHeld}).
     */
    public V direction(State<V> state) {
        int[] active = new int[2 * state.pairs() + 1];
        List<V> basis = basis(state, active);
        return combine(directionCoefficients(state), active, basis);
    }

    /** sum_j delta[active[j]] basis_j (one combine; the basis outlives the direction). */
    V combine(double[] delta, int[] active, List<V> basis) {
        double[] coefficients = new double[active.length];
        for (int j = 0; j < active.length; j++) {
            coefficients[j] = delta[active[j]];
        }
        return vectors.combineWhileInputsHeld(coefficients, basis);
    }

    /**
     * One iteration from {@code state}, in place; false, with x, f and g unchanged (the history empty), when no
     * step lowers f. {@code f} must be the same function at every iteration.
     */
    public boolean step(RemoteFunction<V> f, State<V> state) {
        if (orthantWise != null) {
            return orthantWise.step(f, state);
        }
        V g = state.gradient;
        WolfeLineSearch.Result r = null;
        HandleLine line = null;
        if (state.pairs() > 0) {
            int[] active = new int[2 * state.pairs() + 1];
            List<V> basis = basis(state, active);
            double[] delta = directionCoefficients(state);
            V d = combine(delta, active, basis);
            // g . d = sum_l delta_l (g . b_l): every term is in the Gram matrix, so no pass over the slices.
            double slope0 = combination(state.gram(), 2 * capacity * (2 * capacity + 1), delta, active);
            line = new HandleLine(f, state, d);
            r = lineSearch.search(line, state.value(), slope0, 1.0);
            state.small.addEvaluations(r.evaluations());
            if (!r.accepted()) {
                line.discard();
            }
        }
        if (r == null || !r.accepted()) {
            clear(state);
            // With no pair d = -g exactly, so g . d = -g . g, already in the Gram matrix.
            V d = vectors.combineWhileInputsHeld(new double[] {-1.0}, List.of(g));
            double slope0 = -state.gram()[state.gram().length - 1];
            double t0 = Double.isNaN(firstTrial) ? LBFGS.firstStepFromNorm1(vectors.norm1(g)) : firstTrial;
            line = new HandleLine(f, state, d);
            r = lineSearch.search(line, state.value(), slope0, t0);
            state.small.addEvaluations(r.evaluations());
            if (!r.accepted()) {
                line.discard();
                return false;
            }
        }
        Trial<V> t = line.current;
        moveTo(state, t.point, t.gradient, t.s, t.y, t.dots, r.value(), r.step());
        line.releaseAllButCurrent();
        return true;
    }

    /** Forgets every pair (their handles are released). */
    void clear(State<V> state) {
        for (int slot = 0; slot < capacity; slot++) {
            if (state.s.get(slot) != null) {
                vectors.release(state.s.get(slot));
                vectors.release(state.y.get(slot));
                state.s.set(slot, null);
                state.y.set(slot, null);
            }
        }
        state.small.putScalar(PAIRS, 0);
        state.small.putScalar(NEWEST, 0);
    }

    /**
     * As {@link LbfgsHistory#moveTo}: stores s = xNew - x, y = gNew - g as the newest pair unless the curvature test
     * fails, then x = xNew, g = gNew, f = value, last step = step, iteration + 1. One slice pass gives the new
     * Gram entries (the new s, y, g against the new s, y, g and the stored pairs). The state takes xNew and gNew
     * over and releases the old x and g.
     */
    void moveTo(State<V> state, V xNew, V gNew, double value, double step) {
        Trial<V> t = trial(state, xNew, gNew);
        moveTo(state, xNew, gNew, t.s, t.y, t.dots, value, step);
    }

    /**
     * The pair a move from the state's x to xNew would store, s = xNew - x and y = gNew - g (two combines), and
     * in one slice pass the Gram entries the move needs: the new s, y, g against the new s, y, g, then s of every
     * stored pair, then y of every stored pair (newest first): the products {@link #trialProducts} asks a trial's
     * evaluation for, without d.
     */
    private Trial<V> trial(State<V> state, V xNew, V gNew) {
        V sNew = vectors.combineHoldingInputs(new double[] {1.0, -1.0}, List.of(xNew, state.x));
        V yNew = vectors.combineHoldingInputs(new double[] {1.0, -1.0}, List.of(gNew, state.gradient));
        int pairs = state.pairs();
        int newest = (int) state.small.scalar(NEWEST, 0);
        List<V> against = new ArrayList<>(List.of(sNew, yNew, gNew));
        for (int k = 0; k < pairs; k++) {
            against.add(state.s.get(slot(newest, k)));
        }
        for (int k = 0; k < pairs; k++) {
            against.add(state.y.get(slot(newest, k)));
        }
        return new Trial<>(xNew, gNew, sNew, yNew, vectors.dots(List.of(sNew, yNew, gNew), against));
    }

    /**
     * What a trial's evaluation computes besides f and G: y = G - g (a combination) and trial()'s products, the
     * new s (a handle, x_trial - x), y and G against s, y, G, s of every stored pair, y of every stored pair (newest
     * first), then d (for G . d). Handles: s, the pairs' s, their y, d, g.
     */
    RemoteFunction.Products<V> trialProducts(State<V> state, V sNew, V d) {
        int pairs = state.pairs();
        int newest = (int) state.small.scalar(NEWEST, 0);
        List<V> handles = new ArrayList<>(2 * pairs + 3);
        handles.add(sNew);
        for (int k = 0; k < pairs; k++) {
            handles.add(state.s.get(slot(newest, k)));
        }
        for (int k = 0; k < pairs; k++) {
            handles.add(state.y.get(slot(newest, k)));
        }
        handles.add(d);
        handles.add(state.gradient);
        int gOld = handles.size() - 1;
        int gNew = handles.size();
        int yNew = gNew + 1;
        int[] columns = new int[2 * pairs + 4];
        columns[0] = 0;
        columns[1] = yNew;
        columns[2] = gNew;
        for (int k = 0; k < 2 * pairs + 1; k++) {
            columns[3 + k] = 1 + k; // the pairs' s, their y, then d
        }
        return new RemoteFunction.Products<>(handles,
                List.of(new RemoteFunction.Combination(new double[] {1.0, -1.0}, new int[] {gOld}, true)),
                new int[] {0, yNew, gNew}, columns);
    }

    /** {@link #moveTo(State, Object, Object, double, double)} with the pair and its dot products computed. */
    void moveTo(State<V> state, V xNew, V gNew, V sNew, V yNew, double[][] dots, double value,
                double step) {
        int m = capacity;
        int n = 2 * m + 1;
        int pairs = state.pairs();
        int newest = (int) state.small.scalar(NEWEST, 0);
        // the Gram index of each stored pair's s, then y, in the order trial() dotted them
        int[] index = new int[2 * pairs];
        for (int k = 0; k < pairs; k++) {
            index[k] = slot(newest, k);
            index[pairs + k] = m + slot(newest, k);
        }
        double[] b = state.gram();
        double ss = dots[0][0];
        double sy = dots[0][1];
        double yy = dots[1][1];
        int g = 2 * m;
        if (LbfgsHistory.storesPair(sy, ss, yy)) {
            int slot = pairs == 0 ? 0 : slot(newest, -1);
            if (state.s.get(slot) != null) {
                vectors.release(state.s.get(slot));
                vectors.release(state.y.get(slot));
            }
            state.s.set(slot, sNew);
            state.y.set(slot, yNew);
            int[] fresh = {slot, m + slot, g};
            for (int a = 0; a < 3; a++) {
                for (int c = 0; c < 3; c++) {
                    b[fresh[a] * n + fresh[c]] = dots[a][c];
                }
                for (int k = 0; k < 2 * pairs; k++) {
                    int other = index[k];
                    if (other == slot || other == m + slot) {
                        continue; // the pair just overwritten
                    }
                    b[fresh[a] * n + other] = dots[a][3 + k];
                    b[other * n + fresh[a]] = dots[a][3 + k];
                }
            }
            state.small.putScalar(PAIRS, Math.min(pairs + 1, m));
            state.small.putScalar(NEWEST, slot);
        } else {
            vectors.release(sNew);
            vectors.release(yNew);
            b[g * n + g] = dots[2][2];
            for (int k = 0; k < 2 * pairs; k++) {
                b[g * n + index[k]] = dots[2][3 + k];
                b[index[k] * n + g] = dots[2][3 + k];
            }
        }
        vectors.release(state.x);
        vectors.release(state.gradient);
        state.x = xNew;
        state.gradient = gNew;
        state.small.setValue(value);
        state.small.setLastStepSize(step);
        state.small.setIteration(state.small.iteration() + 1);
    }

    /** A trial point of the line search, its gradient, the pair a move there stores and trial()'s dots. */
    record Trial<V>(V point, V gradient, V s, V y, double[][] dots) {
        void release(RemoteVectors<V> vectors) {
            vectors.release(point);
            vectors.release(gradient);
            vectors.release(s);
            vectors.release(y);
        }
    }

    /**
     * phi(t) = f(x + t d) on handles: each trial point is the combine x + t d (the same arithmetic as the array
     * search's x_j + t d_j). Its evaluation also takes grad f . d together with the Gram entries a move to it would
     * need ({@link #trialProducts}), so an accepted trial moves with no further pass. Handles of trials that are
     * neither current nor best are released at once.
     */
    private final class HandleLine implements WolfeLineSearch.LineFunction {
        private final RemoteFunction<V> f;
        private final State<V> state;
        private final V d;
        Trial<V> current;
        private Trial<V> best;

        HandleLine(RemoteFunction<V> f, State<V> state, V d) {
            this.f = f;
            this.state = state;
            this.d = d;
        }

        @Override
        public Sample evaluate(double t) {
            dropCurrent();
            V point = vectors.combine(new double[] {1.0, t}, List.of(state.x, d));
            V sNew = vectors.combineHoldingInputs(new double[] {1.0, -1.0}, List.of(point, state.x));
            RemoteFunction.ProductsEvaluation<V> e = f.evaluate(point, trialProducts(state, sNew, d), vectors);
            current = new Trial<>(point, e.gradient(), sNew, e.combinations().get(0), e.dots());
            double[] gradientRow = current.dots[2];
            return new Sample(e.value(), gradientRow[gradientRow.length - 1]);
        }

        /** Releases the current trial unless it is the best. */
        private void dropCurrent() {
            if (current != null && current != best) {
                release(current);
            }
            current = null;
        }

        private void release(Trial<V> trial) {
            trial.release(vectors);
        }

        @Override
        public void keepCurrent() {
            if (best != null && best != current) {
                release(best);
            }
            best = current;
        }

        @Override
        public void restoreBest(double t) {
            dropCurrent();
            current = best;
        }

        @Override
        public boolean changesNothing(double t, double width) {
            return vectors.changesNothing(state.x, d, t, width);
        }

        /** After an accepted search: the current trial went to the state; release the rest and d. */
        void releaseAllButCurrent() {
            if (best != null && best != current) {
                release(best);
            }
            best = null;
            current = null;
            vectors.release(d);
        }

        /** After a failed search: release every handle of the search, d included. */
        void discard() {
            dropCurrent();
            if (best != null) {
                release(best);
            }
            best = null;
            vectors.release(d);
        }
    }

    @Override
    public String toString() {
        return "VectorFreeLBFGS(m = " + capacity + (orthantWise != null ? ", orthant-wise for L1" : "")
                + ", first trial "
                + (Double.isNaN(firstTrial) ? "min(1, 1/||g||_1)" : firstTrial) + ")";
    }
}
