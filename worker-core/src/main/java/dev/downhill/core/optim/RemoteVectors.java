package dev.downhill.core.optim;

import java.util.List;

/**
 * Vectors of the parameters' size that the optimizer holds only by handle {@code V} (in the driver: a cached
 * RDD of S slices; in tests: a {@code double[]}). The optimizer never reads an entry: it combines handles
 * linearly and asks for dot products, which is all vector-free L-BFGS needs (Chen, Dai &amp; Xiao, "Large-scale
 * L-BFGS using MapReduce", NIPS 2014). Each dot product is a sum over slices: slice by slice in a fixed order,
 * entries in index order within a slice, so the result does not depend on the schedule.
 *
 * <p>Ownership: every handle returned by {@link #combine} or by a {@link RemoteFunction} belongs to the caller,
 * who calls {@link #release} on it exactly once. A combination stays valid after its inputs are released, so a
 * lazy implementation must materialize a pending combination before it frees an input of it (or combine eagerly).
 * In practice {@link VectorFreeLBFGS} passes each combination to {@link #dots}, {@link #changesNothing} or
 * {@link RemoteFunction#evaluate} before it releases its inputs; only {@link VectorFreeMinimizer}'s copy of the
 * best iterate (a combine with the single coefficient 1) may still be pending when the x it copies is released.
 *
 * <p>Pass cost, "slice pass" meaning one pass over the parameter slices (no data):
 * {@code combine}: none or one map (no values to the driver); {@code dots}: one slice pass returning
 * |a| x |b| scalars; {@code norm1}, {@code changesNothing}: one slice pass returning one scalar;
 * {@code release}: none. {@link RemoteFunction#evaluate(Object, RemoteFunction.Products, RemoteVectors)} takes
 * the dot products vector-free L-BFGS needs per trial, so where the function takes them in its data pass no
 * {@code dots} pass is left per iteration.
 *
 * @param <V> the handle type
 */
public interface RemoteVectors<V> {

    /**
     * sum_j c_j v_j as a new handle, accumulated in list order: ((c_0 v_0) + c_1 v_1) + ..., per entry. It stays
     * valid after its inputs are released. May be lazy.
     */
    V combine(double[] coefficients, List<V> vectors);

    /**
     * As {@link #combine}, for a combination read only while every input is still held (a search direction, which
     * dies with its line search, before the history it is made of changes): an implementation may store it with
     * less care, recomputing a lost part from the inputs (the driver keeps no second copy of it).
     */
    default V combineWhileInputsHeld(double[] coefficients, List<V> vectors) {
        return combine(coefficients, vectors);
    }

    /**
     * As {@link #combine}, for a combination of few inputs that the optimizer stores anyway for about as long
     * (an L-BFGS pair: s = x_new - x and y = g_new - g, inputs the iterates and gradients of the last m moves): an
     * implementation may hold the inputs, even once the caller has released them, until the result is released,
     * and store the result with less care, recomputing a lost part from them (the driver stores nothing for the
     * pair: the tasks that read it form it from the inputs). Released as any handle.
     */
    default V combineHoldingInputs(double[] coefficients, List<V> vectors) {
        return combine(coefficients, vectors);
    }

    /** The block of dot products: result[i][j] = a_i . b_j, all in one slice pass. */
    double[][] dots(List<V> a, List<V> b);

    /** ||v||_1 = sum_j |v_j|, one slice pass (only for the first trial step with no history). */
    double norm1(V v);

    /**
     * Whether moving from x + t d by up to {@code width} along d changes no entry beyond rounding:
     * |width d_j| <= eps |x_j + t d_j| for every j, eps = Math.ulp(1.0) (the line search's give-up test).
     * One slice pass; only the zoom phase of a line search asks.
     */
    boolean changesNothing(V x, V d, double t, double width);

    /** The optimizer no longer needs v; free its storage. */
    void release(V v);
}
