package io.jcri.runtime.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class JsonLineFormatterTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static LogRecord record(Level level, String message) {
    LogRecord r = new LogRecord(level, message);
    r.setLoggerName("io.jcri.runtime.sandbox.SandboxOrchestrator");
    r.setMillis(1_700_000_000_123L);
    return r;
  }

  @Test
  void anEventIsOneObjectWithTheTextLinesFields() throws Exception {
    LogRecord r =
        record(
            Level.WARNING,
            "event=pod_stop_failed pod=abc123 error=\"runc said \"no\" twice\" ms=12");
    String json = new JsonLineFormatter().format(r);
    String text = new LineFormatter().format(r);
    assertTrue(json.endsWith("}\n") && json.indexOf('\n') == json.length() - 1, json);
    JsonNode n = JSON.readTree(json);
    assertEquals("2023-11-14T22:13:20.123Z", n.get("time").asText());
    assertEquals("WARN", n.get("level").asText());
    assertEquals("SandboxOrchestrator", n.get("component").asText());
    assertEquals("pod_stop_failed", n.get("event").asText());
    assertEquals("abc123", n.get("pod").asText());
    assertEquals("runc said \"no\" twice", n.get("error").asText());
    assertEquals("12", n.get("ms").asText());
    assertEquals(
        "2023-11-14T22:13:20.123Z WARN  SandboxOrchestrator " + r.getMessage() + "\n", text);
  }

  @Test
  void wordsThatAreNoPairGoToMsg() {
    assertEquals(
        List.of(Map.entry("event", "x"), Map.entry("msg", "hello world")),
        EventFields.parse("hello event=x world"));
    assertEquals(
        List.of(Map.entry("path", ""), Map.entry("a", "b c")),
        EventFields.parse("path= a=\"b c\""));
  }

  @Test
  void aThrowableBecomesTheStackField() throws Exception {
    LogRecord r = record(Level.SEVERE, "event=boom");
    r.setThrown(new IllegalStateException("bad"));
    JsonNode n = JSON.readTree(new JsonLineFormatter().format(r));
    assertEquals("ERROR", n.get("level").asText());
    assertTrue(
        n.get("stack").asText().startsWith("java.lang.IllegalStateException: bad"), n.toString());
  }
}
