package dev.downhill.driver.io;

import dev.downhill.core.data.BlockBuilder;
import dev.downhill.core.data.DataBlock;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import scala.Tuple2;

/**
 * Packs parsed rows, in their order, into blocks of up to blockRows rows, one block at a time: what
 * evaluate and predict run a model over, so a task never holds more than one block of rows.
 * With class labels given, a row's label becomes the index of its label among them (the class the model
 * knows it as); otherwise it is kept as it is (a regression target, or NaN for unlabeled input).
 */
public final class RowBlocks implements Iterator<DataBlock> {
    private final Iterator<Tuple2<Long, ParsedRow>> rows;
    private final BlockBuilder builder;
    private final int blockRows;
    /** Label to class index (labels + 0.0, so -0.0 finds 0.0), or null to keep labels as they are. */
    private final Map<Double, Integer> classOf;
    /** The carried input columns of each row of the block last built (rows without them: null). */
    private final java.util.List<String[]> kept = new java.util.ArrayList<>();

    /** @param classLabels the model's label of each class, or null to keep labels as they are */
    public RowBlocks(Iterator<Tuple2<Long, ParsedRow>> rows, int numFeatures, int blockRows, double[] classLabels) {
        this.rows = rows;
        this.builder = new BlockBuilder(numFeatures);
        this.blockRows = blockRows;
        if (classLabels == null) {
            this.classOf = null;
        } else {
            this.classOf = new HashMap<>();
            for (int c = 0; c < classLabels.length; c++) {
                classOf.put(classLabels[c] + 0.0, c);
            }
        }
    }

    @Override
    public boolean hasNext() {
        return rows.hasNext();
    }

    @Override
    public DataBlock next() {
        if (!rows.hasNext()) {
            throw new NoSuchElementException();
        }
        kept.clear();
        while (rows.hasNext() && builder.numRows() < blockRows) {
            Tuple2<Long, ParsedRow> keyed = rows.next();
            ParsedRow r = keyed._2();
            kept.add(r.kept);
            r.addTo(builder, classOf == null ? r.label : classIndex(r.label), keyed._1());
        }
        return builder.build();
    }

    /** The input columns row {@code row} of the block last returned carries (predict --keep-columns), or null. */
    public String[] kept(int row) {
        return kept.get(row);
    }

    private int classIndex(double label) {
        Integer c = classOf.get(label + 0.0);
        if (c == null) {
            // RowReader refuses such rows (naming file and line) before they get here.
            throw new IllegalStateException("label " + label + " is not a class of the model");
        }
        return c;
    }
}
