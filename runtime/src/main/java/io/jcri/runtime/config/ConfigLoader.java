package io.jcri.runtime.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.jcri.images.reference.Reference;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads jcri.toml over the defaults, then applies command-line flags. Unknown keys and values of
 * the wrong type are errors that name the key and its line, so a typo never silently falls back to
 * a default.
 */
public final class ConfigLoader {
  private final Path file;
  private final TomlKeys keys;

  private ConfigLoader(Path file, List<String> lines) {
    this.file = file;
    this.keys = new TomlKeys(file, lines);
  }

  /** Flags that override the file; null fields are not set on the command line. */
  public record Flags(
      String listen, Path root, Path state, Path cniConfDir, Path cniBinDir, String logLevel) {
    public static Flags none() {
      return new Flags(null, null, null, null, null, null);
    }
  }

  /** Loads file (which must exist when named explicitly; a missing default path means defaults). */
  public static JcriConfig load(Path file, boolean mustExist, Flags flags) throws ConfigException {
    JcriConfig fromFile;
    if (file == null) {
      fromFile = JcriConfig.defaults();
    } else {
      try {
        String text = Files.readString(file);
        fromFile = new ConfigLoader(file, text.lines().toList()).parse(text);
      } catch (NoSuchFileException e) {
        if (mustExist) {
          throw new ConfigException(file + ": no such file");
        }
        fromFile = JcriConfig.defaults();
      } catch (IOException e) {
        throw new ConfigException(file + ": " + e.getMessage());
      }
    }
    return applyFlags(fromFile, flags);
  }

  /** Parses TOML text over the defaults; used by {@link #load} and by tests. */
  public static JcriConfig parse(Path name, String text) throws ConfigException {
    return new ConfigLoader(name, text.lines().toList()).parse(text);
  }

  private JcriConfig parse(String text) throws ConfigException {
    JsonNode root;
    try {
      root = new TomlMapper().readTree(text);
    } catch (JacksonException e) {
      int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
      throw new ConfigException(
          file + (line > 0 ? ":" + line : "") + ": invalid TOML: " + e.getOriginalMessage());
    }
    JcriConfig d = JcriConfig.defaults();
    String listen = keys.string(root, "listen", d.listen());
    validateListen(listen, "listen");
    JcriConfig.Cni cni = d.cni();
    JcriConfig.Runtimes runtimes = d.runtimes();
    JcriConfig.Sandbox sandbox = d.sandbox();
    JcriConfig.Images images = d.images();
    JcriConfig.Streaming streaming = d.streaming();
    JcriConfig.Monitor monitor = d.monitor();
    JcriConfig.Cdi cdi = d.cdi();
    JcriConfig.Metrics metrics = d.metrics();
    Map<String, JcriConfig.RegistrySettings> registries = new LinkedHashMap<>();

    JsonNode n = keys.table(root, "cni");
    if (n != null) {
      cni =
          new JcriConfig.Cni(
              keys.path(n, "cni.conf_dir", cni.confDir()),
              keys.list(n, "cni.bin_dirs", cni.binDirs(), Path::of),
              keys.duration(n, "cni.plugin_timeout", cni.pluginTimeout()));
    }
    n = keys.table(root, "runtimes");
    if (n != null) {
      Map<String, JcriConfig.Handler> handlers = new LinkedHashMap<>(runtimes.handlers());
      JsonNode h = keys.table(n, "runtimes.handlers");
      if (h != null) {
        for (var e : (Iterable<Map.Entry<String, JsonNode>>) h::fields) {
          String key = "runtimes.handlers." + e.getKey();
          JsonNode t = keys.table(h, key);
          handlers.put(
              e.getKey(), new JcriConfig.Handler(keys.path(t, key + ".path", Path.of(e.getKey()))));
        }
      }
      String def = keys.string(n, "runtimes.default_runtime", runtimes.defaultRuntime());
      if (!handlers.containsKey(def)) {
        throw keys.error(
            "runtimes.default_runtime",
            "names \"" + def + "\" but only " + handlers.keySet() + " are configured");
      }
      runtimes = new JcriConfig.Runtimes(def, Map.copyOf(handlers));
    }
    n = keys.table(root, "sandbox");
    if (n != null) {
      sandbox =
          new JcriConfig.Sandbox(
              keys.string(n, "sandbox.pause_image", sandbox.pauseImage()),
              keys.path(n, "sandbox.pause_binary", sandbox.pauseBinary()),
              keys.bool(n, "sandbox.drop_infra", sandbox.dropInfra()),
              keys.integer(n, "sandbox.shm_size", sandbox.shmSizeBytes(), 1 << 20, Long.MAX_VALUE));
    }
    n = keys.table(root, "images");
    if (n != null) {
      images =
          new JcriConfig.Images(
              keys.path(n, "images.auth_file", images.authFile()),
              keys.string(n, "images.platform", images.platform()),
              keys.duration(n, "images.stall_timeout", images.stallTimeout()),
              (int)
                  keys.integer(n, "images.max_parallel_layers", images.maxParallelLayers(), 1, 64),
              keys.list(n, "images.pinned", images.pinned(), ConfigLoader::imageReference));
    }
    n = keys.table(root, "registries");
    if (n != null) {
      for (var e : (Iterable<Map.Entry<String, JsonNode>>) n::fields) {
        String key = "registries.\"" + e.getKey() + "\"";
        JsonNode t = keys.table(n, key);
        List<URI> mirrors =
            keys.list(t, key + ".mirrors", List.of(), s -> mirrorUri(key + ".mirrors", s));
        registries.put(
            e.getKey(),
            new JcriConfig.RegistrySettings(mirrors, keys.bool(t, key + ".insecure", false)));
      }
    }
    n = keys.table(root, "streaming");
    if (n != null) {
      streaming =
          new JcriConfig.Streaming(
              keys.string(n, "streaming.address", streaming.address()),
              (int) keys.integer(n, "streaming.port", streaming.port(), 0, 65535),
              keys.duration(n, "streaming.token_ttl", streaming.tokenTtl()),
              keys.path(n, "streaming.tls_cert", streaming.tlsCert()),
              keys.path(n, "streaming.tls_key", streaming.tlsKey()));
      if ((streaming.tlsCert() == null) != (streaming.tlsKey() == null)) {
        throw keys.error("streaming.tls_cert", "tls_cert and tls_key must be set together");
      }
    }
    n = keys.table(root, "monitor");
    if (n != null) {
      monitor = new JcriConfig.Monitor(keys.path(n, "monitor.conmon", monitor.conmon()));
    }
    n = keys.table(root, "cdi");
    if (n != null) {
      cdi = new JcriConfig.Cdi(keys.list(n, "cdi.spec_dirs", cdi.specDirs(), Path::of));
    }
    n = keys.table(root, "metrics");
    if (n != null) {
      metrics =
          new JcriConfig.Metrics(
              keys.bool(n, "metrics.enabled", metrics.enabled()),
              keys.string(n, "metrics.address", metrics.address()),
              (int) keys.integer(n, "metrics.port", metrics.port(), 0, 65535));
      if (metrics.address().isBlank()) {
        throw keys.error("metrics.address", "must be an IP address or host name");
      }
    }
    String cgroupDriver = keys.string(root, "cgroup_driver", d.cgroupDriver());
    if (!cgroupDriver.equals("cgroupfs") && !cgroupDriver.equals("systemd")) {
      throw keys.error(
          "cgroup_driver", "must be \"cgroupfs\" or \"systemd\", not \"" + cgroupDriver + "\"");
    }
    String logLevel = keys.string(root, "log_level", d.logLevel());
    validateLogLevel(logLevel, "log_level");
    String logFormat = keys.string(root, "log_format", d.logFormat());
    if (!logFormat.equals("text") && !logFormat.equals("json")) {
      throw keys.error("log_format", "must be \"text\" or \"json\", not \"" + logFormat + "\"");
    }
    JcriConfig config =
        new JcriConfig(
            listen,
            keys.path(root, "root", d.root()),
            keys.path(root, "state", d.state()),
            logLevel,
            logFormat,
            cgroupDriver,
            keys.duration(root, "shutdown_grace", d.shutdownGrace()),
            cni,
            runtimes,
            sandbox,
            images,
            Map.copyOf(registries),
            streaming,
            monitor,
            cdi,
            metrics);
    keys.rejectUnknown(root, "");
    return config;
  }

