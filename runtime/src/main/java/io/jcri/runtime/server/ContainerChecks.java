package io.jcri.runtime.server;

import static io.jcri.runtime.server.Fields.absolute;
import static io.jcri.runtime.server.Fields.invalid;
import static io.jcri.runtime.server.Fields.quoted;
import static io.jcri.runtime.server.Fields.range;
import static io.jcri.runtime.server.Fields.relativeInside;
import static io.jcri.runtime.server.Fields.required;

import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.Device;
import io.jcri.cri.v1.HugepageLimit;
import io.jcri.cri.v1.IDMapping;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.KeyValue;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.SecurityProfile;
import io.jcri.cri.v1.SupplementalGroupsPolicy;
import io.jcri.cri.v1.UserNamespace;
import io.jcri.runtime.oci.PodUserNamespace;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * CreateContainer and UpdateContainerResources: the request alone, checked against the CRI's rules
 * before anything is looked up or created. Fields are named relative to the request's {@code
 * config} (CreateContainer) or as the request spells them (UpdateContainerResources).
 */
final class ContainerChecks {
  /** The kernel's CFS limits: a period of 1 ms to 1 s, a quota of at least 1 ms. */
  private static final long MIN_CFS_US = 1_000;

  private static final long MAX_CFS_PERIOD_US = 1_000_000;

  /** cgroup v1 cpu.shares bounds (kubelet never sends less than 2). */
  private static final long MIN_SHARES = 2;

  private static final long MAX_SHARES = 262_144;
  private static final Pattern CPU_LIST = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");
  private static final Pattern PAGE_SIZE = Pattern.compile("\\d+[KMGTP]B");

  /** The end (exclusive) of a mapping's host IDs: 4294967295 is the invalid ID (-1). */
  private static final long MAX_ID_END = 4_294_967_295L;

  /**
   * A cgroup v2 interface file of the container's own cgroup: controller.file, nothing that names a
   * path.
   */
  private static final Pattern UNIFIED_KEY = Pattern.compile("[a-z0-9_]+(\\.[A-Za-z0-9_]+)+");

  private ContainerChecks() {}

  /**
   * sandboxConfig is the request's copy of the pod's config: a mount's ID mappings must be the
   * pod's user namespace mappings (the container's own userns_options, else the pod's).
   */
  static void createContainer(ContainerConfig config, PodSandboxConfig sandboxConfig) {
    required("metadata.name", config.getMetadata().getName());
    ImageChecks.reference("image.image", config.getImage().getImage());
    if (!config.getWorkingDir().isEmpty()) {
      absolute("working_dir", config.getWorkingDir());
    }
    for (int i = 0; i < config.getEnvsCount(); i++) {
      KeyValue env = config.getEnvs(i);
      if (env.getKey().isEmpty()
          || env.getKey().indexOf('=') >= 0
          || env.getKey().indexOf('\0') >= 0) {
        throw invalid(
            "envs[" + i + "].key", quoted(env.getKey()) + " must be non-empty without '=' or NUL");
      }
    }
    mounts(config.getMountsList());
    var own =
        PodUserNamespace.podModeOptions(
            config.getLinux().getSecurityContext().getNamespaceOptions());
    PodUserNamespace.requireMountMappings(
        config.getMountsList(),
        own.isPresent()
            ? own
            : PodUserNamespace.podModeOptions(
                sandboxConfig.getLinux().getSecurityContext().getNamespaceOptions()));
    for (int i = 0; i < config.getDevicesCount(); i++) {
      Device d = config.getDevices(i);
      absolute("devices[" + i + "].host_path", d.getHostPath());
      if (!d.getContainerPath().isEmpty()) {
        absolute("devices[" + i + "].container_path", d.getContainerPath());
      }
      if (!d.getPermissions().isEmpty() && !d.getPermissions().matches("[rwm]{1,3}")) {
        throw invalid(
            "devices[" + i + "].permissions",
            quoted(d.getPermissions()) + " must be made of r, w and m");
      }
    }
    if (!config.getLogPath().isEmpty()) {
      relativeInside("log_path", config.getLogPath());
    }
    if (config.getStopSignal() == io.jcri.cri.v1.Signal.UNRECOGNIZED) {
      throw invalid("stop_signal", config.getStopSignalValue() + " is not a signal of the CRI");
    }
    resources("linux.resources", config.getLinux().getResources());
    securityContext("linux.security_context", config.getLinux().getSecurityContext());
  }

