package dev.downhill.driver.io;

import java.io.Serializable;
import java.util.List;

/** Where a row came from (its {@link RowKey} and line) and one value of it worth quoting in a message. */
public final class RowRef implements Serializable {
    private static final long serialVersionUID = 1L;

    public final long key;
    public final long line;
    public final double value;

    public RowRef(long key, long line, double value) {
        this.key = key;
        this.line = line;
        this.value = value;
    }

    /** The earlier (in file order) of two refs; either may be null. */
    static RowRef first(RowRef a, RowRef b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return a.key <= b.key ? a : b;
    }

    /** "PATH line N" or "PATH at byte B". */
    public String describe(List<String> paths) {
        return BadInputException.location(paths.get(RowKey.fileIndex(key)), line, RowKey.byteOffset(key));
    }
}
