package dev.downhill.core.optim;

/**
 * The elementwise steps of OWL-QN (Andrew &amp; Gao 2007) on handles of {@link RemoteVectors}, for the penalty
 * h(x) = sum_j c_j |x_j| whose weights the implementation holds (in the driver: each slice task builds its slice's
 * weights; in tests: an {@link dev.downhill.core.objective.L1Penalty}). Each is worker-core's
 * {@link dev.downhill.core.objective.L1Penalty} method of the same name applied slice by slice. Returned handles
 * belong to the caller, who releases them with {@link RemoteVectors#release}; each may be lazy, computed by the next
 * pass that reads it (its inputs must stay held until then, as for a combine).
 *
 * @param <V> the handle type
 */
public interface RemoteL1<V> {

    /** v, the minimum-norm subgradient of f + h at x, with g = grad f(x). */
    V pseudoGradient(V x, V gradient);

    /** d with d_j = 0 where c_j &gt; 0 and d_j v_j &gt;= 0 (a new handle; d is kept). */
    V projectDirection(V d, V pseudoGradient);

    /** x + t d projected onto x's orthant (sign(-v_j) where x_j = 0), as a new handle. */
    V orthantPoint(V x, V d, V pseudoGradient, double t);

    /**
     * h(point) and v . (point - x), each summed slice by slice in a fixed order: one slice pass, which computes
     * {@code point} too.
     */
    double[] valueAndChange(V point, V x, V pseudoGradient);

    /**
     * {@link #valueAndChange} and the slope v . d in the same slice pass: a search's first trial, whose point is
     * x + t d projected ({@code point}, from {@link #orthantPoint}), and its direction d.
     */
    double[] valueChangeAndSlope(V point, V x, V pseudoGradient, V direction);

    /** h(x): one slice pass. */
    double value(V x);
}
