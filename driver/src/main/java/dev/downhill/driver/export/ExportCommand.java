package dev.downhill.driver.export;

import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import dev.downhill.driver.train.ModelFile;
import dev.downhill.driver.train.TrainingResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * {@code downhill export --model DIR --format onnx --output FILE}: writes a trained model in another format. Only
 * ONNX so far ({@link OnnxExport}). It reads MODEL/model.json and model.safetensors and writes FILE through Hadoop's
 * FileSystem API (any Hadoop path), without starting Spark. An existing FILE is refused: export writes a new file.
 */
public final class ExportCommand {
    /** The formats export writes; "auto" (the --format default, shared with the input formats) means onnx. */
    public static final String ONNX = "onnx";

    private final Settings settings;
    private final PrintStream out;

    public ExportCommand(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    /** Checks the settings before anything is read: --model, --output and the format. */
    public static void validate(Settings s) {
        s.require("model");
        s.require("output");
        String format = s.get("format");
        if (!ONNX.equals(format) && !Settings.AUTO.equals(format)) {
            throw new SettingsException("--format " + format + " is an input format; export writes --format "
                    + ONNX + " (the only export format).");
        }
    }

    /** Refuses an --output that already exists (a file, or a folder), naming it. */
    public static void checkOutputIsNew(Settings s, Configuration conf) {
        Path output = new Path(s.require("output"));
        FileSystem fs;
        boolean exists;
        try {
            fs = output.getFileSystem(conf);
            exists = fs.exists(output);
        } catch (IOException | RuntimeException e) {
            throw new SettingsException("--output " + output + " cannot be checked: " + e.getMessage());
        }
        if (exists) {
            throw new SettingsException("--output " + fs.makeQualified(output) + " already exists; export writes a"
                    + " new file. Choose another path or remove it.");
        }
    }

    /** Reads the model, writes FILE and returns its full path. */
    public String run(Configuration conf) {
        String modelDir = settings.require("model");
        TrainingResult model = ModelFile.load(modelDir, conf);
        byte[] bytes = OnnxExport.toBytes(model.objective, model.architecture, model.classLabels, model.parameters,
                version());
        String written = write(new Path(settings.require("output")), bytes, conf);
        out.println("ONNX model (opset " + OnnxExport.OPSET + ") written to " + written + ": input "
                + OnnxExport.INPUT + " float64 [" + OnnxExport.BATCH + ", " + model.numFeatures + "], output "
                + OnnxExport.outputName(model.objective) + " float64 [" + OnnxExport.BATCH + ", "
                + model.numOutputs + "]");
        return written;
    }

    /**
     * Writes to a hidden temporary name beside the target, then renames it, so no reader sees half a file. A path
     * that cannot be written is a bad --output (a {@link SettingsException} naming it), not a crash.
     */
    static String write(Path target, byte[] bytes, Configuration conf) {
        Path qualified = target;
        try {
            FileSystem fs = target.getFileSystem(conf);
            qualified = fs.makeQualified(target);
            Path tmp = new Path(qualified.getParent(), "." + qualified.getName() + ".tmp");
            try (OutputStream o = fs.create(tmp, true)) {
                o.write(bytes);
            }
            if (fs.exists(qualified)) { // created since the check: never replace it
                fs.delete(tmp, false);
                throw new SettingsException("--output " + qualified + " already exists; export writes a new file.");
            }
            if (!fs.rename(tmp, qualified)) {
                fs.delete(tmp, false);
                throw new IOException("renaming " + tmp + " to it failed");
            }
            return qualified.toString();
        } catch (IOException e) {
            throw new SettingsException("cannot write --output " + qualified + ": " + e.getMessage());
        }
    }

    private static String version() {
        String v = ExportCommand.class.getPackage().getImplementationVersion();
        return v == null ? "" : v;
    }
}
