package io.jcri.cni;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    PluginChain chain = new PluginChain(plugins);
    String missing = chain.missingPlugin(net);
    if (missing != null) {
      return new Readiness(false, NOT_READY, missing);
    }
    if (net.versionAtLeast("1.1.0")) {
      try {
        chain.status(net);
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
    PluginChain chain = new PluginChain(plugins);
    chain.loopbackUp(pod);
    cache.write(entry);
    PluginChain.Added added;
    try {
      added = chain.add(entry);
    } catch (PluginChain.AddFailed e) {
      String cleanup = e.cleanup;
      if (cleanup == null) {
        try {
          cache.delete(entry);
        } catch (CniException stale) {
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
          e.getMessage() + (cleanup == null ? "" : "; undoing the ADD also failed: " + cleanup),
          e.getCause());
    }
    cache.write(entry.withResult(added.result()));
    PodNetworkResult done =
        new PodNetworkResult(
            net.name(),
            added.parsed().podIps(),
            added.parsed().interfaces(),
            added.result().toString());
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
    List<ResultCache.Entry> entries = cache.find(pod.sandboxId(), IF_NAME);
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
    PluginChain chain = new PluginChain(plugins);
    List<String> errors = new ArrayList<>();
    for (ResultCache.Entry entry : entries) {
      String netns = pod.netnsPath() != null ? pod.netnsPath().toString() : entry.netns();
      String error = chain.delete(entry, netns);
      if (error == null) {
        cache.delete(entry);
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
    List<ResultCache.Entry> entries = cache.find(pod.sandboxId(), IF_NAME);
    if (entries.isEmpty()) {
      throw new CniException("sandbox " + pod.sandboxId() + ": no CNI attachment recorded");
    }
    PluginChain chain = new PluginChain(plugins);
    for (ResultCache.Entry entry : entries) {
      NetworkConfig net = entry.config();
      if (!net.versionAtLeast("0.4.0") || net.disableCheck()) {
        continue;
      }
      if (entry.result() == null) {
        throw new CniException(
            "sandbox " + pod.sandboxId() + ": ADD on network " + net.name() + " never completed");
      }
      chain.check(entry, pod.netnsPath() != null ? pod.netnsPath().toString() : entry.netns());
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

  private static void requireSafeId(String sandboxId) throws CniException {
    if (sandboxId == null || !SAFE_ID.matcher(sandboxId).matches()) {
      throw new CniException("invalid sandbox id for CNI: " + sandboxId);
    }
  }
}
