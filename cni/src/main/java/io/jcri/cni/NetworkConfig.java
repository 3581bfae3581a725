package io.jcri.cni;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One CNI network as a plugin list. A single-plugin .conf is wrapped into a list, so the rest of
 * the module sees one shape. {@code list} is the normalised JSON, which is what the result cache
 * keeps so that DEL runs with the config ADD used.
 */
record NetworkConfig(
    String name,
    String cniVersion,
    boolean disableCheck,
    List<ObjectNode> plugins,
    ObjectNode list,
    Path source) {
  // the spec's rule; it also keeps the name safe inside a cache file name
  private static final Pattern VALID_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");

  /**
   * Parses a .conflist, or a .conf/.json single-plugin config; throws with the reason when invalid.
   */
  static NetworkConfig parse(Path file, byte[] content) throws IOException {
    JsonNode json;
    try {
      json = Json.MAPPER.readTree(content);
    } catch (JsonProcessingException e) {
      throw new IOException("not valid JSON: " + e.getOriginalMessage());
    }
    if (!(json instanceof ObjectNode obj)) {
      throw new IOException("not a JSON object");
    }
    boolean isList = file.getFileName().toString().endsWith(".conflist");
    return fromList(isList ? obj : wrap(obj), file);
  }

  /** Validates a plugin list (from a file or from the result cache). */
  static NetworkConfig fromList(ObjectNode list, Path source) throws IOException {
    String name = list.path("name").asText("");
    if (!VALID_NAME.matcher(name).matches()) {
      throw new IOException("invalid network name \"" + name + "\"");
    }
    String version = list.path("cniVersion").asText("");
    if (version.isEmpty()) {
      throw new IOException("network " + name + ": no cniVersion");
    }
    if (!(list.get("plugins") instanceof ArrayNode array) || array.isEmpty()) {
      throw new IOException("network " + name + ": no plugins");
    }
    List<ObjectNode> plugins = new ArrayList<>();
    for (JsonNode plugin : array) {
      if (!(plugin instanceof ObjectNode p) || p.path("type").asText("").isEmpty()) {
        throw new IOException("network " + name + ": a plugin has no type");
      }
      if (p.path("type").asText().contains("/")) {
        throw new IOException(
            "network " + name + ": plugin type may not be a path: " + p.path("type").asText());
      }
      plugins.add(p);
    }
    return new NetworkConfig(
        name,
        version,
        list.path("disableCheck").asBoolean(false),
        List.copyOf(plugins),
        list,
        source);
  }

  private static ObjectNode wrap(ObjectNode conf) {
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.set("cniVersion", conf.get("cniVersion"));
    list.set("name", conf.get("name"));
    if (conf.has("disableCheck")) {
      list.set("disableCheck", conf.get("disableCheck"));
    }
    list.putArray("plugins").add(conf);
    return list;
  }

  /**
   * The stdin of one plugin in this list: its own config plus the list's name and version, the
   * runtimeConfig entries it declares as capabilities, and the previous result when there is one.
   */
  byte[] pluginInput(ObjectNode plugin, ObjectNode capabilityArgs, JsonNode prevResult)
      throws IOException {
    ObjectNode input = plugin.deepCopy();
    input.put("cniVersion", cniVersion);
    input.put("name", name);
    ObjectNode runtimeConfig = Json.MAPPER.createObjectNode();
    JsonNode declared = plugin.path("capabilities");
    capabilityArgs
        .properties()
        .forEach(
            arg -> {
              if (declared.path(arg.getKey()).asBoolean(false)) {
                runtimeConfig.set(arg.getKey(), arg.getValue());
              }
            });
    if (!runtimeConfig.isEmpty()) {
      input.set("runtimeConfig", runtimeConfig);
    }
    if (prevResult != null) {
      input.set("prevResult", prevResult);
    }
    return Json.MAPPER.writeValueAsBytes(input);
  }

  /** Whether this network's cniVersion is at least min (dotted numeric comparison). */
  boolean versionAtLeast(String min) {
    return compareVersions(cniVersion, min) >= 0;
  }

  static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int c = Integer.compare(part(x, i), part(y, i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static int part(String[] parts, int i) {
    if (i >= parts.length) {
      return 0;
    }
    try {
      return Integer.parseInt(parts[i]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
