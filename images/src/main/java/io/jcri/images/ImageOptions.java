package io.jcri.images;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How the store pulls: per-host registry settings (keyed by host[:port] as in references), a
 * docker-style auth.json (may be null), the platform picked from an index, the time a transfer may
 * make no progress before it is cancelled, and how many layers move at once.
 */
public record ImageOptions(
    Map<String, RegistryHost> registries,
    Path authFile,
    String os,
    String architecture,
    String variant,
    Duration stallTimeout,
    int maxParallelLayers) {
  public ImageOptions {
    registries = Map.copyOf(registries);
    variant = variant == null ? "" : variant;
    if (maxParallelLayers < 1) {
      throw new IllegalArgumentException("maxParallelLayers must be at least 1");
    }
  }

  public static ImageOptions defaults() {
    return new ImageOptions(Map.of(), null, "linux", "amd64", "", Duration.ofMinutes(1), 3);
  }

  public RegistryHost registry(String host) {
    return registries.getOrDefault(host, RegistryHost.DIRECT);
  }
}
