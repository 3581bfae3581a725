package io.jcri.runtime.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads of the keys of one parsed TOML file: each read records its key as known, a value of
 * the wrong type is an error naming the key and its line, and {@link #rejectUnknown} refuses every
 * key that was never read.
 */
final class TomlKeys {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  private final Path file;
  private final List<String> lines;
  private final Set<String> known = new HashSet<>();

  TomlKeys(Path file, List<String> lines) {
    this.file = file;
    this.lines = lines;
  }

  JsonNode table(JsonNode parent, String key) throws ConfigException {
    String leaf = leaf(key);
    known.add(key);
    JsonNode n = parent.get(leaf);
    if (n == null) {
      return null;
    }
    if (!n.isObject()) {
      throw error(key, "must be a table");
    }
    return n;
  }

  String string(JsonNode parent, String key, String dflt) throws ConfigException {
    known.add(key);
    JsonNode n = parent.get(leaf(key));
    if (n == null) {
      return dflt;
    }
    if (!n.isTextual()) {
      throw error(key, "must be a string");
    }
    return n.asText();
  }

  Path path(JsonNode parent, String key, Path dflt) throws ConfigException {
    String s = string(parent, key, dflt == null ? null : dflt.toString());
    if (s == null || s.isEmpty()) {
      return null;
    }
    return Path.of(s);
  }

  boolean bool(JsonNode parent, String key, boolean dflt) throws ConfigException {
    known.add(key);
    JsonNode n = parent.get(leaf(key));
    if (n == null) {
      return dflt;
    }
    if (!n.isBoolean()) {
      throw error(key, "must be true or false");
    }
    return n.asBoolean();
  }

  long integer(JsonNode parent, String key, long dflt, long min, long max) throws ConfigException {
    known.add(key);
    JsonNode n = parent.get(leaf(key));
    if (n == null) {
      return dflt;
    }
    if (!n.isIntegralNumber() || n.asLong() < min || n.asLong() > max) {
      throw error(key, "must be an integer from " + min + " to " + max);
    }
    return n.asLong();
  }

  Duration duration(JsonNode parent, String key, Duration dflt) throws ConfigException {
    String s = string(parent, key, null);
    if (s == null) {
      return dflt;
    }
    Matcher m = DURATION.matcher(s);
    if (!m.matches()) {
      throw error(key, "\"" + s + "\" is not a duration like \"500ms\", \"30s\", \"2m\" or \"1h\"");
    }
    long v = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(v);
      case "s" -> Duration.ofSeconds(v);
      case "m" -> Duration.ofMinutes(v);
      default -> Duration.ofHours(v);
    };
  }

  <T> List<T> list(JsonNode parent, String key, List<T> dflt, Function<String, T> convert)
      throws ConfigException {
    known.add(key);
    JsonNode n = parent.get(leaf(key));
    if (n == null) {
      return dflt;
    }
    if (!n.isArray()) {
      throw error(key, "must be an array of strings");
    }
    List<T> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw error(key, "must be an array of strings");
      }
      try {
        out.add(convert.apply(e.asText()));
      } catch (IllegalArgumentException ex) {
        throw error(key, ex.getMessage());
      }
    }
    return List.copyOf(out);
  }

  void rejectUnknown(JsonNode node, String prefix) throws ConfigException {
    for (var e : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
      String key = prefix + (prefix.equals("registries.") ? "\"" + e.getKey() + "\"" : e.getKey());
      if (!known.contains(key)) {
        throw error(key, "unknown key (see `jcrid config default` for every key)");
      }
      if (e.getValue() instanceof ObjectNode) {
        rejectUnknown(e.getValue(), key + ".");
      }
    }
  }

  private static String leaf(String key) {
    if (key.endsWith("\"")) {
      int open = key.lastIndexOf('"', key.length() - 2);
      return key.substring(open + 1, key.length() - 1);
    }
    return key.substring(key.lastIndexOf('.') + 1);
  }

  ConfigException error(String key, String problem) {
    int line = lineOf(key);
    return new ConfigException(
        file + (line > 0 ? ":" + line : "") + ": key " + key + ": " + problem);
  }

  /** The line that sets key: a `name =` line inside the key's table, or the table header itself. */
  private int lineOf(String key) {
    String leaf = leaf(key);
    String table =
        key.length() > leaf.length() + (key.endsWith("\"") ? 2 : 0)
            ? key.substring(0, key.length() - leaf.length() - (key.endsWith("\"") ? 3 : 1))
            : "";
    String current = "";
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).strip();
      if (l.startsWith("[")) {
        current = l.replaceAll("^\\[+|\\]+$", "").strip();
        if (current.equals(key)) {
          return i + 1;
        }
      } else if (current.equals(table) && l.matches("\"?" + Pattern.quote(leaf) + "\"?\\s*=.*")) {
        return i + 1;
      }
    }
    return -1;
  }
}
