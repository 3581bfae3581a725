package io.jcri.runtime.reload;

import io.jcri.cni.CniManager;
import io.jcri.images.ImageOptions;
import io.jcri.images.ImageStore;
import io.jcri.images.RegistryHost;
import io.jcri.runtime.config.JcriConfig;
import io.jcri.runtime.logging.LogSetup;
import io.jcri.runtime.metrics.MetricsEndpoint;
import io.jcri.runtime.node.RuntimeHandlers;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every config key of jcrid for a reload: the live ones with how each reaches the running services,
 * then the ones read only at start (README "Config reload" lists the same split).
 */
public final class DaemonSettings {
  private DaemonSettings() {}

  public static List<Setting> of(
      ImageStore images, RuntimeHandlers handlers, CniManager cni, MetricsEndpoint metrics) {
    return List.of(
        Setting.live(
            "log_level",
            JcriConfig::logLevel,
            c -> LogSetup.configure(c.logLevel(), c.logFormat())),
        Setting.live(
            "log_format",
            JcriConfig::logFormat,
            c -> LogSetup.configure(c.logLevel(), c.logFormat())),
        Setting.live(
            "registries", JcriConfig::registries, c -> images.reconfigure(imageOptions(c))),
        Setting.live(
            "images.auth_file",
            c -> c.images().authFile(),
            c -> images.reconfigure(imageOptions(c))),
        Setting.live(
            "images.platform",
            c -> c.images().platform(),
            c -> images.reconfigure(imageOptions(c))),
        Setting.live(
            "images.stall_timeout",
            c -> c.images().stallTimeout(),
            c -> images.reconfigure(imageOptions(c))),
        Setting.live("images.pinned", c -> c.images().pinned(), c -> images.setPinned(pinned(c))),
        Setting.live("runtimes", JcriConfig::runtimes, c -> handlers.reconfigure(c.runtimes())),
        Setting.live(
            "cni",
            JcriConfig::cni,
            c -> cni.reconfigure(c.cni().confDir(), c.cni().binDirs(), c.cni().pluginTimeout())),
        Setting.live("metrics", JcriConfig::metrics, c -> metrics.apply(c.metrics())),
        Setting.restart("listen", JcriConfig::listen),
        Setting.restart("root", JcriConfig::root),
        Setting.restart("state", JcriConfig::state),
        Setting.restart("cgroup_driver", JcriConfig::cgroupDriver),
        Setting.restart("shutdown_grace", JcriConfig::shutdownGrace),
        Setting.restart("sandbox", JcriConfig::sandbox),
        Setting.restart("images.max_parallel_layers", c -> c.images().maxParallelLayers()),
        Setting.restart("streaming", JcriConfig::streaming),
        Setting.restart("monitor", JcriConfig::monitor),
        Setting.restart("cdi", JcriConfig::cdi));
  }

  /** The image store's options from the config. */
  public static ImageOptions imageOptions(JcriConfig config) {
    Map<String, RegistryHost> registries = new LinkedHashMap<>();
    config
        .registries()
        .forEach((host, r) -> registries.put(host, new RegistryHost(r.mirrors(), r.insecure())));
    String[] platform = config.images().platform().split("/");
    ImageOptions d = ImageOptions.defaults();
    return new ImageOptions(
        registries,
        config.images().authFile(),
        platform[0],
        platform.length > 1 ? platform[1] : d.architecture(),
        platform.length > 2 ? platform[2] : "",
        config.images().stallTimeout(),
        config.images().maxParallelLayers());
  }

  /** The pinned references: images.pinned and the pause image. */
  public static List<String> pinned(JcriConfig config) {
    return Stream.concat(
            config.images().pinned().stream(), Stream.of(config.sandbox().pauseImage()))
        .toList();
  }
}
