package io.jcri.runtime.oci;

import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.IDMapping;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.UserNamespace;
import io.jcri.sys.Failure;
import io.jcri.sys.UserNamespaces.IdMap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A pod's own user namespace (userns_options mode POD): where it is pinned and its one UID and one
 * GID mapping (the request checks allow no other shape), and what it adds to each OCI spec of the
 * pod: the user namespace to join and its mappings, which runc reads for the owner of the devices
 * it makes.
 */
public record PodUserNamespace(Path pin, IdMap uids, IdMap gids) {
  /** The pod's user namespace, pinned at pin, if it asks for one of its own. */
  public static Optional<PodUserNamespace> of(PodSandboxConfig pod, Path pin) {
    NamespaceOption ns = pod.getLinux().getSecurityContext().getNamespaceOptions();
    var userns = ns.getUsernsOptions();
    if (!podMode(ns) || userns.getUidsCount() != 1 || userns.getGidsCount() != 1) {
      return Optional.empty();
    }
    return Optional.of(
        new PodUserNamespace(pin, idMap(userns.getUids(0)), idMap(userns.getGids(0))));
  }

  /** Whether the pod asks for a user namespace of its own. */
  public static boolean asked(PodSandboxConfig pod) {
    return podMode(pod.getLinux().getSecurityContext().getNamespaceOptions());
  }

  /**
   * Mode POD, stated: without userns_options a pod runs in the node's user namespace, as in
   * containerd and CRI-O.
   */
  private static boolean podMode(NamespaceOption ns) {
    return ns.hasUsernsOptions() && ns.getUsernsOptions().getMode() == NamespaceMode.POD;
  }

  /**
   * A container of the pod runs in the pod's user namespace: its own userns_options, when it states
   * them (kubelet copies the pod's), must say the same.
   */
  public static void requireSameAsPod(NamespaceOption container, PodSandboxConfig pod) {
    if (!container.hasUsernsOptions()) {
      return;
    }
    NamespaceOption podNs = pod.getLinux().getSecurityContext().getNamespaceOptions();
    var podUserns = podNs.getUsernsOptions();
    var own = container.getUsernsOptions();
    boolean same =
        podMode(container) == podMode(podNs)
            && (!podMode(podNs)
                || (own.getUidsList().equals(podUserns.getUidsList())
                    && own.getGidsList().equals(podUserns.getGidsList())));
    if (!same) {
      throw Failure.invalid(
          "linux.security_context.namespace_options.userns_options: the container asks for "
              + describe(podMode(container), own.getUidsList())
              + " but its pod runs in "
              + describe(podMode(podNs), podUserns.getUidsList())
              + "; a container shares its pod's user namespace");
    }
  }

  /**
   * Image volumes (Mount.image) of more than one layer are overlays, which jcrid cannot ID-map
   * (only their layers); they are refused in such a pod rather than shown with the wrong owners.
   */
  public static void requireNoImageVolumes(ContainerConfig config) {
    for (int i = 0; i < config.getMountsCount(); i++) {
      if (!config.getMounts(i).getImage().getImage().isEmpty()) {
        throw Failure.unimplemented(
            "mounts["
                + i
                + "].image: image volumes are not supported in a pod with a user"
                + " namespace of its own (userns_options mode POD)");
      }
    }
  }

  /** The user namespace options of a pod (or container) asking for one of its own, else empty. */
  public static Optional<UserNamespace> podModeOptions(NamespaceOption ns) {
    return podMode(ns) ? Optional.of(ns.getUsernsOptions()) : Optional.empty();
  }

  /**
   * Mount.uid_mappings/gid_mappings: kubelet (1.30 on) sends its pod's mappings on every mount of a
   * pod of its own user namespace. jcrid ID-maps every bind of such a pod with exactly those, so a
   * mount may state them and no others (nor any in a pod of the node's user namespace).
   */
  public static void requireMountMappings(List<Mount> mounts, Optional<UserNamespace> pod) {
    for (int i = 0; i < mounts.size(); i++) {
      Mount m = mounts.get(i);
      mountMapping(
          "mounts[" + i + "].uidMappings",
          m.getUidMappingsList(),
          pod.map(UserNamespace::getUidsList));
      mountMapping(
          "mounts[" + i + "].gidMappings",
          m.getGidMappingsList(),
          pod.map(UserNamespace::getGidsList));
    }
  }

  private static void mountMapping(
      String field, List<IDMapping> asked, Optional<List<IDMapping>> pod) {
    if (asked.isEmpty() || pod.filter(asked::equals).isPresent()) {
      return;
    }
    throw Failure.invalid(
        field
            + ": "
            + asked.stream().map(PodUserNamespace::text).toList()
            + " is not "
            + pod.map(
                    p ->
                        "the pod's user namespace mapping "
                            + p.stream().map(PodUserNamespace::text).toList())
                .orElse("possible: the pod runs in the node's user namespace")
            + "; jcri ID-maps a mount with its pod's mapping only");
  }

  private static String text(IDMapping m) {
    return Integer.toUnsignedString(m.getContainerId())
        + ":"
        + Integer.toUnsignedString(m.getHostId())
        + ":"
        + Integer.toUnsignedString(m.getLength());
  }

  /** The node's IDs of the pod's root user and group: the owners of the pod's own files. */
  public int hostRootUid() {
    return (int) uids.hostId();
  }

  public int hostRootGid() {
    return (int) gids.hostId();
  }

  /**
   * The spec with its process joined to the pod's user namespace, and that namespace's mappings.
   */
  public OciSpec addTo(OciSpec oci) {
    RuntimeSpec spec = oci.spec();
    SpecLinux l = spec.linux();
    List<SpecLinux.Namespace> namespaces = new ArrayList<>(l.namespaces());
    namespaces.add(new SpecLinux.Namespace("user", pin.toString()));
    SpecLinux linux =
        new SpecLinux(
            namespaces,
            List.of(mapping(uids)),
            List.of(mapping(gids)),
            l.devices(),
            l.resources(),
            l.cgroupsPath(),
            l.sysctl(),
            l.maskedPaths(),
            l.readonlyPaths(),
            l.seccomp(),
            l.rootfsPropagation());
    return new OciSpec(
        new RuntimeSpec(
            spec.ociVersion(),
            spec.process(),
            spec.root(),
            spec.hostname(),
            spec.mounts(),
            spec.hooks(),
            linux,
            spec.annotations()),
        oci.user(),
        oci.hostPropagation());
  }

  private static SpecLinux.IdMapping mapping(IdMap map) {
    return new SpecLinux.IdMapping(map.containerId(), map.hostId(), map.length());
  }

  private static String describe(boolean podMode, List<IDMapping> uids) {
    return podMode
        ? "a user namespace of its own (UIDs "
            + uids.stream().map(PodUserNamespace::text).toList()
            + ")"
        : "the node's user namespace";
  }

  private static IdMap idMap(IDMapping m) {
    return new IdMap(
        Integer.toUnsignedLong(m.getContainerId()),
        Integer.toUnsignedLong(m.getHostId()),
        Integer.toUnsignedLong(m.getLength()));
  }
}
