package io.jcri.runtime.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.jcri.images.reference.Reference;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads jcri.toml over the defaults, then applies command-line flags. Unknown keys and values of
 * the wrong type are errors that name the key and its line, so a typo never silently falls back
 * to a default.
 */
public final class ConfigLoader {
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

  private final Path file;
  private final List<String> lines;
  private final Set<String> known = new HashSet<>();

  private ConfigLoader(Path file, List<String> lines) {
    this.file = file;
    this.lines = lines;
  }

  /** Flags that override the file; null fields are not set on the command line. */
  public record Flags(String listen, Path root, Path state, Path cniConfDir, Path cniBinDir, String logLevel) {
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
      throw new ConfigException(file + (line > 0 ? ":" + line : "") + ": invalid TOML: " + e.getOriginalMessage());
    }
    JcriConfig d = JcriConfig.defaults();
    String listen = string(root, "listen", d.listen());
    validateListen(listen, "listen");
    JcriConfig.Cni cni = d.cni();
    JcriConfig.Runtimes runtimes = d.runtimes();
    JcriConfig.Sandbox sandbox = d.sandbox();
    JcriConfig.Images images = d.images();
    JcriConfig.Streaming streaming = d.streaming();
    JcriConfig.Monitor monitor = d.monitor();
    JcriConfig.Cdi cdi = d.cdi();
    JcriConfig.Metrics metrics = d.metrics();
    Map<String, JcriConfig.Registry> registries = new LinkedHashMap<>();

