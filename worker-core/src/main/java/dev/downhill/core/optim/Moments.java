package dev.downhill.core.optim;

/** The rule-specific vectors of the momentum and adaptive rules, created as zeros at their first step. */
final class Moments {
    private Moments() {}

    /** The state's vector {@code name}, put there as zeros of x's length if missing. */
    static double[] vector(OptimizerState state, String name) {
        double[] v = state.vector(name);
        if (v == null) {
            v = new double[state.x().length];
            state.putVector(name, v);
        } else if (v.length != state.x().length) {
            throw new IllegalStateException("state vector " + name + " has length " + v.length + ", x has "
                    + state.x().length);
        }
        return v;
    }
}
