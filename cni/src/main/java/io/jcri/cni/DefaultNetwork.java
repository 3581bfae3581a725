package io.jcri.cni;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.sys.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.logging.Logger;

/** jcri's built-in network: a bridge with host-local IPAM, masquerade and host ports. */
final class DefaultNetwork {
  private static final Logger LOG = Logger.getLogger(DefaultNetwork.class.getName());
  static final String FILE_NAME = "10-jcri-bridge.conflist";
  static final String NAME = "jcri";
  static final String BRIDGE = "jcri0";
  static final String SUBNET = "10.88.0.0/16";

  private DefaultNetwork() {}

  /** Writes the network into confDir (for a conf dir that holds no config). */
  static void write(Path confDir, boolean withBandwidth) throws IOException {
    Path file = confDir.resolve(FILE_NAME);
    ObjectNode list = conflist(NAME, BRIDGE, SUBNET, withBandwidth);
    AtomicFiles.write(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(list));
    LOG.info(
        "event=cni_default_network_written file="
            + file
            + " network="
            + NAME
            + " bridge="
            + BRIDGE
            + " subnet="
            + SUBNET
            + " bandwidth="
            + withBandwidth);
  }

  /**
   * The conflist; bandwidth is chained only when its plugin is installed, so the network stays
   * usable without it.
   */
  static ObjectNode conflist(String name, String bridge, String subnet, boolean withBandwidth) {
    ObjectNode list = Json.MAPPER.createObjectNode();
    list.put("cniVersion", "1.0.0");
    list.put("name", name);
    var plugins = list.putArray("plugins");

    ObjectNode bridgePlugin = plugins.addObject();
    bridgePlugin.put("type", "bridge");
    bridgePlugin.put("bridge", bridge);
    bridgePlugin.put("isGateway", true);
    bridgePlugin.put("ipMasq", true);
    bridgePlugin.put("hairpinMode", true);
    ObjectNode ipam = bridgePlugin.putObject("ipam");
    ipam.put("type", "host-local");
    ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
    ipam.putArray("ranges").addArray().addObject().put("subnet", subnet);

    ObjectNode portmap = plugins.addObject();
    portmap.put("type", "portmap");
    portmap.putObject("capabilities").put("portMappings", true);

    if (withBandwidth) {
      ObjectNode bandwidth = plugins.addObject();
      bandwidth.put("type", "bandwidth");
      bandwidth.putObject("capabilities").put("bandwidth", true);
    }
    return list;
  }
}
