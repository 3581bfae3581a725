package io.jcri.runtime.server;

import static io.jcri.runtime.server.Fields.invalid;
import static io.jcri.runtime.server.Fields.range;
import static io.jcri.runtime.server.Fields.required;

import io.jcri.cri.v1.IDMapping;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.SecurityProfile;
import io.jcri.cri.v1.SupplementalGroupsPolicy;
import io.jcri.cri.v1.UserNamespace;
import java.util.List;
import java.util.Map;

/**
 * The security context of a pod or a container, checked against the CRI's rules: user and group
 * IDs, the supplemental groups policy, namespace modes and user namespace mappings, seccomp
 * profiles. Used by {@link ContainerChecks} and {@link PodSandboxChecks}.
 */
final class SecurityContextChecks {
  /** The end (exclusive) of a mapping's host IDs: 4294967295 is the invalid ID (-1). */
  private static final long MAX_ID_END = 4_294_967_295L;

  private SecurityContextChecks() {}

  /** A container's security context: IDs, supplemental groups policy, namespaces, seccomp. */
  static void container(String field, LinuxContainerSecurityContext sc) {
    boolean user = sc.hasRunAsUser() || !sc.getRunAsUsername().isEmpty();
    if (sc.hasRunAsUser() && !sc.getRunAsUsername().isEmpty()) {
      throw invalid(field + ".run_as_username", "cannot be set together with run_as_user");
    }
    ids(
        field,
        sc.hasRunAsUser() ? sc.getRunAsUser() : null,
        sc.hasRunAsGroup() ? sc.getRunAsGroup() : null,
        user,
        "run_as_user or run_as_username",
        sc.getSupplementalGroupsList());
    supplementalGroupsPolicy(
        field, sc.getSupplementalGroupsPolicy(), sc.getSupplementalGroupsPolicyValue());
    namespaces(field + ".namespace_options", sc.getNamespaceOptions(), true);
    if (sc.hasSeccomp()) {
      seccomp(field + ".seccomp", sc.getSeccomp());
    }
  }

  /**
   * User and group IDs of a security context: none negative, and a group only with a user (the CRI
   * says the runtime MUST fail otherwise).
   */
  static void ids(
      String field,
      Int64Value uid,
      Int64Value gid,
      boolean userGiven,
      String userFields,
      List<Long> supplementalGroups) {
    if (uid != null) {
      range(field + ".run_as_user", uid.getValue(), 0, Integer.toUnsignedLong(-1) - 1);
    }
    if (gid != null) {
      if (!userGiven) {
        throw invalid(
            field + ".run_as_group",
            "is set but " + userFields + " is not; the CRI requires a user with it");
      }
      range(field + ".run_as_group", gid.getValue(), 0, Integer.toUnsignedLong(-1) - 1);
    }
    for (int i = 0; i < supplementalGroups.size(); i++) {
      range(
          field + ".supplemental_groups[" + i + "]",
          supplementalGroups.get(i),
          0,
          Integer.toUnsignedLong(-1) - 1);
    }
  }

  static void supplementalGroupsPolicy(String field, SupplementalGroupsPolicy policy, int value) {
    if (policy == SupplementalGroupsPolicy.UNRECOGNIZED) {
      throw invalid(field + ".supplemental_groups_policy", value + " is not Merge or Strict");
    }
  }

  /** TARGET is a PID namespace mode of containers only, and needs the target. */
  static void namespaces(String field, NamespaceOption ns, boolean container) {
    mode(field + ".network", ns.getNetwork(), ns.getNetworkValue(), false);
    mode(field + ".ipc", ns.getIpc(), ns.getIpcValue(), false);
    mode(field + ".pid", ns.getPid(), ns.getPidValue(), container);
    if (ns.getPid() == NamespaceMode.TARGET && ns.getTargetId().isEmpty()) {
      throw invalid(field + ".target_id", "is required with pid mode TARGET");
    }
    if (ns.hasUsernsOptions()) {
      userns(field, ns);
    }
  }

