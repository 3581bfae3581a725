package io.jcri.cni;

import java.nio.file.Path;
import java.util.List;

/**
 * What CNI needs to know about one pod sandbox.
 *
 * @param netnsPath the pinned network namespace ({@code io.jcri.sys.Namespaces#createPinned}); may
 *     be null on tear-down
 * @param ingressBandwidth the kubernetes.io/ingress-bandwidth annotation (a quantity such as
 *     "10M"), or null
 * @param egressBandwidth the kubernetes.io/egress-bandwidth annotation, or null
 */
public record PodNetwork(
    String sandboxId,
    Path netnsPath,
    String podName,
    String podNamespace,
    String podUid,
    List<PortMapping> portMappings,
    String ingressBandwidth,
    String egressBandwidth,
    List<String> dnsServers,
    List<String> dnsSearches,
    List<String> dnsOptions) {
  public PodNetwork {
    portMappings = portMappings == null ? List.of() : List.copyOf(portMappings);
    dnsServers = dnsServers == null ? List.of() : List.copyOf(dnsServers);
    dnsSearches = dnsSearches == null ? List.of() : List.copyOf(dnsSearches);
    dnsOptions = dnsOptions == null ? List.of() : List.copyOf(dnsOptions);
  }
}
