package io.jcri.runtime.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.IDMapping;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.sys.Failure;
import io.jcri.sys.UserNamespaces.IdMap;
import java.nio.file.Path;
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
    return Optional.of(new PodUserNamespace(pin, idMap(userns.getUids(0)), idMap(userns.getGids(0))));
  }

  /** Whether the pod asks for a user namespace of its own. */
  public static boolean asked(PodSandboxConfig pod) {
    return podMode(pod.getLinux().getSecurityContext().getNamespaceOptions());
  }

  /** Mode POD, stated: without userns_options a pod runs in the node's user namespace, as in containerd and CRI-O. */
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
    boolean same = podMode(container) == podMode(podNs) && (!podMode(podNs)
        || (own.getUidsList().equals(podUserns.getUidsList()) && own.getGidsList().equals(podUserns.getGidsList())));
    if (!same) {
      throw Failure.invalid("linux.security_context.namespace_options.userns_options: the container asks for "
          + describe(podMode(container), own.getUidsList()) + " but its pod runs in "
          + describe(podMode(podNs), podUserns.getUidsList()) + "; a container shares its pod's user namespace");
    }
  }

  /**
   * Image volumes (Mount.image) of more than one layer are overlays, which jcrid cannot ID-map (only
   * their layers); they are refused in such a pod rather than shown with the wrong owners.
   */
  public static void requireNoImageVolumes(ContainerConfig config) {
    for (int i = 0; i < config.getMountsCount(); i++) {
      if (!config.getMounts(i).getImage().getImage().isEmpty()) {
        throw Failure.unimplemented("mounts[" + i + "].image: image volumes are not supported in a pod with a user"
            + " namespace of its own (userns_options mode POD)");
      }
    }
  }

  /** The node's IDs of the pod's root user and group: the owners of the pod's own files. */
  public int hostRootUid() {
    return (int) uids.hostId();
  }

  public int hostRootGid() {
    return (int) gids.hostId();
  }

  /** Joins the spec's process to the pod's user namespace and states its mappings. */
  public void addTo(OciSpec spec) {
    ObjectNode linux = (ObjectNode) spec.json().path("linux");
    ObjectNode ns = ((ArrayNode) linux.path("namespaces")).addObject();
    ns.put("type", "user");
    ns.put("path", pin.toString());
    mapping(linux.putArray("uidMappings"), uids);
    mapping(linux.putArray("gidMappings"), gids);
  }

  private static String describe(boolean podMode, java.util.List<IDMapping> uids) {
    return podMode ? "a user namespace of its own (UIDs " + uids.stream().map(m -> m.getContainerId() + ":"
        + Integer.toUnsignedString(m.getHostId()) + ":" + Integer.toUnsignedString(m.getLength())).toList() + ")"
        : "the node's user namespace";
  }

  private static void mapping(ArrayNode array, IdMap map) {
    ObjectNode m = array.addObject();
    m.put("containerID", map.containerId());
    m.put("hostID", map.hostId());
    m.put("size", map.length());
  }

  private static IdMap idMap(IDMapping m) {
    return new IdMap(Integer.toUnsignedLong(m.getContainerId()), Integer.toUnsignedLong(m.getHostId()),
        Integer.toUnsignedLong(m.getLength()));
  }
}