    JsonNode n = table(root, "cni");
    if (n != null) {
      cni = new JcriConfig.Cni(path(n, "cni.conf_dir", cni.confDir()),
          list(n, "cni.bin_dirs", cni.binDirs(), Path::of),
          duration(n, "cni.plugin_timeout", cni.pluginTimeout()));
    }
    n = table(root, "runtimes");
    if (n != null) {
      Map<String, JcriConfig.OciRuntime> handlers = new LinkedHashMap<>(runtimes.handlers());
      JsonNode h = table(n, "runtimes.handlers");
      if (h != null) {
        for (var e : (Iterable<Map.Entry<String, JsonNode>>) h::fields) {
          String key = "runtimes.handlers." + e.getKey();
          JsonNode t = table(h, key);
          handlers.put(e.getKey(), new JcriConfig.OciRuntime(path(t, key + ".path", Path.of(e.getKey()))));
        }
      }
      String def = string(n, "runtimes.default_runtime", runtimes.defaultRuntime());
      if (!handlers.containsKey(def)) {
        throw error("runtimes.default_runtime", "names \"" + def + "\" but only " + handlers.keySet() + " are configured");
      }
      runtimes = new JcriConfig.Runtimes(def, Map.copyOf(handlers));
    }
    n = table(root, "sandbox");
    if (n != null) {
      sandbox = new JcriConfig.Sandbox(string(n, "sandbox.pause_image", sandbox.pauseImage()),
          path(n, "sandbox.pause_binary", sandbox.pauseBinary()),
          bool(n, "sandbox.drop_infra", sandbox.dropInfra()),
          integer(n, "sandbox.shm_size", sandbox.shmSizeBytes(), 1 << 20, Long.MAX_VALUE));
    }
    n = table(root, "images");
    if (n != null) {
      images = new JcriConfig.Images(path(n, "images.auth_file", images.authFile()),
          string(n, "images.platform", images.platform()),
          duration(n, "images.stall_timeout", images.stallTimeout()),
          (int) integer(n, "images.max_parallel_layers", images.maxParallelLayers(), 1, 64),
          list(n, "images.pinned", images.pinned(), ConfigLoader::imageReference));
    }
    n = table(root, "registries");
    if (n != null) {
      for (var e : (Iterable<Map.Entry<String, JsonNode>>) n::fields) {
        String key = "registries.\"" + e.getKey() + "\"";
        JsonNode t = table(n, key);
        List<URI> mirrors = list(t, key + ".mirrors", List.of(), s -> mirrorUri(key + ".mirrors", s));
        registries.put(e.getKey(), new JcriConfig.Registry(mirrors, bool(t, key + ".insecure", false)));
      }
    }
    n = table(root, "streaming");
    if (n != null) {
      streaming = new JcriConfig.Streaming(string(n, "streaming.address", streaming.address()),
          (int) integer(n, "streaming.port", streaming.port(), 0, 65535),
          duration(n, "streaming.token_ttl", streaming.tokenTtl()),
          path(n, "streaming.tls_cert", streaming.tlsCert()), path(n, "streaming.tls_key", streaming.tlsKey()));
      if ((streaming.tlsCert() == null) != (streaming.tlsKey() == null)) {
        throw error("streaming.tls_cert", "tls_cert and tls_key must be set together");
      }
    }
    n = table(root, "monitor");
    if (n != null) {
      monitor = new JcriConfig.Monitor(path(n, "monitor.conmon", monitor.conmon()));
    }
    n = table(root, "cdi");
    if (n != null) {
      cdi = new JcriConfig.Cdi(list(n, "cdi.spec_dirs", cdi.specDirs(), Path::of));
    }
    n = table(root, "metrics");
    if (n != null) {
      metrics = new JcriConfig.Metrics(bool(n, "metrics.enabled", metrics.enabled()),
          string(n, "metrics.address", metrics.address()),
          (int) integer(n, "metrics.port", metrics.port(), 0, 65535));
      if (metrics.address().isBlank()) {
        throw error("metrics.address", "must be an IP address or host name");
      }
    }
    String cgroupDriver = string(root, "cgroup_driver", d.cgroupDriver());
    if (!cgroupDriver.equals("cgroupfs") && !cgroupDriver.equals("systemd")) {
      throw error("cgroup_driver", "must be \"cgroupfs\" or \"systemd\", not \"" + cgroupDriver + "\"");
    }
    String logLevel = string(root, "log_level", d.logLevel());
    validateLogLevel(logLevel, "log_level");
    String logFormat = string(root, "log_format", d.logFormat());
    if (!logFormat.equals("text") && !logFormat.equals("json")) {
      throw error("log_format", "must be \"text\" or \"json\", not \"" + logFormat + "\"");
    }
    JcriConfig config = new JcriConfig(listen, path(root, "root", d.root()), path(root, "state", d.state()),
        logLevel, logFormat, cgroupDriver, duration(root, "shutdown_grace", d.shutdownGrace()), cni, runtimes,
        sandbox, images, Map.copyOf(registries), streaming, monitor, cdi, metrics);
    rejectUnknown(root, "");
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
      cni = new JcriConfig.Cni(f.cniConfDir() != null ? f.cniConfDir() : cni.confDir(), List.copyOf(bins),
          cni.pluginTimeout());
    }
    return new JcriConfig(f.listen() != null ? f.listen() : c.listen(), f.root() != null ? f.root() : c.root(),
        f.state() != null ? f.state() : c.state(), f.logLevel() != null ? f.logLevel() : c.logLevel(),
        c.logFormat(), c.cgroupDriver(), c.shutdownGrace(), cni, c.runtimes(), c.sandbox(), c.images(),
        c.registries(), c.streaming(), c.monitor(), c.cdi(), c.metrics());
  }

  private static void validateListen(String listen, String where) throws ConfigException {
    if (!listen.startsWith("unix:///")) {
      throw new ConfigException(where + ": \"" + listen + "\" must be a unix:///absolute/path endpoint");
    }
  }

  private static void validateLogLevel(String level, String where) throws ConfigException {
    if (!List.of("error", "warn", "info", "debug").contains(level)) {
      throw new ConfigException(where + ": \"" + level + "\" is not one of error, warn, info, debug");
    }
  }

  private static String imageReference(String s) {
    try {
      Reference.parse(s);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("\"" + s + "\" is not an image reference: " + e.getMessage());
    }
    return s;
  }

  private URI mirrorUri(String key, String s) {
    URI uri = URI.create(s);
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("mirror \"" + s + "\" must be an http:// or https:// URL");
    }
    return uri;
  }

  // ---- typed accessors: each records the key as known and reports type errors with its line ----

  private JsonNode table(JsonNode parent, String key) throws ConfigException {
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

  private String string(JsonNode parent, String key, String dflt) throws ConfigException {
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

  private Path path(JsonNode parent, String key, Path dflt) throws ConfigException {
    String s = string(parent, key, dflt == null ? null : dflt.toString());
    if (s == null || s.isEmpty()) {
      return null;
    }
    return Path.of(s);
  }

  private boolean bool(JsonNode parent, String key, boolean dflt) throws ConfigException {
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

  private long integer(JsonNode parent, String key, long dflt, long min, long max) throws ConfigException {
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

  private Duration duration(JsonNode parent, String key, Duration dflt) throws ConfigException {
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

  private <T> List<T> list(JsonNode parent, String key, List<T> dflt, Function<String, T> convert)
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

  private void rejectUnknown(JsonNode node, String prefix) throws ConfigException {
    for (var e : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
      String key = prefix + (prefix.equals("registries.")
          ? "\"" + e.getKey() + "\"" : e.getKey());
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

  private ConfigException error(String key, String problem) {
    int line = lineOf(key);
    return new ConfigException(file + (line > 0 ? ":" + line : "") + ": key " + key + ": " + problem);
  }

  /** The line that sets key: a `name =` line inside the key's table, or the table header itself. */
  private int lineOf(String key) {
    String leaf = leaf(key);
    String table = key.length() > leaf.length() + (key.endsWith("\"") ? 2 : 0)
        ? key.substring(0, key.length() - leaf.length() - (key.endsWith("\"") ? 3 : 1)) : "";
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
