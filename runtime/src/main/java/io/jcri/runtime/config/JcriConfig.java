package io.jcri.runtime.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The whole configuration of jcrid. Every key of /etc/jcri/jcri.toml is optional; {@link
 * #defaults()} is what runs with no file at all, and {@link ConfigDefaults#toml()} prints it.
 */
public record JcriConfig(
    String listen,
    Path root,
    Path state,
    String logLevel,
    String logFormat,
    String cgroupDriver,
    Duration shutdownGrace,
    Cni cni,
    Runtimes runtimes,
    Sandbox sandbox,
    Images images,
    Map<String, RegistrySettings> registries,
    Streaming streaming,
    Monitor monitor,
    Cdi cdi,
    Metrics metrics) {

  public record Cni(Path confDir, List<Path> binDirs, Duration pluginTimeout) {}

  /** OCI runtimes by RuntimeClass handler name; the empty handler means {@code defaultRuntime}. */
  public record Runtimes(String defaultRuntime, Map<String, Handler> handlers) {}

  /** The OCI runtime binary of one RuntimeClass handler. */
  public record Handler(Path path) {}

  public record Sandbox(
      String pauseImage, Path pauseBinary, boolean dropInfra, long shmSizeBytes) {}

  /**
   * pinned: image references RemoveImage refuses and List/ImageStatus report pinned (the pause
   * image always is).
   */
  public record Images(
      Path authFile,
      String platform,
      Duration stallTimeout,
      int maxParallelLayers,
      List<String> pinned) {}

  /** [registries."host"]: mirrors tried first, and whether the host may be plain HTTP. */
  public record RegistrySettings(List<URI> mirrors, boolean insecure) {}

  public record Streaming(String address, int port, Duration tokenTtl, Path tlsCert, Path tlsKey) {}

  public record Monitor(Path conmon) {}

  /**
   * Where CDI spec files are looked up; a later directory wins over an earlier one for the same
   * device.
   */
  public record Cdi(List<Path> specDirs) {}

  /**
   * The Prometheus /metrics endpoint: off unless enabled, then on address:port (port 0 picks a free
   * one).
   */
  public record Metrics(boolean enabled, String address, int port) {}

  public Path socketPath() {
    return Path.of(listen.substring("unix://".length()));
  }

  public static JcriConfig defaults() {
    return ConfigDefaults.DEFAULTS;
  }
}
