package dev.downhill.driver.export;

import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import dev.downhill.driver.train.ModelFile;
import dev.downhill.driver.train.TrainingResult;
import dev.downhill.driver.io.OutputException;
import dev.downhill.driver.io.OutputFiles;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * {@code downhill export --model DIR --format onnx --output FILE}: writes a trained model in another format. Only
 * ONNX so far ({@link OnnxExport}). It reads MODEL/model.json and model.safetensors and writes FILE through Hadoop's
 * FileSystem API (any Hadoop path), without starting Spark. An existing FILE is refused unless --overwrite.
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

    /**
     * Refuses an --output export must not write, naming it ({@link OutputException}, exit 2): a folder, a path under
     * a file, a folder this user cannot write (local paths), or an existing file without --overwrite.
     */
    public static void checkOutput(Settings s, Configuration conf) {
        Path output = new Path(s.require("output"));
        try {
            FileSystem fs = OutputFiles.plain(output, conf);
            Path file = fs.makeQualified(output);
            for (Path p = file; p != null; p = p.getParent()) {
                FileStatus status;
                try {
                    status = fs.getFileStatus(p);
                } catch (FileNotFoundException e) {
                    continue;
                }
                if (p.equals(file) && status.isDirectory()) {
                    throw OutputException.refused("--output " + file + " is a folder; export writes a file.");
                }
                if (p.equals(file) && !s.getBoolean("overwrite")) {
                    throw OutputException.refused("--output " + file + " already exists; export writes a new file."
                            + " Choose another path, remove it, or give --overwrite to replace it.");
                }
                if (!p.equals(file) && !status.isDirectory()) {
                    throw OutputException.refused("--output " + file + " cannot be created: " + p + " is a file,"
                            + " not a folder.");
                }
                if (!p.equals(file)) {
                    if (fs instanceof RawLocalFileSystem local
                            && !Files.isWritable(local.pathToFile(p).toPath())) {
                        throw OutputException.refused("--output " + file + " cannot be written: its folder " + p
                                + " is not writable (permissions, or a read-only file system).");
                    }
                    return;
                }
            }
        } catch (IOException e) {
            throw OutputException.refused("--output " + output + " cannot be checked: " + e.getMessage(), e);
        }
    }

    /** Reads the model, writes FILE and returns its full path. */
    public String run(Configuration conf) {
        String modelDir = settings.require("model");
        TrainingResult model = ModelFile.load(modelDir, conf);
        byte[] bytes = OnnxExport.toBytes(model.objective, model.architecture, model.classLabels, model.parameters,
                version());
        // temporary name, then renamed over the target: no reader sees half a file; a failure is exit 6
        String written = OutputFiles.write(new Path(settings.require("output")), bytes, conf).toString();
        out.println("ONNX model (opset " + OnnxExport.OPSET + ") written to " + written + ": input "
                + OnnxExport.INPUT + " float64 [" + OnnxExport.BATCH + ", " + model.numFeatures + "], output "
                + OnnxExport.outputName(model.objective) + " float64 [" + OnnxExport.BATCH + ", "
                + model.numOutputs + "]");
        return written;
    }

    private static String version() {
        String v = ExportCommand.class.getPackage().getImplementationVersion();
        return v == null ? "" : v;
    }
}
