package dev.downhill.driver.bench;

import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * When each iteration of ml's L-BFGS ended: breeze logs "Val and Grad Norm: ..." at INFO once per iteration, on
 * the driver thread, right after the evaluation that completes the iteration returned. A Spark job that ended
 * at or before that instant belongs to that iteration or an earlier one; the next evaluation's job starts
 * after it (the driver first computes the next direction and broadcasts it). So the number of the fit's jobs
 * ended by the k-th instant is the passes iterate k took, without knowing how many line-search trials each
 * iteration made. While installed, the breeze.optimize logger goes to this appender only (not the console).
 */
final class BreezeIterationClock extends AbstractAppender implements AutoCloseable {
    private static final String LOGGER = "breeze.optimize";
    private static final String ITERATION_LINE = "Val and Grad Norm";

    private final List<Long> ends = new ArrayList<>();
    private final LoggerContext context;

    private BreezeIterationClock(LoggerContext context) {
        super("downhill-race-breeze-clock", null, null, true, Property.EMPTY_ARRAY);
        this.context = context;
    }

    /** Starts listening; null when log4j 2 core is not the logging implementation (then nothing is recorded). */
    static BreezeIterationClock install() {
        if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
            return null;
        }
        BreezeIterationClock clock = new BreezeIterationClock(context);
        clock.start();
        Configuration config = context.getConfiguration();
        LoggerConfig logger = LoggerConfig.newBuilder().withLoggerName(LOGGER).withLevel(Level.INFO)
                .withAdditivity(false).withConfig(config).build();
        logger.addAppender(clock, Level.INFO, null);
        config.addLogger(LOGGER, logger);
        context.updateLoggers();
        return clock;
    }

    @Override
    public void append(LogEvent event) {
        if (event.getMessage().getFormattedMessage().startsWith(ITERATION_LINE)) {
            long now = System.currentTimeMillis();
            synchronized (ends) {
                ends.add(now);
            }
        }
    }

    /** The wall-clock millisecond at which iteration 1, 2, ... ended. */
    List<Long> iterationEnds() {
        synchronized (ends) {
            return List.copyOf(ends);
        }
    }

    @Override
    public void close() {
        context.getConfiguration().removeLogger(LOGGER);
        context.updateLoggers();
        stop();
    }
}
