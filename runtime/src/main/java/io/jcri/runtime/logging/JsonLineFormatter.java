package io.jcri.runtime.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * log_format = "json": one JSON object per event with the text line's fields (time, level,
 * component, pairs).
 */
public final class JsonLineFormatter extends Formatter {
  private static final JsonFactory JSON = new JsonFactory();

  @Override
  public String format(LogRecord r) {
    StringWriter out = new StringWriter(200);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", Instant.ofEpochMilli(r.getMillis()).toString());
      g.writeStringField("level", LineFormatter.levelName(r.getLevel()).strip());
      g.writeStringField("component", LineFormatter.component(r));
      Set<String> seen = new HashSet<>(Set.of("time", "level", "component"));
      for (Map.Entry<String, String> field : EventFields.parse(formatMessage(r))) {
        if (seen.add(field.getKey())) {
          g.writeStringField(field.getKey(), field.getValue());
        }
      }
      if (r.getThrown() != null) {
        StringWriter trace = new StringWriter();
        r.getThrown().printStackTrace(new PrintWriter(trace));
        g.writeStringField("stack", trace.toString());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.append('\n').toString();
  }
}
