package io.jcri.runtime.oci;

/**
 * Sysctl names in their two spellings (sysctl.d(5)): the first separator tells the form. In
 * "net.ipv4.conf.eth0/100.forwarding" a slash stands for a dot of the name, in
 * "net/ipv4/conf/eth0.100/forwarding" a dot does; both name the same /proc/sys file.
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

  private static String swapped(String key) {
    StringBuilder b = new StringBuilder(key.length());
    for (char c : key.toCharArray()) {
      b.append(c == '.' ? '/' : c == '/' ? '.' : c);
    }
    return b.toString();
  }
}
