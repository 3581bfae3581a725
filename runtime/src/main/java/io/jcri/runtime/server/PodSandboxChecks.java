package io.jcri.runtime.server;

import static io.jcri.runtime.server.Fields.absolute;
import static io.jcri.runtime.server.Fields.invalid;
import static io.jcri.runtime.server.Fields.quoted;
import static io.jcri.runtime.server.Fields.range;
import static io.jcri.runtime.server.Fields.required;

import io.jcri.cri.v1.DNSConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PortMapping;
import io.jcri.cri.v1.Protocol;
import io.jcri.runtime.oci.Sysctls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * RunPodSandbox: the pod config alone, checked against the CRI's rules before any namespace,
 * directory or network is made. Fields are named relative to the request's {@code config}.
 */
final class PodSandboxChecks {
  /** The node's own sysctls, as /proc/sys shows them to jcrid. */
  static final Predicate<String> KERNEL_SYSCTLS =
      path -> Files.exists(Path.of("/proc/sys").resolve(path));

  private static final int MAX_HOSTNAME = 64;
  private static final Pattern HOSTNAME =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");

  /**
   * Per-interface network sysctls: the interface exists only inside the pod, so only the pod can
   * tell.
   */
  private static final Pattern INTERFACE_SYSCTL =
      Pattern.compile("net/ipv[46]/(conf|neigh)/(?!all/|default/)[^/]+/.+");

  private static final Pattern SYSCTL_COMPONENT = Pattern.compile("[A-Za-z0-9_.:@+-]+");

  private PodSandboxChecks() {}

  /**
   * @param sysctlExists whether the kernel has a sysctl, given its /proc/sys path
   *     ("net/ipv4/ip_forward")
   */
  static void runPodSandbox(PodSandboxConfig pod, Predicate<String> sysctlExists) {
    required("metadata.name", pod.getMetadata().getName());
    required("metadata.namespace", pod.getMetadata().getNamespace());
    required("metadata.uid", pod.getMetadata().getUid());
    String hostname = pod.getHostname();
    if (!hostname.isEmpty()
        && (hostname.length() > MAX_HOSTNAME || !HOSTNAME.matcher(hostname).matches())) {
      throw invalid(
          "hostname",
          quoted(hostname)
              + " is not a host name of at most "
              + MAX_HOSTNAME
              + " letters, digits, '-', '_' and '.'");
    }
    if (!pod.getLogDirectory().isEmpty()) {
      absolute("log_directory", pod.getLogDirectory());
    }
    dns(pod.getDnsConfig());
    for (int i = 0; i < pod.getPortMappingsCount(); i++) {
      port("port_mappings[" + i + "]", pod.getPortMappings(i));
    }
    LinuxSandboxSecurityContext sc = pod.getLinux().getSecurityContext();
    SecurityContextChecks.ids(
        "linux.security_context",
        sc.hasRunAsUser() ? sc.getRunAsUser() : null,
        sc.hasRunAsGroup() ? sc.getRunAsGroup() : null,
        sc.hasRunAsUser(),
        "run_as_user",
        sc.getSupplementalGroupsList());
    SecurityContextChecks.supplementalGroupsPolicy(
        "linux.security_context",
        sc.getSupplementalGroupsPolicy(),
        sc.getSupplementalGroupsPolicyValue());
    SecurityContextChecks.namespaces(
        "linux.security_context.namespace_options", sc.getNamespaceOptions(), false);
    if (sc.hasSeccomp()) {
      SecurityContextChecks.seccomp("linux.security_context.seccomp", sc.getSeccomp());
    }
    sysctls(pod, sysctlExists);
    ResourceChecks.resources("linux.overhead", pod.getLinux().getOverhead());
    ResourceChecks.resources("linux.resources", pod.getLinux().getResources());
  }

  /**
   * Each entry becomes a line of the pod's resolv.conf: a space or newline in one would forge
   * others.
   */
  private static void dns(DNSConfig dns) {
    for (int i = 0; i < dns.getServersCount(); i++) {
      Fields.ipLiteral("dns_config.servers[" + i + "]", dns.getServers(i));
    }
    for (int i = 0; i < dns.getSearchesCount(); i++) {
      Fields.word("dns_config.searches[" + i + "]", dns.getSearches(i));
    }
    for (int i = 0; i < dns.getOptionsCount(); i++) {
      Fields.word("dns_config.options[" + i + "]", dns.getOptions(i));
    }
  }

  private static void port(String field, PortMapping p) {
    if (p.getProtocol() == Protocol.UNRECOGNIZED) {
      throw invalid(
          field + ".protocol", p.getProtocolValue() + " is not TCP (0), UDP (1) or SCTP (2)");
    }
    range(field + ".container_port", p.getContainerPort(), 1, 65535);
    range(field + ".host_port", p.getHostPort(), 0, 65535);
    if (!p.getHostIp().isEmpty()) {
      Fields.ipLiteral(field + ".host_ip", p.getHostIp());
    }
  }

  /**
   * Only sysctls of the pod's own namespaces (network, IPC) may be set: any other would change the
   * node. A pod that shares a namespace with the node may set none of its sysctls, and every sysctl
   * must be one the kernel has.
   */
  private static void sysctls(PodSandboxConfig pod, Predicate<String> sysctlExists) {
    var ns = pod.getLinux().getSecurityContext().getNamespaceOptions();
    for (Map.Entry<String, String> e : pod.getLinux().getSysctlsMap().entrySet()) {
      String key = e.getKey();
      String field = "linux.sysctls[" + quoted(key) + "]";
      String path = Sysctls.procSysPath(key);
      for (String component : path.split("/", -1)) {
        if (!SYSCTL_COMPONENT.matcher(component).matches()
            || component.equals(".")
            || component.equals("..")) {
          throw invalid(field, "is not a sysctl name");
        }
      }
      boolean net = path.startsWith("net/");
      boolean ipc =
          path.startsWith("kernel/shm")
              || path.startsWith("kernel/msg")
              || path.equals("kernel/sem")
              || path.startsWith("fs/mqueue/");
      if (!net && !ipc) {
        throw invalid(
            field,
            "is not a namespaced sysctl (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*):"
                + " setting it would change the node");
      }
      if (net && ns.getNetwork() == NamespaceMode.NODE) {
        throw invalid(field, "needs the pod's own network namespace, but the pod uses the node's");
      }
      if (ipc && ns.getIpc() == NamespaceMode.NODE) {
        throw invalid(field, "needs the pod's own IPC namespace, but the pod uses the node's");
      }
      if (!INTERFACE_SYSCTL.matcher(path).matches() && !sysctlExists.test(path)) {
        throw invalid(field, "is not a sysctl of this kernel (no /proc/sys/" + path + ")");
      }
    }
  }
}
