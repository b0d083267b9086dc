package dev.downhill.driver;

import dev.downhill.core.custom.CustomModelException;
import dev.downhill.driver.checkpoint.ResumeRefusedException;
import dev.downhill.driver.evaluate.EvaluateCommand;
import dev.downhill.driver.export.ExportCommand;
import dev.downhill.driver.io.BadInputException;
import dev.downhill.driver.io.OutputException;
import dev.downhill.driver.io.OutputFolder;
import dev.downhill.driver.predict.PredictCommand;
import dev.downhill.driver.settings.Settings;
import dev.downhill.driver.settings.SettingsException;
import dev.downhill.driver.spark.DownhillSpark;
import dev.downhill.driver.spark.DriverMemory;
import dev.downhill.driver.train.DivergedException;
import dev.downhill.driver.train.GradientCheckException;
import dev.downhill.driver.train.ModelJars;
import dev.downhill.driver.train.ModelFile;
import dev.downhill.driver.train.TrainCommand;
import dev.downhill.driver.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The command line: {@code downhill COMMAND [--key value ...]}. Settings are checked before Spark starts;
 * every failure ends in one message on stderr and an exit code from {@link ExitCode}.
 */
public final class Downhill {
    private Downhill() {}

    public static void main(String[] args) {
        Interrupt.install(args);
        // Spark's own threads (task results, broadcasts) can run out of memory too; that thread dies and the job
        // waits forever for it. End the run with train's message instead (the last checkpoint is whole: renamed
        // into place only once written). Not in run(): the Java API must not halt its caller's JVM.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof OutOfMemoryError) {
                System.err.println("downhill: error: the driver ran out of memory in Spark's thread " + thread.getName()
                        + " (" + e.getMessage() + "): " + DriverMemory.advice(0) + ".");
                System.err.flush();
                Runtime.getRuntime().halt(ExitCode.INTERNAL);
            }
            System.err.print("Exception in thread \"" + thread.getName() + "\" "); // as the JVM's own handler
            e.printStackTrace(System.err);
        });
        int code = run(args, System.out, System.err);
        if (code != ExitCode.OK) {
            System.exit(code);
        }
    }

    static final String USAGE = String.join("\n",
            "usage: downhill COMMAND [--key value ...]",
            "",
            "commands:",
            "  train     train a model: --input PATH --objective logistic|least-squares|softmax|hinge --output DIR",
            "  evaluate  score a model on labeled data: --model DIR --input PATH [--output FILE]",
            "            (metrics as a table, and as JSON in FILE, default DIR/evaluation.json)",
            "  predict   apply a model to data: --model DIR --input PATH --output DIR [--output-format csv|parquet]",
            "  export    write a model as ONNX: --model DIR --format onnx --output FILE (no Spark)",
            "  config    print every setting with its default (the text of conf/downhill.properties)",
            "  help      this text; 'downhill COMMAND --help' lists the settings a command reads",
            "");

    /** The first line of each command's --help. */
    private static final Map<String, String> COMMAND_USAGE = Map.of(
            Settings.TRAIN, "usage: downhill train --input PATH --objective NAME --output DIR [--key value ...]",
            Settings.EVALUATE, "usage: downhill evaluate --model DIR --input PATH [--output FILE] [--key value ...]\n"
                    + "Prints the model's metrics on the data and writes them as JSON to FILE"
                    + " (default DIR/evaluation.json).",
            Settings.PREDICT, "usage: downhill predict --model DIR --input PATH --output DIR"
                    + " [--output-format csv|parquet] [--key value ...]\n"
                    + "Writes label (when the input has labels), prediction and score for every input row.",
            Settings.EXPORT, "usage: downhill export --model DIR --format onnx --output FILE\n"
                    + "Writes the model as an ONNX graph (opset " + dev.downhill.driver.export.OnnxExport.OPSET
                    + "): input features float64 [N, d], output the scores predict writes.");

    /** Runs a command and returns its exit code; never calls System.exit. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return ExitCode.BAD_SETTINGS;
        }
        String command = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        switch (command) {
            case "help":
            case "--help":
            case "-h":
                out.print(USAGE);
                return ExitCode.OK;
            case "config":
                out.print(Settings.renderProperties());
                return ExitCode.OK;
            case Settings.TRAIN:
            case Settings.EVALUATE:
            case Settings.PREDICT:
            case Settings.EXPORT:
                if (rest.contains("--help") || rest.contains("-h")) {
                    out.print(COMMAND_USAGE.get(command) + "\n\nsettings:\n" + Settings.renderHelp(command));
                    return ExitCode.OK;
                }
                return Settings.EXPORT.equals(command) ? export(rest, out, err) : execute(command, rest, out, err);
            default:
                err.println("downhill: error: unknown command '" + command + "'.");
                err.print(USAGE);
                return ExitCode.BAD_SETTINGS;
        }
    }

    private static int execute(String command, List<String> args, PrintStream out, PrintStream err) {
        Settings settings;
        // The output's checks and train's lock: before Spark starts where the path is local, else once Spark's
        // Hadoop settings are there. Released however the command ends (the lock also on Ctrl-C).
        OutputFolder.TrainOutput trainOutput = null;
        boolean outputChecked = false;
        ModelJars jars = null;
        try {
            settings = Settings.parse(command, args);
            jars = ModelJars.install(settings); // --jars: a --model-class model's classes, before it is looked up
            switch (command) {
                case Settings.TRAIN:
                    TrainCommand.validate(settings);
                    break;
                case Settings.EVALUATE:
                    EvaluateCommand.validate(settings);
                    break;
                case Settings.PREDICT:
                    PredictCommand.validate(settings);
                    PredictCommand.checkOutputIsNew(settings);
                    break;
                default:
                    throw new AssertionError(command);
            }
            if (OutputFolder.isLocal(outputPath(command, settings))) {
                trainOutput = checkOutput(command, settings, new Configuration(), out);
                outputChecked = true;
            }
        } catch (SettingsException | IllegalArgumentException e) {
            closeJars(jars);
            err.println("downhill: error: " + e.getMessage());
            return ExitCode.BAD_SETTINGS;
        } catch (OutputException e) {
            closeJars(jars);
            err.println("downhill: error: " + e.getMessage());
            return e.exitCode();
        } catch (IOException e) {
            closeJars(jars);
            err.println("downhill: error: --output cannot be checked: " + e.getMessage());
            return ExitCode.BAD_SETTINGS;
        }
        boolean ownSession = SparkSession.getActiveSession().isEmpty();
        SparkSession spark = null;
        try {
            spark = DownhillSpark.start("Downhill " + command, settings.get("master"),
                    args.contains("--master") || args.stream().anyMatch(a -> a.startsWith("--master=")));
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            jars.addTo(jsc);
            if (!outputChecked) {
                trainOutput = checkOutput(command, settings, jsc.hadoopConfiguration(), out);
            }
            switch (command) {
                case Settings.TRAIN: {
                    // The model comes first: the report and the final checkpoint follow it (finishAfterModel).
                    TrainCommand train = new TrainCommand(settings, out).finishLater();
                    TrainingResult result = train.run(jsc);
                    String path = ModelFile.save(settings.require("output"), result,
                            jsc.hadoopConfiguration());
                    out.println("model written to " + path);
                    trainOutput.modelWritten(jsc.hadoopConfiguration(), out);
                    train.finishAfterModel(jsc);
                    break;
                }
                case Settings.EVALUATE:
                    new EvaluateCommand(settings, out).run(jsc);
                    break;
                case Settings.PREDICT:
                    new PredictCommand(settings, out).run(spark);
                    break;
                default:
                    throw new AssertionError(command);
            }
            return ExitCode.OK;
        } catch (Throwable t) {
            return report(t, err);
        } finally {
            if (trainOutput != null) {
                trainOutput.close();
            }
            if (spark != null && ownSession) {
                spark.stop();
            }
            closeJars(jars);
        }
    }

    /** Restores the context class loader --jars replaced (null: none was installed). */
    private static void closeJars(ModelJars jars) {
        if (jars != null) {
            jars.close();
        }
    }

    /** export: no Spark, only Hadoop's FileSystem API to read the model and write the file. */
    private static int export(List<String> args, PrintStream out, PrintStream err) {
        Settings settings;
        Configuration conf = new Configuration();
        ModelJars jars = null;
        try {
            settings = Settings.parse(Settings.EXPORT, args);
            jars = ModelJars.install(settings); // a --model-class model's class, so it is refused by name
            ExportCommand.validate(settings);
            ExportCommand.checkOutput(settings, conf);
            new ExportCommand(settings, out).run(conf);
            return ExitCode.OK;
        } catch (SettingsException | IllegalArgumentException e) {
            err.println("downhill: error: " + e.getMessage());
            return ExitCode.BAD_SETTINGS;
        } catch (OutputException e) {
            err.println("downhill: error: " + e.getMessage());
            return e.exitCode();
        } catch (Throwable t) {
            return report(t, err);
        } finally {
            closeJars(jars);
        }
    }

    /** The path a command writes: train's and predict's --output folder, evaluate's report file. */
    private static String outputPath(String command, Settings settings) {
        if (Settings.EVALUATE.equals(command)) {
            return settings.isGiven("output") ? settings.get("output")
                    : new Path(new Path(settings.require("model")), EvaluateCommand.DEFAULT_REPORT).toString();
        }
        return settings.require("output");
    }

    /** Refuses an output the command must not write (OutputException); for train, takes the folder's lock. */
    private static OutputFolder.TrainOutput checkOutput(String command, Settings settings, Configuration conf,
                                                        PrintStream out) throws IOException {
        switch (command) {
            case Settings.TRAIN:
                return OutputFolder.prepareTrain(settings.require("output"), settings.getBoolean("resume"),
                        settings.getBoolean("overwrite"), conf, out);
            case Settings.EVALUATE:
                OutputFolder.checkEvaluateOutput(EvaluateCommand.reportPath(settings, conf), conf);
                return null;
            default:
                OutputFolder.checkNewFolder(settings.require("output"), conf);
                return null;
        }
    }

    /** Spark's failure when a local-checkpointed block is gone from every executor that held it. */
    private static boolean lostSlices(Throwable t) {
        String m = t.getMessage();
        return m != null && m.contains("Checkpoint block") && m.contains("not found");
    }

    private static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /**
     * Maps a failure to its message (one line; a stack trace only for internal errors) and exit code; Spark wraps
     * task failures, so look through causes.
     */
    public static int report(Throwable t, PrintStream err) {
        if (Interrupt.happened()) {
            return ExitCode.INTERRUPTED; // Ctrl-C: its handler printed the one line; Spark's failure is its echo
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof BadInputException) {
                err.println("downhill: error: " + c.getMessage());
                return ExitCode.BAD_INPUT;
            }
            if (c instanceof DivergedException) {
                err.println("downhill: error: " + c.getMessage());
                return ExitCode.DIVERGED;
            }
            if (c instanceof CustomModelException m) {
                err.println("downhill: error: " + c.getMessage());
                return m.kind() == CustomModelException.Kind.THREW_ON_DATA ? ExitCode.BAD_INPUT : ExitCode.BAD_SETTINGS;
            }
            if (c instanceof GradientCheckException) {
                err.println("downhill: error: " + c.getMessage());
                return ExitCode.BAD_SETTINGS;
            }
            if (c instanceof OutputException o) {
                err.println("downhill: error: " + c.getMessage());
                return o.exitCode();
            }
            if (c instanceof ResumeRefusedException) {
                err.println("downhill: error: " + c.getMessage());
                return ExitCode.REFUSED_RESUME;
            }
            if (c instanceof SettingsException) {
                // A setting that only the data can show to be unusable (found after Spark started).
                err.println("downhill: error: " + c.getMessage());
                return ExitCode.BAD_SETTINGS;
            }
            if (c instanceof OutOfMemoryError) {
                err.println("downhill: error: the driver ran out of memory (" + c.getMessage() + "): "
                        + DriverMemory.advice(0) + ".");
                return ExitCode.INTERNAL;
            }
            if (lostSlices(c)) {
                err.println("downhill: error: the executors holding every copy of some parameter slices were lost"
                        + " (a sharded run keeps each slice on --slice-copies executors, 2 by default); run the same"
                        + " command with --resume to continue from the last checkpoint ("
                        + BadInputException.printable(firstLine(c)) + ")");
                return ExitCode.INTERNAL;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        err.println("downhill: internal error: " + BadInputException.printable(String.valueOf(t)));
        t.printStackTrace(err);
        return ExitCode.INTERNAL;
    }
}
