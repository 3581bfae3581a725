package io.jcri.cni;

import java.util.List;

/**
 * The pod's network as the plugin chain made it.
 *
 * @param network the CNI network name
 * @param ips the pod's addresses without prefix length, IPv4 first; the first one is the primary IP
 * @param interfaces the interfaces the chain reported (host side and pod side)
 * @param resultJson the final plugin's result, as it printed it
 */
public record PodNetworkResult(
    String network, List<String> ips, List<Interface> interfaces, String resultJson) {
  public PodNetworkResult {
    ips = List.copyOf(ips);
    interfaces = List.copyOf(interfaces);
  }

  /**
   * An interface from a CNI result; sandbox is the netns path for pod-side interfaces, empty
   * otherwise.
   */
  public record Interface(String name, String mac, String sandbox) {}

  /** The primary pod IP, or "" when the chain assigned none. */
  public String primaryIp() {
    return ips.isEmpty() ? "" : ips.get(0);
  }

  public List<String> additionalIps() {
    return ips.isEmpty() ? List.of() : ips.subList(1, ips.size());
  }
}
