package dev.downhill.driver.io;

import java.io.IOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import scala.Tuple2;

/**
 * Turns one input split's (byte offset, line) records into keyed parsed rows, lazily, skipping blank,
 * comment and header lines. Line numbers are exact when the split starts at the beginning of its file
 * (always, for small and for compressed files); other splits report byte offsets.
 */
final class TextRecords implements Iterator<Tuple2<Long, ParsedRow>> {

    /** Parses one line; returns null to skip it. */
    interface LineParser extends java.io.Serializable {
        ParsedRow parse(String text, String path, long line, long byteOffset, boolean firstLineOfFile);
    }

    private final Iterator<Tuple2<LongWritable, Text>> records;
    private final String path;
    private final int fileIndex;
    private final boolean lineNumbersKnown;
    private final LineParser parser;
    private final boolean skipBad;
    private long line;
    private Tuple2<Long, ParsedRow> next;

    TextRecords(Iterator<Tuple2<LongWritable, Text>> records, String path, int fileIndex, long splitStart,
                LineParser parser, boolean skipBad) {
        this.skipBad = skipBad;
        this.records = records;
        this.path = path;
        this.fileIndex = fileIndex;
        this.lineNumbersKnown = splitStart == 0;
        this.parser = parser;
    }

    @Override
    public boolean hasNext() {
        while (next == null && hasNextRecord()) {
            Tuple2<LongWritable, Text> r = records.next();
            line++;
            long offset = r._1().get();
            // Text is reused by the record reader: decode it now.
            String text = r._2().toString();
            long lineNumber = lineNumbersKnown ? line : -1;
            ParsedRow row;
            try {
                row = parser.parse(text, path, lineNumber, offset, offset == 0);
            } catch (BadInputException e) {
                if (!skipBad) {
                    throw e;
                }
                row = ParsedRow.bad(e, lineNumber);
            }
            if (row != null) {
                next = new Tuple2<>(RowKey.of(fileIndex, offset), row);
            }
        }
        return next != null;
    }

    private boolean hasNextRecord() {
        try {
            return records.hasNext();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // Scala iterators may throw checked IOExceptions (a truncated gzip file, a vanished block).
            if (e instanceof IOException) {
                String where = !lineNumbersKnown ? "" : line == 0 ? " at its start" : " after line " + line;
                throw new BadInputException("cannot read " + path + where
                        + ": " + e.getMessage() + " (is the file truncated or corrupt?)", e);
            }
            throw new IllegalStateException(e);
        }
    }

    @Override
    public Tuple2<Long, ParsedRow> next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Tuple2<Long, ParsedRow> r = next;
        next = null;
        return r;
    }
}
