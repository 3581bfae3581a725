package io.jcri.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a container takes from its image: the runtime part of the OCI image config. */
public record ImageConfig(
    String user,
    List<String> env,
    List<String> entrypoint,
    List<String> cmd,
    String workingDir,
    String stopSignal,
    List<String> volumes,
    Map<String, String> labels,
    List<String> exposedPorts) {
  public ImageConfig {
    user = user == null ? "" : user;
    env = List.copyOf(env);
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    workingDir = workingDir == null ? "" : workingDir;
    stopSignal = stopSignal == null ? "" : stopSignal;
    volumes = List.copyOf(volumes);
    labels = Map.copyOf(labels);
    exposedPorts = List.copyOf(exposedPorts);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The runtime part of an OCI image config blob. */
  static ImageConfig parse(byte[] configBlob) {
    JsonNode c = json(configBlob).path("config");
    Map<String, String> labels = new LinkedHashMap<>();
    c.path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    return new ImageConfig(
        c.path("User").asText(""),
        strings(c.path("Env")),
        strings(c.path("Entrypoint")),
        strings(c.path("Cmd")),
        c.path("WorkingDir").asText(""),
        c.path("StopSignal").asText(""),
        keys(c.path("Volumes")),
        labels,
        keys(c.path("ExposedPorts")));
  }

  /** The whole config blob as JSON (os and architecture are read from it). */
  static JsonNode json(byte[] config) {
    try {
      return JSON.readTree(config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> keys(JsonNode object) {
    List<String> out = new ArrayList<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      out.add(it.next());
    }
    return out;
  }
}
