package io.jcri.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.sys.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * One file per attachment, {@code <cacheDir>/results/<network>-<containerId>-<ifName>}, holding the
 * exact network config, CNI_ARGS and runtimeConfig of the ADD, and its result once it has one.
 * Written before the ADD runs, so a crash part-way still leaves what DEL needs.
 */
final class ResultCache {
  private final Path dir;

  ResultCache(Path cacheDir) {
    this.dir = cacheDir.resolve("results");
  }

  /**
   * @param result the chain's result, or null while the ADD is under way
   */
  record Entry(
      String containerId,
      String ifName,
      String netns,
      String cniArgs,
      ObjectNode capabilityArgs,
      NetworkConfig config,
      JsonNode result) {
    Entry withResult(JsonNode newResult) {
      return new Entry(containerId, ifName, netns, cniArgs, capabilityArgs, config, newResult);
    }
  }

  void write(Entry entry) throws CniException {
    try {
      AtomicFiles.write(file(entry), Json.MAPPER.writeValueAsBytes(json(entry)));
    } catch (IOException e) {
      throw new CniException(
          "sandbox " + entry.containerId() + ": writing the CNI result cache: " + e.getMessage(),
          e);
    }
  }

  private static ObjectNode json(Entry entry) {
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("kind", "jcri-cni-cache-v1");
    json.put("containerId", entry.containerId());
    json.put("ifName", entry.ifName());
    json.put("networkName", entry.config().name());
    json.put("netns", entry.netns());
    json.put("cniArgs", entry.cniArgs());
    json.set("capabilityArgs", entry.capabilityArgs());
    json.set("config", entry.config().list());
    if (entry.result() != null) {
      json.set("result", entry.result());
    }
    return json;
  }

  void delete(Entry entry) throws CniException {
    try {
      Files.deleteIfExists(file(entry));
    } catch (IOException e) {
      throw new CniException(
          "sandbox " + entry.containerId() + ": removing the CNI cache entry: " + e.getMessage(),
          e);
    }
  }

  /** Every cached attachment of containerId on ifName (normally one: the default network's). */
  List<Entry> find(String containerId, String ifName) throws CniException {
    try {
      return read(containerId, ifName);
    } catch (IOException e) {
      throw new CniException(
          "sandbox " + containerId + ": reading the CNI result cache: " + e.getMessage(), e);
    }
  }

  private List<Entry> read(String containerId, String ifName) throws IOException {
    String suffix = "-" + containerId + "-" + ifName;
    List<Entry> entries = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    } catch (NoSuchFileException e) {
      return entries;
    }
    for (Path file : files) {
      entries.add(read(file));
    }
    return entries;
  }

  private static Entry read(Path file) throws IOException {
    JsonNode json = Json.MAPPER.readTree(Files.readAllBytes(file));
    if (!(json.get("config") instanceof ObjectNode list)) {
      throw new IOException("CNI cache file " + file + " has no config");
    }
    ObjectNode capabilityArgs =
        json.get("capabilityArgs") instanceof ObjectNode caps
            ? caps
            : Json.MAPPER.createObjectNode();
    return new Entry(
        json.path("containerId").asText(),
        json.path("ifName").asText(),
        json.path("netns").asText(""),
        json.path("cniArgs").asText(""),
        capabilityArgs,
        NetworkConfig.fromList(list, file),
        json.get("result"));
  }

  private Path file(Entry entry) {
    return dir.resolve(entry.config().name() + "-" + entry.containerId() + "-" + entry.ifName());
  }
}
