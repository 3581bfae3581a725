package io.jcri.runtime;

import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** One line per event on stderr: time, level, component, then the event's key=value pairs. */
final class LogSetup {
  private LogSetup() {}

  static void configure(String level) {
    if (LogManager.getLogManager() instanceof DaemonLogManager daemon) {
      daemon.resetForConfiguration();
    } else {
      LogManager.getLogManager().reset();
    }
    Logger root = Logger.getLogger("");
    Level jul = switch (level) {
      case "error" -> Level.SEVERE;
      case "warn" -> Level.WARNING;
      case "debug" -> Level.FINE;
      default -> Level.INFO;
    };
    root.setLevel(jul);
    ConsoleHandler handler = new ConsoleHandler();
    handler.setLevel(jul);
    handler.setFormatter(new LineFormatter());
    root.addHandler(handler);
    // grpc-netty sets SO_KEEPALIVE on every accepted Unix socket, which Netty rejects with a WARN each time.
    Logger.getLogger("io.netty.bootstrap").setLevel(Level.SEVERE);
    // grpc's INFO lines (transport details) only at debug
    Logger.getLogger("io.grpc").setLevel(jul.intValue() < Level.INFO.intValue() ? Level.INFO
        : jul.intValue() > Level.WARNING.intValue() ? jul : Level.WARNING);
    Logger.getLogger("io.netty").setLevel(Level.WARNING);
    Logger.getLogger("com.sun.jna").setLevel(Level.INFO);
    Logger.getLogger("java.lang.ProcessBuilder").setLevel(Level.INFO);
  }

  private static final class LineFormatter extends Formatter {
    @Override
    public String format(LogRecord r) {
      String name = r.getLoggerName() == null ? "" : r.getLoggerName();
      StringBuilder line = new StringBuilder(160)
          .append(Instant.ofEpochMilli(r.getMillis())).append(' ')
          .append(levelName(r.getLevel())).append(' ')
          .append(name.substring(name.lastIndexOf('.') + 1)).append(' ')
          .append(formatMessage(r)).append('\n');
      if (r.getThrown() != null) {
        java.io.StringWriter sw = new java.io.StringWriter();
        r.getThrown().printStackTrace(new java.io.PrintWriter(sw));
        line.append(sw);
      }
      return line.toString();
    }

    private static String levelName(Level l) {
      if (l.intValue() >= Level.SEVERE.intValue()) {
        return "ERROR";
      }
      if (l.intValue() >= Level.WARNING.intValue()) {
        return "WARN ";
      }
      return l.intValue() >= Level.INFO.intValue() ? "INFO " : "DEBUG";
    }
  }
}
