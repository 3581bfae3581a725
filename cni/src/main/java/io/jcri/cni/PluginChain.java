package io.jcri.cni;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One network's plugin chain run through a {@link PluginRunner}: ADD in order (each plugin given
 * the result so far, undone by DEL when one fails), DEL in reverse past failures, CHECK, STATUS,
 * and the loopback ADD; the CNI_* environment and stdin of each exec.
 */
final class PluginChain {
  private static final byte[] LOOPBACK_CONFIG =
      "{\"cniVersion\":\"0.3.1\",\"name\":\"cni-loopback\",\"type\":\"loopback\"}"
          .getBytes(StandardCharsets.UTF_8);

  private final PluginRunner plugins;

  PluginChain(PluginRunner plugins) {
    this.plugins = plugins;
  }

  /** The chain's result, raw and parsed. */
  record Added(JsonNode result, CniResult parsed) {}

  /** ADD failed; {@link #cleanup} is null when DEL of the plugins that ran succeeded. */
  static final class AddFailed extends Exception {
    final String cleanup;

    AddFailed(IOException cause, String cleanup) {
      super(cause.getMessage(), cause);
      this.cleanup = cleanup;
    }
  }

  /**
   * ADD through the chain of entry's network; on a failure the plugins that ran are undone (DEL,
   * best effort, going on past failures) before {@link AddFailed} is thrown.
   */
  Added add(ResultCache.Entry entry) throws AddFailed {
    NetworkConfig net = entry.config();
    JsonNode result = null;
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
      return new Added(result, CniResult.parse(result, net.cniVersion()));
    } catch (IOException e) {
      throw new AddFailed(e, delete(entry.withResult(result), entry.netns()));
    }
  }

  /**
   * DEL through the chain in reverse, going on past failures so that one broken plugin does not
   * leak the rest; null when all succeeded.
   */
  String delete(ResultCache.Entry entry, String netns) {
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

  /** CHECK through the chain with the result cached at ADD. */
  void check(ResultCache.Entry entry, String netns) throws CniException {
    NetworkConfig net = entry.config();
    for (ObjectNode plugin : net.plugins()) {
      plugins.exec(
          "CHECK",
          type(plugin),
          net.name(),
          env(entry, netns),
          pluginInput(net, plugin, entry.capabilityArgs(), entry.result()));
    }
  }

  /** STATUS of every plugin of a 1.1.0 network. */
  void status(NetworkConfig net) throws IOException {
    for (ObjectNode plugin : net.plugins()) {
      plugins.exec(
          "STATUS",
          type(plugin),
          net.name(),
          Map.of(),
          net.pluginInput(plugin, Json.MAPPER.createObjectNode(), null));
    }
  }

  /** Why net cannot run here (a plugin not installed), or null. */
  String missingPlugin(NetworkConfig net) {
    for (ObjectNode plugin : net.plugins()) {
      if (plugins.find(type(plugin)) == null) {
        return "network "
            + net.name()
            + ": CNI plugin "
            + type(plugin)
            + " not found in "
            + plugins.binDirsText();
      }
    }
    return null;
  }

  /** Brings the pod's loopback up when the node has the loopback plugin. */
  void loopbackUp(PodNetwork pod) throws CniException {
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

  private static String type(ObjectNode plugin) {
    return plugin.path("type").asText();
  }
}
