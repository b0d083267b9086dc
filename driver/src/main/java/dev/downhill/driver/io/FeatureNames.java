package dev.downhill.driver.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The names an input gives its features, read on the driver: a CSV header (every column but the label and weight
 * columns), Parquet's --feature-columns or a vector column's attribute names (as VectorAssembler writes them).
 * LIBSVM has none. Train records them in the model; evaluate and predict refuse input whose names differ, since
 * columns in another order would otherwise be scored silently with the wrong weights.
 */
public final class FeatureNames {
    /** CSV files whose header is read and compared; beyond these, files are trusted to share the first's. */
    static final int MAX_HEADERS_CHECKED = 100;

    private FeatureNames() {}

    /** The input's feature names, or null when it names none. */
    public static String[] of(JavaSparkContext jsc, InputFiles files, String format, RowReader.Options o) {
        if ("csv".equals(format)) {
            List<String> header = csvHeader(files, o, jsc.hadoopConfiguration());
            return header == null ? null : csvParser(o).featureNames(header).toArray(new String[0]);
        }
        if ("parquet".equals(format)) {
            return DataFrameRows.parquet(jsc, files, o).featureNames();
        }
        return null;
    }

    static CsvParser csvParser(RowReader.Options o) {
        return new CsvParser(o.csvDelimiter, o.labeled ? o.labelColumn : -1, o.weightColumn, o.csvHeader);
    }

    /**
     * The header's fields (every column) of the CSV files, or null when the first file has none. Files whose
     * header differs from the first file's are refused: their columns would not line up.
     */
    public static List<String> csvHeader(InputFiles files, RowReader.Options o, Configuration conf) {
        CsvParser parser = csvParser(o);
        List<String> paths = files.paths();
        List<String> first = null;
        for (int i = 0; i < Math.min(paths.size(), MAX_HEADERS_CHECKED); i++) {
            List<String> header = parser.headerFields(firstLine(paths.get(i), conf));
            if (i == 0) {
                first = header;
            } else if (first != null && header != null && !first.equals(header)) {
                throw new BadInputException("the header of " + paths.get(i) + " differs from the header of "
                        + paths.get(0) + ": " + firstDifference(first, paths.get(0), header, paths.get(i), "column")
                        + ". Every file must have the same columns in the same order.");
            }
        }
        return first;
    }

    /** Line 1 of a text file (gzip read through its codec), or null for an empty file. */
    private static String firstLine(String path, Configuration conf) {
        Path p = new Path(path);
        try {
            FileSystem fs = p.getFileSystem(conf);
            CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(p);
            try (InputStream raw = fs.open(p);
                 InputStream in = codec == null ? raw : codec.createInputStream(raw);
                 BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line = reader.readLine();
                // A byte-order mark is not part of the first column's name.
                return line != null && line.startsWith("\uFEFF") ? line.substring(1) : line;
            }
        } catch (IOException e) {
            throw new BadInputException("cannot read input " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses input whose feature names differ from the model's (both must name their features; an unnamed side
     * is not checked): the message names the first position that differs and both lists.
     */
    public static void check(String[] model, String modelFile, String[] input, String inputName) {
        if (model == null || input == null || Arrays.equals(model, input)) {
            return;
        }
        throw new BadInputException("the feature columns of " + inputName + " do not match the model's ("
                + "featureNames in " + modelFile + "): " + firstDifference(Arrays.asList(model), "the model",
                Arrays.asList(input), "the input", "feature") + ". The model's features: " + shortList(model)
                + "; the input's: " + shortList(input) + ". Reorder or rename the input's columns to the model's"
                + " (if they are the same data under other names, edit featureNames in the model file).");
    }

    /** Where two lists of names first differ, in words. */
    static String firstDifference(List<String> a, String aName, List<String> b, String bName, String what) {
        for (int j = 0; j < Math.min(a.size(), b.size()); j++) {
            if (!a.get(j).equals(b.get(j))) {
                return what + " " + j + " (0-based) is '" + a.get(j) + "' in " + aName + " but '" + b.get(j) + "' in "
                        + bName;
            }
        }
        return aName + " has " + a.size() + " " + what + "s, " + bName + " " + b.size();
    }

    private static String shortList(String[] names) {
        if (names.length <= 20) {
            return Arrays.toString(names);
        }
        return Arrays.toString(Arrays.copyOf(names, 20)).replace("]", ", ... (" + names.length + " in all)]");
    }
}