  private static JcriConfig applyFlags(JcriConfig c, Flags f) throws ConfigException {
    if (f.listen() != null) {
      validateListen(f.listen(), "--listen");
    }
    if (f.logLevel() != null) {
      validateLogLevel(f.logLevel(), "--log-level");
    }
    JcriConfig.Cni cni = c.cni();
    if (f.cniConfDir() != null || f.cniBinDir() != null) {
      List<Path> bins = new ArrayList<>(cni.binDirs());
      if (f.cniBinDir() != null) {
        bins.remove(f.cniBinDir());
        bins.add(0, f.cniBinDir());
      }
      cni =
          new JcriConfig.Cni(
              f.cniConfDir() != null ? f.cniConfDir() : cni.confDir(),
              List.copyOf(bins),
              cni.pluginTimeout());
    }
    return new JcriConfig(
        f.listen() != null ? f.listen() : c.listen(),
        f.root() != null ? f.root() : c.root(),
        f.state() != null ? f.state() : c.state(),
        f.logLevel() != null ? f.logLevel() : c.logLevel(),
        c.logFormat(),
        c.cgroupDriver(),
        c.shutdownGrace(),
        cni,
        c.runtimes(),
        c.sandbox(),
        c.images(),
        c.registries(),
        c.streaming(),
        c.monitor(),
        c.cdi(),
        c.metrics());
  }

  private static void validateListen(String listen, String where) throws ConfigException {
    if (!listen.startsWith("unix:///")) {
      throw new ConfigException(
          where + ": \"" + listen + "\" must be a unix:///absolute/path endpoint");
    }
  }

  private static void validateLogLevel(String level, String where) throws ConfigException {
    if (!List.of("error", "warn", "info", "debug").contains(level)) {
      throw new ConfigException(
          where + ": \"" + level + "\" is not one of error, warn, info, debug");
    }
  }

  private static String imageReference(String s) {
    try {
      Reference.parse(s);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "\"" + s + "\" is not an image reference: " + e.getMessage());
    }
    return s;
  }

  private URI mirrorUri(String key, String s) {
    URI uri = URI.create(s);
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
        || uri.getHost() == null) {
      throw new IllegalArgumentException("mirror \"" + s + "\" must be an http:// or https:// URL");
    }
    return uri;
  }
}
