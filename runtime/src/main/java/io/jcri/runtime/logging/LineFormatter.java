package io.jcri.runtime.logging;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * log_format = "text": one line per event: time, level, component, then the event's key=value
 * pairs.
 */
public final class LineFormatter extends Formatter {
  @Override
  public String format(LogRecord r) {
    StringBuilder line =
        new StringBuilder(160)
            .append(Instant.ofEpochMilli(r.getMillis()))
            .append(' ')
            .append(levelName(r.getLevel()))
            .append(' ')
            .append(component(r))
            .append(' ')
            .append(formatMessage(r))
            .append('\n');
    if (r.getThrown() != null) {
      StringWriter sw = new StringWriter();
      r.getThrown().printStackTrace(new PrintWriter(sw));
      line.append(sw);
    }
    return line.toString();
  }

  /** The logger's simple class name. */
  static String component(LogRecord r) {
    String name = r.getLoggerName() == null ? "" : r.getLoggerName();
    return name.substring(name.lastIndexOf('.') + 1);
  }

  /** ERROR, WARN, INFO or DEBUG, padded to five characters. */
  static String levelName(Level l) {
    if (l.intValue() >= Level.SEVERE.intValue()) {
      return "ERROR";
    }
    if (l.intValue() >= Level.WARNING.intValue()) {
      return "WARN ";
    }
    return l.intValue() >= Level.INFO.intValue() ? "INFO " : "DEBUG";
  }
}
