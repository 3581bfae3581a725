package io.jcri.cni;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * What jcri tells the plugins about one pod: CNI_ARGS, and the runtimeConfig capability args (host
 * ports, bandwidth, DNS, the node's pod CIDR as ipRanges).
 */
final class RuntimeArgs {
  // the annotations give a rate only; the burst is left effectively unbounded, as other CRI
  // runtimes do
  private static final long UNLIMITED_BURST = 0xFFFFFFFFL;

  private RuntimeArgs() {}

  /**
   * CNI_ARGS: the pod's namespace, name, UID and infra container ID, for plugins that know them.
   */
  static String cniArgs(PodNetwork pod) {
    return "IgnoreUnknown=1;K8S_POD_NAMESPACE="
        + nullToEmpty(pod.podNamespace())
        + ";K8S_POD_NAME="
        + nullToEmpty(pod.podName())
        + ";K8S_POD_INFRA_CONTAINER_ID="
        + pod.sandboxId()
        + ";K8S_POD_UID="
        + nullToEmpty(pod.podUid());
  }

  /** runtimeConfig values; each reaches only the plugins that declare the capability. */
  static ObjectNode capabilityArgs(PodNetwork pod, String podCidr) throws CniException {
    ObjectNode args = Json.MAPPER.createObjectNode();
    ArrayNode ports = Json.MAPPER.createArrayNode();
    for (PortMapping p : pod.portMappings()) {
      if (p.hostPort() <= 0) {
        continue; // a container port without a host port needs no plumbing
      }
      ObjectNode port = ports.addObject();
      port.put("hostPort", p.hostPort());
      port.put("containerPort", p.containerPort());
      port.put(
          "protocol",
          p.protocol() == null || p.protocol().isEmpty()
              ? "tcp"
              : p.protocol().toLowerCase(Locale.ROOT));
      if (p.hostIp() != null && !p.hostIp().isEmpty()) {
        port.put("hostIP", p.hostIp());
      }
    }
    if (!ports.isEmpty()) {
      args.set("portMappings", ports);
    }
    ObjectNode bandwidth = Json.MAPPER.createObjectNode();
    if (pod.ingressBandwidth() != null && !pod.ingressBandwidth().isBlank()) {
      bandwidth.put(
          "ingressRate",
          BandwidthQuantity.bitsPerSecond(
              "kubernetes.io/ingress-bandwidth", pod.ingressBandwidth()));
      bandwidth.put("ingressBurst", UNLIMITED_BURST);
    }
    if (pod.egressBandwidth() != null && !pod.egressBandwidth().isBlank()) {
      bandwidth.put(
          "egressRate",
          BandwidthQuantity.bitsPerSecond("kubernetes.io/egress-bandwidth", pod.egressBandwidth()));
      bandwidth.put("egressBurst", UNLIMITED_BURST);
    }
    if (!bandwidth.isEmpty()) {
      args.set("bandwidth", bandwidth);
    }
    if (!pod.dnsServers().isEmpty()
        || !pod.dnsSearches().isEmpty()
        || !pod.dnsOptions().isEmpty()) {
      ObjectNode dns = args.putObject("dns");
      pod.dnsServers().forEach(dns.putArray("servers")::add);
      pod.dnsSearches().forEach(dns.putArray("searches")::add);
      pod.dnsOptions().forEach(dns.putArray("options")::add);
    }
    String cidr = podCidr;
    if (cidr != null) {
      args.putArray("ipRanges").addArray().addObject().put("subnet", cidr);
    }
    return args;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