  private static void mounts(List<Mount> mounts) {
    Map<Path, Integer> seen = new HashMap<>();
    for (int i = 0; i < mounts.size(); i++) {
      Mount m = mounts.get(i);
      String field = "mounts[" + i + "]";
      absolute(field + ".container_path", m.getContainerPath());
      if (!m.hasImage() || m.getImage().getImage().isEmpty()) {
        absolute(field + ".host_path", m.getHostPath());
      }
      if (m.getPropagation() == io.jcri.cri.v1.MountPropagation.UNRECOGNIZED) {
        throw invalid(
            field + ".propagation",
            m.getPropagationValue() + " is not a mount propagation of the CRI");
      }
      if (m.getRecursiveReadOnly() && !m.getReadonly()) {
        throw invalid(field + ".recursive_read_only", "needs readonly set as well");
      }
      if (m.getRecursiveReadOnly()
          && m.getPropagation() != io.jcri.cri.v1.MountPropagation.PROPAGATION_PRIVATE) {
        throw invalid(
            field + ".recursive_read_only",
            "needs propagation PROPAGATION_PRIVATE, not " + m.getPropagation());
      }
      Integer earlier = seen.putIfAbsent(Path.of(m.getContainerPath()).normalize(), i);
      if (earlier != null) {
        throw invalid(
            field + ".container_path",
            quoted(m.getContainerPath()) + " is also the destination of mounts[" + earlier + "]");
      }
    }
  }

  static void resources(String field, LinuxContainerResources r) {
    if (r.getCpuPeriod() != 0) {
      range(field + ".cpu_period", r.getCpuPeriod(), MIN_CFS_US, MAX_CFS_PERIOD_US);
    }
    if (r.getCpuQuota() != 0 && r.getCpuQuota() != -1) {
      range(field + ".cpu_quota", r.getCpuQuota(), MIN_CFS_US, Long.MAX_VALUE);
    }
    if (r.getCpuShares() != 0) {
      range(field + ".cpu_shares", r.getCpuShares(), MIN_SHARES, MAX_SHARES);
    }
    range(field + ".memory_limit_in_bytes", r.getMemoryLimitInBytes(), 0, Long.MAX_VALUE);
    range(field + ".memory_swap_limit_in_bytes", r.getMemorySwapLimitInBytes(), -1, Long.MAX_VALUE);
    if (r.getMemorySwapLimitInBytes() > 0
        && r.getMemorySwapLimitInBytes() < r.getMemoryLimitInBytes()) {
      throw invalid(
          field + ".memory_swap_limit_in_bytes",
          r.getMemorySwapLimitInBytes()
              + " is below memory_limit_in_bytes "
              + r.getMemoryLimitInBytes()
              + " (it counts memory plus swap)");
    }
    range(field + ".oom_score_adj", r.getOomScoreAdj(), -1000, 1000);
    cpuList(field + ".cpuset_cpus", r.getCpusetCpus());
    cpuList(field + ".cpuset_mems", r.getCpusetMems());
    for (int i = 0; i < r.getHugepageLimitsCount(); i++) {
      HugepageLimit h = r.getHugepageLimits(i);
      if (!PAGE_SIZE.matcher(h.getPageSize()).matches()) {
        throw invalid(
            field + ".hugepage_limits[" + i + "].page_size",
            quoted(h.getPageSize()) + " is not of the form <size><unit>B such as 2MB or 1GB");
      }
    }
    for (String key : r.getUnifiedMap().keySet()) {
      if (!UNIFIED_KEY.matcher(key).matches()) {
        throw invalid(
            field + ".unified[" + quoted(key) + "]",
            "is not a cgroup v2 file name such as memory.max");
      }
    }
  }

  /** "0-3,8": ascending ranges of CPU or memory node numbers. */
  private static void cpuList(String field, String list) {
    if (list.isEmpty()) {
      return;
    }
    boolean ok = CPU_LIST.matcher(list).matches();
    for (String part : ok ? list.split(",") : new String[0]) {
      String[] ends = part.split("-");
      ok &= ends.length == 1 || Long.parseLong(ends[0]) <= Long.parseLong(ends[1]);
    }
    if (!ok) {
      throw invalid(
          field, quoted(list) + " is not a list of numbers and ascending ranges such as 0-3,8");
    }
  }

  private static void securityContext(String field, LinuxContainerSecurityContext sc) {
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
