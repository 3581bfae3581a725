package io.jcri.runtime.oci;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sysctl names in their two spellings (sysctl.d(5)): the first separator tells the form. In
 * "net.ipv4.conf.eth0/100.forwarding" a slash stands for a dot of the name, in
 * "net/ipv4/conf/eth0.100/forwarding" a dot does; both name the same /proc/sys file. Also the pod's
 * sysctls as the spec carries them.
 */
public final class Sysctls {
  private Sysctls() {}

  /** The path under /proc/sys a sysctl names: "net/ipv4/conf/eth0.100/forwarding". */
  public static String procSysPath(String key) {
    int dot = key.indexOf('.');
    int slash = key.indexOf('/');
    return slash >= 0 && (dot < 0 || slash < dot) ? key : swapped(key);
  }

  /** The dotted name runc's linux.sysctl takes: "net.ipv4.conf.eth0/100.forwarding". */
  public static String dottedName(String key) {
    return swapped(procSysPath(key));
  }

  /**
   * linux.sysctl of a pod's processes, or null for none. A namespaced sysctl is refused where the
   * pod shares that namespace with the host, since it would change the node.
   */
  static Map<String, String> forSpec(Map<String, String> sysctls, SandboxContext s)
      throws OciSpecException {
    if (sysctls.isEmpty()) {
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : sysctls.entrySet()) {
      String key = dottedName(e.getKey());
      if (key.startsWith("net.") && s.hostNetwork()) {
        throw OciSpecException.invalid(
            "sysctl "
                + key
                + " needs the pod's own network namespace, but the pod uses the host network");
      }
      boolean ipc =
          key.startsWith("kernel.shm")
              || key.startsWith("kernel.msg")
              || key.equals("kernel.sem")
              || key.startsWith("fs.mqueue.");
      if (ipc && s.hostIpc()) {
        throw OciSpecException.invalid(
            "sysctl " + key + " needs the pod's own IPC namespace, but the pod uses the host IPC");
      }
      out.put(key, e.getValue());
    }
    return out;
  }

  private static String swapped(String key) {
    StringBuilder b = new StringBuilder(key.length());
    for (char c : key.toCharArray()) {
      b.append(c == '.' ? '/' : c == '/' ? '.' : c);
    }
    return b.toString();
  }
}
