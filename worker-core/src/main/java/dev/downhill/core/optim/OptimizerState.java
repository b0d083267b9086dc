package dev.downhill.core.optim;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;
import java.util.Arrays;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything an optimizer needs to continue: the current point x, f(x), grad f(x), the iteration count,
 * the last step size, the number of function evaluations, and any rule-specific vectors (moments,
 * history) and scalars (counters, RNG state, FISTA's t) under names the rule chooses. It is a plain value:
 * copying it, writing it out ({@link #writeTo}) and reading it back ({@link #readFrom}) gives an optimizer
 * that continues with bit-identical steps. Nothing is hidden in the optimizer object.
 */
public final class OptimizerState implements Serializable {
    private static final long serialVersionUID = 1L;

    private final double[] x;
    private final double[] gradient;
    private double value;
    private long iteration;
    private long evaluations;
    private double lastStepSize;
    private final SortedMap<String, double[]> vectors = new TreeMap<>();
    private final SortedMap<String, Double> scalars = new TreeMap<>();

    public OptimizerState(double[] x, double value, double[] gradient) {
        if (x.length != gradient.length) {
            throw new IllegalArgumentException("x and gradient lengths differ");
        }
        this.x = x;
        this.value = value;
        this.gradient = gradient;
        this.evaluations = 1;
    }

    /** The current point; optimizers update it in place. */
    public double[] x() {
        return x;
    }

    /** grad f at {@link #x()}; optimizers update it in place. */
    public double[] gradient() {
        return gradient;
    }

    /** f at {@link #x()}. */
    public double value() {
        return value;
    }

    public void setValue(double value) {
        this.value = value;
    }

    /** Completed iterations. */
    public long iteration() {
        return iteration;
    }

    public void setIteration(long iteration) {
        this.iteration = iteration;
    }

    /** Evaluations of f (each one distributed pass over the data in the driver). */
    public long evaluations() {
        return evaluations;
    }

    public void addEvaluations(long n) {
        evaluations += n;
    }

    public double lastStepSize() {
        return lastStepSize;
    }

    public void setLastStepSize(double lastStepSize) {
        this.lastStepSize = lastStepSize;
    }

    /** A named rule-specific vector, or null. */
    public double[] vector(String name) {
        return vectors.get(name);
    }

    public void putVector(String name, double[] v) {
        vectors.put(name, v);
    }

    public SortedMap<String, double[]> vectors() {
        return vectors;
    }

    /** A named rule-specific scalar, or {@code missing} when it was never set. */
    public double scalar(String name, double missing) {
        Double v = scalars.get(name);
        return v == null ? missing : v;
    }

    /** Stores a scalar; counters up to 2^53 are exact. */
    public void putScalar(String name, double value) {
        scalars.put(name, value);
    }

    public SortedMap<String, Double> scalars() {
        return scalars;
    }

    /** A deep copy. */
    public OptimizerState copy() {
        OptimizerState c = new OptimizerState(x.clone(), value, gradient.clone());
        c.iteration = iteration;
        c.evaluations = evaluations;
        c.lastStepSize = lastStepSize;
        vectors.forEach((k, v) -> c.vectors.put(k, v.clone()));
        c.scalars.putAll(scalars);
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OptimizerState)) {
            return false;
        }
        OptimizerState s = (OptimizerState) o;
        if (!Arrays.equals(x, s.x) || !Arrays.equals(gradient, s.gradient)
                || Double.doubleToLongBits(value) != Double.doubleToLongBits(s.value)
                || iteration != s.iteration || evaluations != s.evaluations
                || Double.doubleToLongBits(lastStepSize) != Double.doubleToLongBits(s.lastStepSize)
                || !vectors.keySet().equals(s.vectors.keySet()) || !scalars.keySet().equals(s.scalars.keySet())) {
            return false;
        }
        for (String k : scalars.keySet()) {
            if (Double.doubleToLongBits(scalars.get(k)) != Double.doubleToLongBits(s.scalars.get(k))) {
                return false;
            }
        }
        for (String k : vectors.keySet()) {
            if (!Arrays.equals(vectors.get(k), s.vectors.get(k))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(x) * 31 + Long.hashCode(iteration);
    }

    /**
     * Writes the state in a fixed binary layout (all doubles as IEEE bits, so NaN and -0.0 survive):
     * int n, n x, value, n gradient, long iteration, long evaluations, lastStepSize, int #vectors then per
     * vector (UTF name, int length, values), int #scalars then per scalar (UTF name, value). The caller
     * frames it with a version and a checksum.
     */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(x.length);
        writeDoubles(out, x);
        writeDouble(out, value);
        writeDoubles(out, gradient);
        out.writeLong(iteration);
        out.writeLong(evaluations);
        writeDouble(out, lastStepSize);
        out.writeInt(vectors.size());
        for (var e : vectors.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeInt(e.getValue().length);
            writeDoubles(out, e.getValue());
        }
        out.writeInt(scalars.size());
        for (var e : scalars.entrySet()) {
            out.writeUTF(e.getKey());
            writeDouble(out, e.getValue());
        }
    }

    /** Reads what {@link #writeTo} wrote; lengths are checked against {@code maxLength} before allocating. */
    public static OptimizerState readFrom(DataInput in, int maxLength) throws IOException {
        int n = length(in.readInt(), maxLength);
        double[] x = readDoubles(in, n);
        double value = in.readDouble();
        double[] g = readDoubles(in, n);
        OptimizerState s = new OptimizerState(x, value, g);
        s.iteration = in.readLong();
        s.evaluations = in.readLong();
        s.lastStepSize = in.readDouble();
        int nv = length(in.readInt(), 10_000);
        for (int i = 0; i < nv; i++) {
            String name = in.readUTF();
            s.vectors.put(name, readDoubles(in, length(in.readInt(), maxLength)));
        }
        int ns = length(in.readInt(), 10_000);
        for (int i = 0; i < ns; i++) {
            String name = in.readUTF();
            s.scalars.put(name, in.readDouble());
        }
        return s;
    }

    private static int length(int n, int max) throws IOException {
        if (n < 0 || n > max) {
            throw new IOException("corrupt optimizer state: length " + n + " outside [0, " + max + "]");
        }
        return n;
    }

    /** The raw bits: DataOutput.writeDouble would make every NaN the canonical one, losing a payload (RNG bits). */
    private static void writeDouble(DataOutput out, double d) throws IOException {
        out.writeLong(Double.doubleToRawLongBits(d));
    }

    private static void writeDoubles(DataOutput out, double[] v) throws IOException {
        for (double d : v) {
            out.writeLong(Double.doubleToRawLongBits(d));
        }
    }

    private static double[] readDoubles(DataInput in, int n) throws IOException {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Double.longBitsToDouble(in.readLong());
        }
        return v;
    }
}
