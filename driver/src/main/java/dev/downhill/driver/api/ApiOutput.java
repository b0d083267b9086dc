package dev.downhill.driver.api;

import dev.downhill.driver.io.OutputException;
import dev.downhill.driver.io.OutputFolder;
import java.io.PrintStream;
import org.apache.hadoop.conf.Configuration;

/**
 * The command line's output rules for the Java API ({@link OutputFolder#prepareTrain}: the folder's lock, no
 * model replaced without overwrite), with the refusal worded for Java code: the builder's methods, not flags.
 */
final class ApiOutput {
    private ApiOutput() {}

    /**
     * Checks and locks {@code dir} for a train or a save; {@code overwriteCall} is what the caller writes to
     * replace an earlier model ("overwrite(true)", "save(dir, true)"). Refusals are {@link OutputException}s
     * naming the folder (and, when another run holds it, the lock file and that run).
     */
    static OutputFolder.TrainOutput prepare(String dir, boolean resume, boolean overwrite, Configuration conf,
                                           PrintStream out, String overwriteCall, boolean resumable) {
        try {
            return OutputFolder.prepareTrain(dir, resume, overwrite, conf, out);
        } catch (OutputException e) {
            String m = e.getMessage();
            if (!resumable) {
                m = m.replace(", --resume to continue the earlier run,", ",");
            }
            // The same refusal as the command line's, in the names a Java caller uses.
            m = m.replace("Pass --overwrite", "Use " + overwriteCall).replace("--resume", "resume(true)")
                    .replace("another --output", "another output folder").replace("--output ", "output folder ");
            throw OutputException.refused(m, e);
        }
    }
}
