package io.jcri.runtime.oci;

import io.jcri.cri.v1.NamespaceMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds linux.namespaces: which of the pod's namespaces a container or the infra process joins,
 * and which it makes.
 */
final class NamespaceSpecs {
  private NamespaceSpecs() {}

  /**
   * A new mount namespace, the pod's network/IPC/UTS, the PID namespace its mode asks for, a cgroup
   * one on v2.
   */
  static List<SpecLinux.Namespace> container(
      SandboxContext s,
      NamespaceMode pidMode,
      String targetId,
      boolean privileged,
      OciOptions options)
      throws OciSpecException {
    List<SpecLinux.Namespace> namespaces = new ArrayList<>();
    namespaces.add(new SpecLinux.Namespace("mount", null));
    podNamespaces(namespaces, s, s.infraPid());
    pidNamespace(namespaces, pidMode, targetId, s, options);
    if (NodeFacts.CGROUP_V2 && !privileged) {
      namespaces.add(new SpecLinux.Namespace("cgroup", null));
    }
    return namespaces;
  }

  /**
   * The infra process is what others join, so it never joins itself: the pinned namespaces or new
   * ones.
   */
  static List<SpecLinux.Namespace> infra(SandboxContext s) {
    List<SpecLinux.Namespace> namespaces = new ArrayList<>();
    namespaces.add(new SpecLinux.Namespace("mount", null));
    podNamespaces(namespaces, s, 0);
    if (!s.hostPid()) {
      namespaces.add(new SpecLinux.Namespace("pid", null));
    }
    return namespaces;
  }

  /**
   * Network, IPC and UTS: the host's, the pinned namespace, the infra process's, or (alone in the
   * pod) new.
   */
  private static void podNamespaces(
      List<SpecLinux.Namespace> namespaces, SandboxContext s, int infraPid) {
    if (!s.hostNetwork()) {
      namespaces.add(
          new SpecLinux.Namespace(
              "network",
              s.netnsPath() != null ? s.netnsPath().toString() : infraNs(infraPid, "net")));
    }
    if (!s.hostIpc()) {
      namespaces.add(
          new SpecLinux.Namespace(
              "ipc", s.ipcNsPath() != null ? s.ipcNsPath().toString() : infraNs(infraPid, "ipc")));
    }
    // A host-network pod also keeps the host's hostname, as kubelet expects.
    if (!s.hostNetwork()) {
      namespaces.add(
          new SpecLinux.Namespace(
              "uts", s.utsNsPath() != null ? s.utsNsPath().toString() : infraNs(infraPid, "uts")));
    }
  }

  private static void pidNamespace(
      List<SpecLinux.Namespace> namespaces,
      NamespaceMode mode,
      String targetId,
      SandboxContext s,
      OciOptions options)
      throws OciSpecException {
    if (s.hostPid() || mode == NamespaceMode.NODE) {
      return;
    }
    switch (mode) {
      // Without an infra process the pod holds no PID namespace to share (CRI-O's drop_infra does
      // the same).
      case POD -> namespaces.add(new SpecLinux.Namespace("pid", infraNs(s.infraPid(), "pid")));
      case TARGET -> {
        if (targetId.isEmpty()) {
          throw OciSpecException.invalid("PID namespace mode TARGET needs a target_id");
        }
        long pid =
            Cgroups.firstPid(
                    Cgroups.path(s.cgroupParent(), targetId, options), options.cgroupDriver())
                .orElseThrow(
                    () ->
                        new OciSpecException(
                            OciSpecException.Reason.NOT_FOUND,
                            "target container "
                                + targetId
                                + " for the PID namespace is not running in pod "
                                + s.sandboxId()));
        namespaces.add(new SpecLinux.Namespace("pid", "/proc/" + pid + "/ns/pid"));
      }
      default -> namespaces.add(new SpecLinux.Namespace("pid", null));
    }
  }

  private static String infraNs(int infraPid, String ns) {
    return infraPid > 0 ? "/proc/" + infraPid + "/ns/" + ns : null;
  }
}
