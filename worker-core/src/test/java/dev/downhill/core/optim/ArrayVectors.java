package dev.downhill.core.optim;

import dev.downhill.core.objective.DifferentiableFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link RemoteVectors} over in-memory arrays, for tests: every handle is a fresh {@link Vec}, combines are eager,
 * dot products are plain sums in index order (the arithmetic of the array optimizers), and a released handle fails
 * on any later use, so a test also checks that the optimizer frees what it no longer needs and nothing else.
 */
final class ArrayVectors implements RemoteVectors<ArrayVectors.Vec> {
    /** A handle: the data, and whether it was released. */
    static final class Vec {
        private final double[] data;
        private boolean released;

        Vec(double[] data) {
            this.data = data;
        }

        double[] data() {
            if (released) {
                throw new IllegalStateException("use of a released handle");
            }
            return data;
        }
    }

    private int live;
    private int dotsCalls;

    /** A handle owned by the caller, holding a copy of v. */
    Vec of(double[] v) {
        live++;
        return new Vec(v.clone());
    }

    /** Handles created and not yet released. */
    int live() {
        return live;
    }

    int dotsCalls() {
        return dotsCalls;
    }

    @Override
    public Vec combine(double[] coefficients, List<Vec> vectors) {
        int n = vectors.get(0).data().length;
        double[] out = new double[n];
        for (int j = 0; j < n; j++) {
            double sum = coefficients[0] * vectors.get(0).data()[j];
            for (int k = 1; k < coefficients.length; k++) {
                sum += coefficients[k] * vectors.get(k).data()[j];
            }
            out[j] = sum;
        }
        live++;
        return new Vec(out);
    }

    @Override
    public double[][] dots(List<Vec> a, List<Vec> b) {
        dotsCalls++;
        double[][] out = new double[a.size()][b.size()];
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < b.size(); j++) {
                out[i][j] = dot(a.get(i).data(), b.get(j).data());
            }
        }
        return out;
    }

    @Override
    public double norm1(Vec v) {
        double sum = 0;
        for (double vj : v.data()) {
            sum += Math.abs(vj);
        }
        return sum;
    }

    @Override
    public boolean changesNothing(Vec x, Vec d, double t, double width) {
        double[] xs = x.data();
        double[] ds = d.data();
        for (int j = 0; j < xs.length; j++) {
            if (Math.abs(width * ds[j]) > Math.ulp(1.0) * Math.abs(xs[j] + t * ds[j])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void release(Vec v) {
        v.data();
        v.released = true;
        live--;
    }

    static double dot(double[] a, double[] b) {
        double s = 0.0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    /**
     * f on handles: one array evaluation per call; counts calls. It takes an evaluation's {@link Products} in the
     * same call, as the driver's objectives do in their pass (no {@link #dots} call), unless made with
     * {@link #productsByDefault}, which leaves them to the interface's default (a dots call after the evaluation).
     */
    static final class Function implements RemoteFunction<Vec> {
        private final ArrayVectors vectors;
        private final DifferentiableFunction f;
        private final boolean takesProducts;
        private int evaluations;

        Function(ArrayVectors vectors, DifferentiableFunction f) {
            this(vectors, f, true);
        }

        private Function(ArrayVectors vectors, DifferentiableFunction f, boolean takesProducts) {
            this.vectors = vectors;
            this.f = f;
            this.takesProducts = takesProducts;
        }

        /** The same f leaving the products to {@link RemoteFunction}'s default. */
        static Function productsByDefault(ArrayVectors vectors, DifferentiableFunction f) {
            return new Function(vectors, f, false);
        }

        @Override
        public ProductsEvaluation<Vec> evaluate(Vec x, Products<Vec> products, RemoteVectors<Vec> remote) {
            if (!takesProducts) {
                return RemoteFunction.super.evaluate(x, products, remote);
            }
            Evaluation<Vec> e = evaluate(x, List.of());
            List<double[]> terms = new ArrayList<>();
            for (Vec h : products.handles()) {
                terms.add(h.data());
            }
            double[] g = e.gradient().data();
            terms.add(g);
            List<Vec> formed = new ArrayList<>();
            for (Combination c : products.combinations()) {
                double[] out = new double[g.length];
                double[] co = c.coefficients();
                for (int j = 0; j < g.length; j++) {
                    double sum = co[0] * g[j]; // combine()'s arithmetic, term by term
                    for (int k = 1; k < co.length; k++) {
                        sum += co[k] * products.handles().get(c.inputs()[k - 1]).data()[j];
                    }
                    out[j] = sum;
                }
                vectors.live++;
                formed.add(new Vec(out));
                terms.add(out);
            }
            double[][] dots = new double[products.rows().length][products.columns().length];
            for (int i = 0; i < dots.length; i++) {
                for (int j = 0; j < dots[i].length; j++) {
                    dots[i][j] = dot(terms.get(products.rows()[i]), terms.get(products.columns()[j]));
                }
            }
            return new ProductsEvaluation<>(e.value(), e.gradient(), formed, dots);
        }

        int evaluations() {
            return evaluations;
        }

        @Override
        public Evaluation<Vec> evaluate(Vec x, List<Vec> dotWith) {
            evaluations++;
            double[] g = new double[f.dimension()];
            double value = f.valueAndGradient(x.data(), g);
            double[] dots = new double[dotWith.size()];
            for (int i = 0; i < dots.length; i++) {
                dots[i] = dot(g, dotWith.get(i).data());
            }
            vectors.live++;
            return new Evaluation<>(value, new Vec(g), dots);
        }
    }

    /** Every handle the state holds (x, g, stored pairs). */
    static List<Vec> held(VectorFreeLBFGS.State<Vec> state) {
        List<Vec> held = new ArrayList<>(List.of(state.x(), state.gradient()));
        for (Vec v : state.sBySlot()) {
            if (v != null) {
                held.add(v);
            }
        }
        for (Vec v : state.yBySlot()) {
            if (v != null) {
                held.add(v);
            }
        }
        return held;
    }
}
