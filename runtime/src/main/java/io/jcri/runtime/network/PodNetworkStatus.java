package io.jcri.runtime.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.runtime.config.JcriConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/** Whether pods can get a network (the first CNI config and all its plugins exist), and the pod CIDR. */
public final class PodNetworkStatus {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final JcriConfig.Cni config;
  private final AtomicReference<String> podCidr = new AtomicReference<>("");

  public PodNetworkStatus(JcriConfig.Cni config) {
    this.config = config;
  }

  public record Readiness(boolean ready, String reason, String message) {}

  public Readiness readiness() {
    List<Path> confs;
    try (Stream<Path> s = Files.list(config.confDir())) {
      confs = s.filter(p -> p.toString().endsWith(".conflist") || p.toString().endsWith(".conf")).sorted().toList();
    } catch (IOException e) {
      confs = List.of();
    }
    if (confs.isEmpty()) {
      return new Readiness(false, "NetworkPluginNotReady", "no CNI network configuration in " + config.confDir());
    }
    JsonNode conf;
    try {
      conf = JSON.readTree(confs.get(0).toFile());
    } catch (IOException e) {
      return new Readiness(false, "NetworkPluginNotReady", confs.get(0) + ": " + e.getMessage());
    }
    JsonNode plugins = conf.has("plugins") ? conf.get("plugins") : JSON.createArrayNode().add(conf);
    for (JsonNode plugin : plugins) {
      String type = plugin.path("type").asText();
      if (config.binDirs().stream().noneMatch(d -> Files.isExecutable(d.resolve(type)))) {
        return new Readiness(false, "NetworkPluginNotReady",
            "CNI plugin \"" + type + "\" of " + confs.get(0) + " not found in " + config.binDirs());
      }
    }
    return new Readiness(true, "", "");
  }

  public void setPodCidr(String cidr) {
    podCidr.set(cidr);
  }

  public String podCidr() {
    return podCidr.get();
  }
}
