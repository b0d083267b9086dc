package dev.downhill.driver.predict;

import dev.downhill.core.data.DataBlock;
import dev.downhill.core.model.Predictor;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

/**
 * The output rows of one partition, made block by block as they are written: (the input columns kept, label when
 * the input has labels, prediction, scores). The prediction speaks the data's labels: class k is written as the model's
 * classLabels[k] (so -1/+1 data gets -1/+1 predictions); least squares writes its value. Scores are the
 * logistic probability of the positive class, the hinge decision value, the least-squares value, or the K
 * softmax probabilities (K columns, or one array when {@code scoreArray}).
 */
final class PredictedRows implements Iterator<Row> {
    private final Iterator<DataBlock> blocks;
    private final Predictor predictor;
    private final double[] classLabels;
    private final boolean labeled;
    private final boolean scoreArray;
    /** Counts the rows made. */
    private final LongAccumulator count;
    private DataBlock block;
    private int row;
    /** Input columns copied before the predictions (--keep-columns): how many, and each row's, by row of block. */
    private int keptColumns;
    private java.util.function.IntFunction<String[]> kept;

    PredictedRows(Iterator<DataBlock> blocks, Predictor predictor, double[] classLabels, boolean labeled,
                  boolean scoreArray, LongAccumulator count) {
        this.count = count;
        this.blocks = blocks;
        this.predictor = predictor;
        this.classLabels = classLabels;
        this.labeled = labeled;
        this.scoreArray = scoreArray;
    }

    /** Starts every row with {@code columns} input columns, {@code kept(i)} of row i of the current block. */
    PredictedRows keeping(int columns, java.util.function.IntFunction<String[]> keptOfRow) {
        this.keptColumns = columns;
        this.kept = keptOfRow;
        return this;
    }

    @Override
    public boolean hasNext() {
        while ((block == null || row >= block.numRows()) && blocks.hasNext()) {
            block = blocks.next();
            predictor.predict(block);
            row = 0;
        }
        return block != null && row < block.numRows();
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int i = row++;
        count.add(1);
        int k = predictor.numScores();
        Object[] values = new Object[keptColumns + (labeled ? 1 : 0) + 1 + (scoreArray ? 1 : k)];
        int c = 0;
        if (keptColumns > 0) {
            String[] carried = kept.apply(i);
            System.arraycopy(carried, 0, values, 0, keptColumns);
            c = keptColumns;
        }
        if (labeled) {
            values[c++] = block.label(i);
        }
        values[c++] = predictor.isClassifier() ? classLabels[predictor.predictedClass(i)] : predictor.predictedValue(i);
        if (scoreArray) {
            double[] scores = new double[k];
            for (int j = 0; j < k; j++) {
                scores[j] = predictor.score(i, j);
            }
            values[c] = scores;
        } else {
            for (int j = 0; j < k; j++) {
                values[c++] = predictor.score(i, j);
            }
        }
        return RowFactory.create(values);
    }
}
