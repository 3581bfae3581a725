package io.jcri.runtime.oci;

import io.jcri.cri.v1.Capability;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Capability names and the CRI add/drop arithmetic (with "ALL"), bounded by what the node can
 * grant.
 */
final class Capabilities {
  private static final Logger LOG = Logger.getLogger(Capabilities.class.getName());

  /** Every capability Linux defines, indexed by its number. */
  static final List<String> ALL =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_DAC_READ_SEARCH",
          "CAP_FOWNER",
          "CAP_FSETID",
          "CAP_KILL",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETPCAP",
          "CAP_LINUX_IMMUTABLE",
          "CAP_NET_BIND_SERVICE",
          "CAP_NET_BROADCAST",
          "CAP_NET_ADMIN",
          "CAP_NET_RAW",
          "CAP_IPC_LOCK",
          "CAP_IPC_OWNER",
          "CAP_SYS_MODULE",
          "CAP_SYS_RAWIO",
          "CAP_SYS_CHROOT",
          "CAP_SYS_PTRACE",
          "CAP_SYS_PACCT",
          "CAP_SYS_ADMIN",
          "CAP_SYS_BOOT",
          "CAP_SYS_NICE",
          "CAP_SYS_RESOURCE",
          "CAP_SYS_TIME",
          "CAP_SYS_TTY_CONFIG",
          "CAP_MKNOD",
          "CAP_LEASE",
          "CAP_AUDIT_WRITE",
          "CAP_AUDIT_CONTROL",
          "CAP_SETFCAP",
          "CAP_MAC_OVERRIDE",
          "CAP_MAC_ADMIN",
          "CAP_SYSLOG",
          "CAP_WAKE_ALARM",
          "CAP_BLOCK_SUSPEND",
          "CAP_AUDIT_READ",
          "CAP_PERFMON",
          "CAP_BPF",
          "CAP_CHECKPOINT_RESTORE");

  private Capabilities() {}

  /**
   * "net_admin", "NET_ADMIN" and "CAP_NET_ADMIN" all name CAP_NET_ADMIN; unknown names are the
   * caller's error.
   */
  static String canonical(String name) throws OciSpecException {
    String upper = name.trim().toUpperCase(Locale.ROOT);
    String full = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
    if (!ALL.contains(full)) {
      throw OciSpecException.invalid("unknown capability \"" + name + "\"");
    }
    return full;
  }

  /**
   * The container's capability set. "ALL" in add starts from every capability, "ALL" in drop from
   * none; the named adds then apply, then the named drops, so add [ALL] drop [CHOWN] is all but
   * CAP_CHOWN.
   */
  static List<String> effective(
      Capability requested, List<String> defaults, boolean privileged, String who)
      throws OciSpecException {
    Set<String> caps = new LinkedHashSet<>();
    if (privileged || requested.getAddCapabilitiesList().stream().anyMatch(Capabilities::isAll)) {
      caps.addAll(ALL);
    } else {
      for (String d : defaults) {
        caps.add(canonical(d));
      }
    }
    if (!privileged) {
      if (requested.getDropCapabilitiesList().stream().anyMatch(Capabilities::isAll)) {
        caps.clear();
      }
      for (String add : requested.getAddCapabilitiesList()) {
        if (!isAll(add)) {
          caps.add(canonical(add));
        }
      }
      for (String drop : requested.getDropCapabilitiesList()) {
        if (!isAll(drop)) {
          caps.remove(canonical(drop));
        }
      }
    }
    return withinNodeBounds(caps, who);
  }

  /** Ambient capabilities must also be permitted, so they are cut to the effective set. */
  static List<String> ambient(Capability requested, List<String> effective)
      throws OciSpecException {
    List<String> ambient = new ArrayList<>();
    for (String name : requested.getAddAmbientCapabilitiesList()) {
      String cap = canonical(name);
      if (effective.contains(cap) && !ambient.contains(cap)) {
        ambient.add(cap);
      }
    }
    return ambient;
  }

  private static List<String> withinNodeBounds(Set<String> caps, String who) {
    List<String> granted = new ArrayList<>();
    List<String> withheld = new ArrayList<>();
    for (String cap : caps) {
      (NodeFacts.BOUNDING_CAPABILITIES.contains(cap) ? granted : withheld).add(cap);
    }
    if (!withheld.isEmpty()) {
      LOG.info(
          "event=capabilities_withheld container="
              + who
              + " caps="
              + String.join(",", withheld)
              + " reason=not_in_node_bounding_set");
    }
    return granted;
  }

  private static boolean isAll(String name) {
    return name.trim().equalsIgnoreCase("ALL");
  }
}
