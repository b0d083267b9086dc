package dev.downhill.driver.sharded;

import java.io.Serializable;

/**
 * How a vector of n parameters is cut into S contiguous slices: slice s holds global indices
 * [start(s), start(s + 1)) with start(s) = floor(s n / S), so slices differ in length by at most one.
 */
public final class SliceLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int numParameters;
    private final int numSlices;

    public SliceLayout(int numParameters, int numSlices) {
        if (numParameters < 1 || numSlices < 1 || numSlices > numParameters) {
            throw new IllegalArgumentException("need 1 <= slices <= parameters, got " + numSlices + " slices of "
                    + numParameters + " parameters");
        }
        this.numParameters = numParameters;
        this.numSlices = numSlices;
    }

    public int numParameters() {
        return numParameters;
    }

    public int numSlices() {
        return numSlices;
    }

    /** The first global index of slice s (s = S gives n). */
    public int start(int s) {
        return (int) ((long) s * numParameters / numSlices);
    }

    public int length(int s) {
        return start(s + 1) - start(s);
    }

    /** The slice holding global index i. */
    public int sliceOf(int i) {
        int s = (int) (((long) i * numSlices + numSlices - 1) / numParameters);
        // floor arithmetic can land one off either way; step to the slice whose range holds i
        while (s > 0 && start(s) > i) {
            s--;
        }
        while (s < numSlices - 1 && start(s + 1) <= i) {
            s++;
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SliceLayout l && l.numParameters == numParameters && l.numSlices == numSlices;
    }

    @Override
    public int hashCode() {
        return 31 * numParameters + numSlices;
    }

    @Override
    public String toString() {
        return numParameters + " parameters in " + numSlices + " slices";
    }
}