  /**
   * The CRI's user namespace modes are POD (one UID and one GID mapping, container ID 0 mapped) and
   * NODE (no mappings). A pod of its own user namespace cannot share the node's network, IPC or PID
   * namespace: the user namespace would not own them (kubelet refuses these pods too).
   */
  private static void userns(String field, NamespaceOption ns) {
    UserNamespace userns = ns.getUsernsOptions();
    String f = field + ".userns_options";
    switch (userns.getMode()) {
      case NODE -> {
        if (userns.getUidsCount() > 0 || userns.getGidsCount() > 0) {
          throw invalid(
              f + (userns.getUidsCount() > 0 ? ".uids" : ".gids"),
              "mappings are for mode POD only; mode NODE runs in the node's user namespace");
        }
      }
      case POD -> {
        idMapping(f + ".uids", userns.getUidsList());
        idMapping(f + ".gids", userns.getGidsList());
        for (var shared :
            List.of(
                Map.entry("network", ns.getNetwork()),
                Map.entry("ipc", ns.getIpc()),
                Map.entry("pid", ns.getPid()))) {
          if (shared.getValue() == NamespaceMode.NODE) {
            throw invalid(
                field + "." + shared.getKey(),
                "NODE cannot be combined with userns_options mode POD: a"
                    + " namespace of the node is not owned by the pod's user namespace");
          }
        }
      }
      default ->
          throw invalid(
              f + ".mode",
              modeName(userns.getMode(), userns.getModeValue())
                  + " is not a user namespace mode; the CRI allows POD and NODE");
    }
  }

  /**
   * Exactly one mapping, of container ID 0, not of the node's root, within the 32-bit IDs below
   * 2^32-1.
   */
  private static void idMapping(String field, List<IDMapping> maps) {
    if (maps.size() != 1) {
      throw invalid(
          field, "has " + maps.size() + " mappings; a pod's user namespace takes exactly one");
    }
    IDMapping m = maps.get(0);
    if (m.getContainerId() != 0) {
      throw invalid(
          field + "[0].container_id",
          Integer.toUnsignedString(m.getContainerId())
              + " leaves the container's root (ID 0) unmapped; the mapping must start at 0");
    }
    if (m.getHostId() == 0) {
      throw invalid(
          field + "[0].host_id",
          "0 would make the pod's root the node's root; use mode NODE for that");
    }
    long end = Integer.toUnsignedLong(m.getHostId()) + Integer.toUnsignedLong(m.getLength());
    if (m.getLength() == 0 || end > MAX_ID_END) {
      throw invalid(
          field + "[0].length",
          Integer.toUnsignedString(m.getLength())
              + " from host_id "
              + Integer.toUnsignedString(m.getHostId())
              + " must be at least 1 and end below 4294967295");
    }
  }

  private static void mode(String field, NamespaceMode mode, int value, boolean targetAllowed) {
    if (mode == NamespaceMode.UNRECOGNIZED || (mode == NamespaceMode.TARGET && !targetAllowed)) {
      throw invalid(field, modeName(mode, value) + " is not a namespace mode allowed here");
    }
  }

  private static String modeName(NamespaceMode mode, int value) {
    return mode == NamespaceMode.UNRECOGNIZED ? String.valueOf(value) : mode.name();
  }

  /**
   * A Localhost profile names its file: absolute, or relative to the configured seccomp profile
   * root.
   */
  static void seccomp(String field, SecurityProfile profile) {
    if (profile.getProfileType() == SecurityProfile.ProfileType.UNRECOGNIZED) {
      throw invalid(
          field + ".profile_type",
          profile.getProfileTypeValue() + " is not a profile type of the CRI");
    }
    if (profile.getProfileType() == SecurityProfile.ProfileType.Localhost) {
      required(field + ".localhost_ref", profile.getLocalhostRef());
    }
  }
}
