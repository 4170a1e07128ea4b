package io.viewkeeper.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * A node process logs to the console (logback.xml) and, by default, to a rolling file in {@code dataDir/logs}:
 * one line per event with an ISO-8601 time, rolled daily and at 64 MB, seven days and 1 GB kept. The file appender
 * is added when the node starts because its directory comes from the node's config.
 */
public final class LogFiles {
    public static final String FILE_NAME = "viewkeeper.log";
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{36} - %msg%n";
    private static final String APPENDER_NAME = "FILE";

    private LogFiles() {
    }

    /**
     * Adds the rolling file appender under {@code logDir} to the root logger, replacing one added before.
     *
     * @return the appender, to {@link #remove} it; null when the logging backend is not logback
     */
    public static RollingFileAppender<ILoggingEvent> install(Path logDir) throws IOException {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return null;
        }
        Files.createDirectories(logDir);
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(context);
        appender.setName(APPENDER_NAME);
        appender.setFile(logDir.resolve(FILE_NAME).toString());
        SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
        policy.setContext(context);
        policy.setParent(appender);
        policy.setFileNamePattern(logDir.resolve("viewkeeper.%d{yyyy-MM-dd}.%i.log.gz").toString());
        policy.setMaxFileSize(FileSize.valueOf("64MB"));
        policy.setMaxHistory(7);
        policy.setTotalSizeCap(FileSize.valueOf("1GB"));
        policy.start();
        appender.setRollingPolicy(policy);
        appender.setEncoder(encoder);
        appender.start();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(APPENDER_NAME);
        root.addAppender(appender);
        return appender;
    }

    /** Detaches and stops an appender {@link #install} added. */
    public static void remove(RollingFileAppender<ILoggingEvent> appender) {
        if (appender != null && LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(appender);
            appender.stop();
        }
    }
}
