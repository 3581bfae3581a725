package io.jcri.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Pod networking through CNI plugins: the default network (first valid config in the conf dir) is
 * attached as eth0 of the pod's netns on {@link #setUp} and detached on {@link #tearDown}, which
 * uses the config cached at ADD time, so it works after a restart or a config change. Thread-safe;
 * callers serialise calls for one sandbox.
 */
public final class CniManager {
  private static final Logger LOG = Logger.getLogger(CniManager.class.getName());
  private static final String IF_NAME = "eth0";
  private static final String NOT_READY = "NetworkPluginNotReady";
  private static final Pattern SAFE_ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.\\-]*");
  private static final byte[] LOOPBACK_CONFIG =
      "{\"cniVersion\":\"0.3.1\",\"name\":\"cni-loopback\",\"type\":\"loopback\"}"
          .getBytes(StandardCharsets.UTF_8);

  private volatile ConfigDir configs;
  private volatile PluginRunner plugins;
  private final ResultCache cache;
  private volatile String podCidr;
  private volatile PluginListener pluginListener = PluginListener.NONE;

  /** NetworkReady as CRI Status reports it; reason and message are empty when ready. */
  public record Readiness(boolean ready, String reason, String message) {}

  private CniManager(ConfigDir configs, PluginRunner plugins, ResultCache cache) {
    this.configs = configs;
    this.plugins = plugins;
    this.cache = cache;
  }

  /**
   * Loads the conf dir, first writing jcri's default network into it when it holds no config and
   * options allow.
   */
  public static CniManager open(CniOptions options) throws IOException {
    ConfigDir configs = new ConfigDir(options.confDir());
    PluginRunner plugins = new PluginRunner(options.binDirs(), options.pluginTimeout());
    if (options.writeDefaultNetwork() && configs.files().isEmpty()) {
      DefaultNetwork.write(options.confDir(), plugins.find("bandwidth") != null);
    }
    Files.createDirectories(options.cacheDir());
    CniManager manager = new CniManager(configs, plugins, new ResultCache(options.cacheDir()));
    configs.current();
    return manager;
  }

  /**
   * Another conf dir, plugin dirs or plugin timeout (a config reload) for the calls that start from
   * now on; pods set up before keep their cached config for tearDown. Writes no default network.
   */
  public void reconfigure(Path confDir, List<Path> binDirs, Duration pluginTimeout) {
    configs = new ConfigDir(confDir);
    PluginRunner next = new PluginRunner(binDirs, pluginTimeout);
    next.setListener(pluginListener);
    plugins = next;
  }

  /** Who hears of each plugin exec (the daemon's metrics). */
  public void setPluginListener(PluginListener listener) {
    pluginListener = listener;
    plugins.setListener(listener);
  }

  /**
   * Ready when a network is configured and all its plugins are installed (and, for 1.1.0 networks,
   * answer STATUS).
   */
  public Readiness readiness() {
    ConfigDir.Snapshot snapshot = configs.current();
    NetworkConfig net = snapshot.defaultNetwork();
    if (net == null) {
      String why =
          snapshot.problems().isEmpty() ? "" : ": " + String.join("; ", snapshot.problems());
      return new Readiness(
          false,
          NOT_READY,
          "cni config uninitialized: no valid network config in " + configs.dir() + why);
    }
    for (ObjectNode plugin : net.plugins()) {
      if (plugins.find(type(plugin)) == null) {
        return new Readiness(
            false,
            NOT_READY,
            "network "
                + net.name()
                + ": CNI plugin "
                + type(plugin)
                + " not found in "
                + plugins.binDirsText());
      }
    }
    if (net.versionAtLeast("1.1.0")) {
      try {
        for (ObjectNode plugin : net.plugins()) {
          plugins.exec(
              "STATUS",
              type(plugin),
              net.name(),
              Map.of(),
              net.pluginInput(plugin, Json.MAPPER.createObjectNode(), null));
        }
      } catch (IOException e) {
        return new Readiness(false, NOT_READY, e.getMessage());
      }
    }
    return new Readiness(true, "", "");
  }

  /**
   * The node's pod CIDR (UpdateRuntimeConfig), passed to plugins that declare the ipRanges
   * capability; null clears it.
   */
  public void setPodCidr(String cidr) {
    podCidr = cidr == null || cidr.isBlank() ? null : cidr.strip();
    LOG.info("event=cni_pod_cidr_set cidr=" + podCidr);
  }

  /**
   * Attaches the pod to the default network (and brings its loopback up). On failure the plugins
   * that ran are undone (DEL, best effort) before the exception is thrown.
   */
  public PodNetworkResult setUp(PodNetwork pod) throws CniException {
    requireSafeId(pod.sandboxId());
    if (pod.netnsPath() == null) {
      throw new CniException("sandbox " + pod.sandboxId() + ": no network namespace to attach");
    }
    NetworkConfig net = defaultNetwork();
    long start = System.nanoTime();
    ResultCache.Entry entry =
        new ResultCache.Entry(
            pod.sandboxId(),
            IF_NAME,
            pod.netnsPath().toString(),
            RuntimeArgs.cniArgs(pod),
            RuntimeArgs.capabilityArgs(pod, podCidr),
            net,
            null);
    bringUpLoopback(pod);
    writeCache(entry);
    JsonNode result = null;
    CniResult parsed;
    try {
      for (ObjectNode plugin : net.plugins()) {
        byte[] out =
            plugins.exec(
                "ADD",
                type(plugin),
                net.name(),
                env(entry, entry.netns()),
                net.pluginInput(plugin, entry.capabilityArgs(), result));
        result = resultJson(out, plugin, net);
      }
      parsed = CniResult.parse(result, net.cniVersion());
    } catch (IOException e) {
      String cleanup = deleteChain(entry.withResult(result), entry.netns());
      if (cleanup == null) {
        try {
          cache.delete(entry);
        } catch (IOException stale) {
          // a stale entry only makes a later tearDown run DEL once more, which plugins tolerate
          LOG.warning(
              "event=cni_cache_delete_failed sandbox="
                  + pod.sandboxId()
                  + " error="
                  + stale.getMessage());
        }
      }
      LOG.warning(
          "event=cni_add_failed sandbox="
              + pod.sandboxId()
              + " network="
              + net.name()
              + " error="
              + e.getMessage()
              + (cleanup == null ? "" : " cleanup_error=" + cleanup));
      throw new CniException(
          e.getMessage() + (cleanup == null ? "" : "; undoing the ADD also failed: " + cleanup), e);
    }
    writeCache(entry.withResult(result));
    PodNetworkResult done =
        new PodNetworkResult(net.name(), parsed.podIps(), parsed.interfaces(), result.toString());
    LOG.info(
        "event=cni_added sandbox="
            + pod.sandboxId()
            + " network="
            + net.name()
            + " ips="
            + done.ips()
            + " ms="
            + (System.nanoTime() - start) / 1_000_000);
    return done;
  }

  /**
   * Detaches the pod: DEL through the chain in reverse, with the config, arguments and result
   * cached at ADD. Without a cache entry (ADD never ran, or an older jcri), DEL runs with the
   * current default network, which plugins must tolerate. Idempotent.
   */
  public void tearDown(PodNetwork pod) throws CniException {
    requireSafeId(pod.sandboxId());
    List<ResultCache.Entry> entries = findCached(pod.sandboxId());
    if (entries.isEmpty()) {
      NetworkConfig net = configs.current().defaultNetwork();
      if (net == null) {
        LOG.info(
            "event=cni_del_skipped sandbox="
                + pod.sandboxId()
                + " reason=no_cached_attachment_no_network");
        return;
      }
      ObjectNode capabilityArgs;
      try {
        capabilityArgs = RuntimeArgs.capabilityArgs(pod, podCidr);
      } catch (CniException badAnnotation) {
        capabilityArgs =
            Json.MAPPER.createObjectNode(); // setUp refused it too, so nothing was shaped
      }
      String netns = pod.netnsPath() == null ? "" : pod.netnsPath().toString();
      entries =
          List.of(
              new ResultCache.Entry(
                  pod.sandboxId(),
                  IF_NAME,
                  netns,
                  RuntimeArgs.cniArgs(pod),
                  capabilityArgs,
                  net,
                  null));
    }
    List<String> errors = new ArrayList<>();
    for (ResultCache.Entry entry : entries) {
      String netns = pod.netnsPath() != null ? pod.netnsPath().toString() : entry.netns();
      String error = deleteChain(entry, netns);
      if (error == null) {
        deleteCache(entry);
        LOG.info(
            "event=cni_deleted sandbox=" + pod.sandboxId() + " network=" + entry.config().name());
      } else {
        errors.add(error);
      }
    }
    if (!errors.isEmpty()) {
      throw new CniException(String.join("; ", errors));
    }
  }

  /**
   * CHECK through the chain with the cached result (networks before 0.4.0, or with disableCheck,
   * are skipped).
   */
  public void check(PodNetwork pod) throws CniException {
    requireSafeId(pod.sandboxId());
    List<ResultCache.Entry> entries = findCached(pod.sandboxId());
    if (entries.isEmpty()) {
      throw new CniException("sandbox " + pod.sandboxId() + ": no CNI attachment recorded");
    }
    for (ResultCache.Entry entry : entries) {
      NetworkConfig net = entry.config();
      if (!net.versionAtLeast("0.4.0") || net.disableCheck()) {
        continue;
      }
      if (entry.result() == null) {
        throw new CniException(
            "sandbox " + pod.sandboxId() + ": ADD on network " + net.name() + " never completed");
      }
      String netns = pod.netnsPath() != null ? pod.netnsPath().toString() : entry.netns();
      for (ObjectNode plugin : net.plugins()) {
        plugins.exec(
            "CHECK",
            type(plugin),
            net.name(),
            env(entry, netns),
            pluginInput(net, plugin, entry.capabilityArgs(), entry.result()));
      }
    }
  }

  private NetworkConfig defaultNetwork() throws CniException {
    ConfigDir.Snapshot snapshot = configs.current();
    if (snapshot.defaultNetwork() == null) {
      String why =
          snapshot.problems().isEmpty() ? "" : " (" + String.join("; ", snapshot.problems()) + ")";
      throw new CniException("no CNI network configured in " + configs.dir() + why);
    }
    return snapshot.defaultNetwork();
  }

  private void bringUpLoopback(PodNetwork pod) throws CniException {
    if (plugins.find("loopback") == null) {
      return; // nothing in the node's bin dirs can do it; the pod keeps lo down, as without jcri
    }
    plugins.exec(
        "ADD",
        "loopback",
        "cni-loopback",
        Map.of(
            "CNI_CONTAINERID",
            pod.sandboxId(),
            "CNI_NETNS",
            pod.netnsPath().toString(),
            "CNI_IFNAME",
            "lo",
            "CNI_ARGS",
            RuntimeArgs.cniArgs(pod)),
        LOOPBACK_CONFIG);
  }

  /**
   * DEL through the chain in reverse, going on past failures so that one broken plugin does not
   * leak the rest; null when all succeeded.
   */
  private String deleteChain(ResultCache.Entry entry, String netns) {
    NetworkConfig net = entry.config();
    // before 0.4.0 a DEL gets no prevResult
    JsonNode prevResult = net.versionAtLeast("0.4.0") ? entry.result() : null;
    List<String> errors = new ArrayList<>();
    List<ObjectNode> reversed = new ArrayList<>(net.plugins());
    Collections.reverse(reversed);
    for (ObjectNode plugin : reversed) {
      try {
        plugins.exec(
            "DEL",
            type(plugin),
            net.name(),
            env(entry, netns),
            pluginInput(net, plugin, entry.capabilityArgs(), prevResult));
      } catch (CniException e) {
        errors.add(e.getMessage());
      }
    }
    return errors.isEmpty() ? null : String.join("; ", errors);
  }

  private static byte[] pluginInput(
      NetworkConfig net, ObjectNode plugin, ObjectNode capabilityArgs, JsonNode prevResult)
      throws CniException {
    try {
      return net.pluginInput(plugin, capabilityArgs, prevResult);
    } catch (IOException e) {
      throw new CniException(
          "network " + net.name() + ": cannot build config for plugin " + type(plugin), e);
    }
  }

  private static JsonNode resultJson(byte[] out, ObjectNode plugin, NetworkConfig net)
      throws CniException {
    try {
      JsonNode json = Json.MAPPER.readTree(out);
      if (json != null && json.isObject()) {
        return json;
      }
    } catch (IOException e) {
      // reported below with the plugin's name
    }
    throw new CniException(
        "CNI plugin "
            + type(plugin)
            + " ADD (network "
            + net.name()
            + ") printed no result object: "
            + new String(out, StandardCharsets.UTF_8).strip());
  }

  private static Map<String, String> env(ResultCache.Entry entry, String netns) {
    return Map.of(
        "CNI_CONTAINERID",
        entry.containerId(),
        "CNI_NETNS",
        netns,
        "CNI_IFNAME",
        entry.ifName(),
        "CNI_ARGS",
        entry.cniArgs());
  }

  private List<ResultCache.Entry> findCached(String sandboxId) throws CniException {
    try {
      return cache.find(sandboxId, IF_NAME);
    } catch (IOException e) {
      throw new CniException(
          "sandbox " + sandboxId + ": reading the CNI result cache: " + e.getMessage(), e);
    }
  }

  private void writeCache(ResultCache.Entry entry) throws CniException {
    try {
      cache.write(entry);
    } catch (IOException e) {
      throw new CniException(
          "sandbox " + entry.containerId() + ": writing the CNI result cache: " + e.getMessage(),
          e);
    }
  }

  private void deleteCache(ResultCache.Entry entry) throws CniException {
    try {
      cache.delete(entry);
    } catch (IOException e) {
      throw new CniException(
          "sandbox " + entry.containerId() + ": removing the CNI cache entry: " + e.getMessage(),
          e);
    }
  }

  private static void requireSafeId(String sandboxId) throws CniException {
    if (sandboxId == null || !SAFE_ID.matcher(sandboxId).matches()) {
      throw new CniException("invalid sandbox id for CNI: " + sandboxId);
    }
  }

  private static String type(ObjectNode plugin) {
    return plugin.path("type").asText();
  }
}
