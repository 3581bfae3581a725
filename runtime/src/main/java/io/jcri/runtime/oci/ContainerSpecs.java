package io.jcri.runtime.oci;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.cri.v1.Capability;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.Device;
import io.jcri.cri.v1.HugepageLimit;
import io.jcri.cri.v1.KeyValue;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.SELinuxOption;
import io.jcri.cri.v1.SecurityProfile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/** Turns a CRI container (or pod infra) config plus the image's defaults into the OCI runtime spec runc runs. */
public final class ContainerSpecs {
  private static final Logger LOG = Logger.getLogger(ContainerSpecs.class.getName());
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String OCI_VERSION = "1.0.2";
  private static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  /** What the infra process's OOM score would be where the kernel lets it go that low: last to be killed. */
  private static final int INFRA_OOM_SCORE_ADJ = -998;

  /** Paths of /proc and /sys that leak host information or controls; the set containerd and CRI-O mask. */
  static final List<String> DEFAULT_MASKED_PATHS = List.of(
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
      "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");
  static final List<String> DEFAULT_READONLY_PATHS = List.of(
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  private static final AtomicBoolean OOM_CLAMP_LOGGED = new AtomicBoolean();
  private static final Set<String> UNREACHABLE_LOGGED = ConcurrentHashMap.newKeySet();

  private ContainerSpecs() {}

  /**
   * The spec of one container of a pod.
   *
   * @param rootfs the mounted root filesystem; its /etc/passwd and /etc/group resolve users and groups
   * @param volumesDir where image VOLUMEs get their host directories
   * @param imageVolumes where the image of each image volume mount is mounted, by index into the CRI mounts
   */
  @SuppressWarnings("deprecation") // the deprecated profile strings are still what older kubelets and crictl send
  public static OciSpec build(ContainerConfig config, PodSandboxConfig pod, SandboxContext sandbox, ImageDefaults image,
      String containerId, Path rootfs, Path volumesDir, Map<Integer, Path> imageVolumes, OciOptions options)
      throws OciSpecException {
    LinuxContainerSecurityContext sc = config.getLinux().getSecurityContext();
    boolean privileged = sc.getPrivileged();
    if (privileged && !pod.getLinux().getSecurityContext().getPrivileged()) {
      throw OciSpecException.invalid("container " + config.getMetadata().getName()
          + " is privileged but its pod is not; privileged containers need a privileged pod");
    }
    Users.Identity identity = Users.resolve(sc, image.user(), rootfs);
    List<String> caps = Capabilities.effective(sc.getCapabilities(), options.defaultCapabilities(), privileged, containerId);
    CdiDevices.Injection cdi = CdiDevices.resolve(config.getCDIDevicesList(), options.cdiSpecDirs());

    ObjectNode spec = NODES.objectNode();
    spec.put("ociVersion", OCI_VERSION);
    ObjectNode process = spec.putObject("process");
    process.put("terminal", config.getTty());
    putUser(process, identity.user());
    strings(process.putArray("args"), processArgs(config, image));
    strings(process.putArray("env"),
        env(image.env(), config.getEnvsList(), cdi.env(), sandbox.hostname(), identity.home(), config.getTty()));
    process.put("cwd", firstNonEmpty(config.getWorkingDir(), image.workingDir(), "/"));
    putCapabilities(process, caps, Capabilities.ambient(sc.getCapabilities(), caps));
    process.put("noNewPrivileges", sc.getNoNewPrivs());
    process.put("oomScoreAdj", oomScoreAdj(config.getLinux().getResources().getOomScoreAdj(), options));
    putLsm(process, sc, privileged, options, containerId);
    putRoot(spec, rootfs, sc.getReadonlyRootfs());
    if (!sandbox.hostNetwork()) {
      spec.put("hostname", sandbox.hostname());
    }

    SpecMounts.CriMounts criMounts = SpecMounts.fromCri(config.getMountsList(), imageVolumes);
    List<SpecMounts.Entry> mounts = SpecMounts.merge(List.of(
        SpecMounts.kernelFilesystems(privileged),
        SpecMounts.podFiles(sandbox, sc.getReadonlyRootfs()),
        SpecMounts.imageVolumes(image.volumes() == null ? List.of() : image.volumes(), rootfs, volumesDir),
        criMounts.entries(),
        cdi.mounts()));
    putMounts(spec, mounts);
    putHooks(spec, cdi.hooks());

    ObjectNode linux = spec.putObject("linux");
    ArrayNode namespaces = linux.putArray("namespaces");
    namespace(namespaces, "mount", null);
    podNamespaces(namespaces, sandbox);
    pidNamespace(namespaces, sc.getNamespaceOptions().getPid(), sc.getNamespaceOptions().getTargetId(), sandbox, options);
    if (NodeFacts.CGROUP_V2 && !privileged) {
      namespace(namespaces, "cgroup", null);
    }

    List<Devices.Node> devices = devices(config.getDevicesList(), cdi.nodes(), privileged);
    putDevices(linux, devices);
    ObjectNode resources = linux.putObject("resources");
    putDeviceRules(resources, devices, privileged);
    putResources(resources, config.getLinux().getResources(), containerId, NodeFacts.CGROUPS);
    linux.put("cgroupsPath", cgroupsPath(sandbox.cgroupParent(), containerId, options));
    putSysctls(linux, pod.getLinux().getSysctlsMap(), sandbox);
    if (!privileged) {
      boolean asked = config.getLinux().hasSecurityContext();
      strings(linux.putArray("maskedPaths"),
          pathList(asked ? sc.getMaskedPathsList() : DEFAULT_MASKED_PATHS, options.extraMaskedPaths()));
      strings(linux.putArray("readonlyPaths"),
          pathList(asked ? sc.getReadonlyPathsList() : DEFAULT_READONLY_PATHS, options.extraReadonlyPaths()));
    }
    ObjectNode seccomp = Seccomp.forProcess(sc.hasSeccomp() ? sc.getSeccomp() : null, sc.getSeccompProfilePath(),
        privileged, caps, options, containerId);
    if (seccomp != null) {
      linux.set("seccomp", seccomp);
    }
    if (criMounts.rootfsPropagation() != null) {
      linux.put("rootfsPropagation", criMounts.rootfsPropagation());
    }
    ObjectNode annotations = spec.putObject("annotations");
    config.getAnnotationsMap().forEach(annotations::put);
    return new OciSpec(spec, identity.user(), criMounts.hostPropagation());
  }

  /**
   * The spec of the pod's infra (pause) process: it creates the pod's PID namespace and holds the
   * pod's namespaces, joining those already pinned. It keeps no capabilities and a read-only root.
   */
  @SuppressWarnings("deprecation") // the deprecated profile strings are still what older kubelets and crictl send
  public static OciSpec infra(PodSandboxConfig pod, SandboxContext sandbox, Path rootfs, List<String> args,
      OciOptions options) throws OciSpecException {
    LinuxSandboxSecurityContext psc = pod.getLinux().getSecurityContext();
    boolean privileged = psc.getPrivileged();
    // The pod's security context, in the shape user resolution and seccomp selection read.
    LinuxContainerSecurityContext.Builder sc = LinuxContainerSecurityContext.newBuilder()
        .addAllSupplementalGroups(psc.getSupplementalGroupsList())
        .setSupplementalGroupsPolicy(psc.getSupplementalGroupsPolicy());
    if (psc.hasRunAsUser()) {
      sc.setRunAsUser(psc.getRunAsUser());
      if (psc.hasRunAsGroup()) {
        sc.setRunAsGroup(psc.getRunAsGroup());
      }
    }
    String id = sandbox.sandboxId();
    Users.Identity identity = Users.resolve(sc.build(), "", rootfs);
    List<String> caps = privileged
        ? Capabilities.effective(Capability.getDefaultInstance(), List.of(), true, id) : List.of();

    ObjectNode spec = NODES.objectNode();
    spec.put("ociVersion", OCI_VERSION);
    ObjectNode process = spec.putObject("process");
    process.put("terminal", false);
    putUser(process, identity.user());
    strings(process.putArray("args"), args);
    strings(process.putArray("env"), List.of(DEFAULT_PATH));
    process.put("cwd", "/");
    putCapabilities(process, caps, List.of());
    process.put("noNewPrivileges", true);
    process.put("oomScoreAdj", oomScoreAdj(INFRA_OOM_SCORE_ADJ, options));
    putRoot(spec, rootfs, true);
    if (!sandbox.hostNetwork()) {
      spec.put("hostname", sandbox.hostname());
    }
    putMounts(spec, SpecMounts.kernelFilesystems(privileged));

    ObjectNode linux = spec.putObject("linux");
    ArrayNode namespaces = linux.putArray("namespaces");
    namespace(namespaces, "mount", null);
    // The infra process is what others join, so it never joins itself: no infraPid here.
    podNamespaces(namespaces, withoutInfra(sandbox));
    if (!sandbox.hostPid()) {
      namespace(namespaces, "pid", null);
    }
    List<Devices.Node> devices = privileged ? Devices.allHostDevices() : List.of();
    putDevices(linux, devices);
    putDeviceRules(linux.putObject("resources"), devices, privileged);
    linux.put("cgroupsPath", cgroupsPath(sandbox.cgroupParent(), id, options));
    putSysctls(linux, pod.getLinux().getSysctlsMap(), sandbox);
    if (!privileged) {
      strings(linux.putArray("maskedPaths"), pathList(DEFAULT_MASKED_PATHS, options.extraMaskedPaths()));
      strings(linux.putArray("readonlyPaths"), pathList(DEFAULT_READONLY_PATHS, options.extraReadonlyPaths()));
    }
    ObjectNode seccomp = Seccomp.forProcess(psc.hasSeccomp() ? psc.getSeccomp() : null, psc.getSeccompProfilePath(),
        privileged, caps, options, id);
    if (seccomp != null) {
      linux.set("seccomp", seccomp);
    }
    return new OciSpec(spec, identity.user(), Map.of());
  }

  /**
   * Kubelet's rule: a CRI command replaces the image entrypoint and drops the image cmd; CRI args alone
   * replace only the image cmd.
   */
  static List<String> processArgs(ContainerConfig config, ImageDefaults image) throws OciSpecException {
    List<String> args = new ArrayList<>();
    if (config.getCommandCount() > 0) {
      args.addAll(config.getCommandList());
      args.addAll(config.getArgsList());
    } else {
      args.addAll(orEmpty(image.entrypoint()));
      args.addAll(config.getArgsCount() > 0 ? config.getArgsList() : orEmpty(image.cmd()));
    }
    if (args.isEmpty()) {
      throw OciSpecException.invalid("container " + config.getMetadata().getName()
          + " has no command: neither the container config nor the image sets an entrypoint, cmd, command or args");
    }
    return args;
  }

  /** Image env, then the CRI envs, then the CDI devices' (a later value wins for its key, keeping the first's place). */
  private static List<String> env(List<String> imageEnv, List<KeyValue> criEnvs, List<String> cdiEnv, String hostname,
      String home, boolean tty) {
    Map<String, String> env = new LinkedHashMap<>();
    putEnv(env, DEFAULT_PATH);
    if (hostname != null && !hostname.isEmpty()) {
      env.put("HOSTNAME", "HOSTNAME=" + hostname);
    }
    for (String e : orEmpty(imageEnv)) {
      putEnv(env, e);
    }
    for (KeyValue kv : criEnvs) {
      env.put(kv.getKey(), kv.getKey() + "=" + kv.getValue().toStringUtf8());
    }
    for (String e : cdiEnv) {
      putEnv(env, e);
    }
    if (tty) {
      env.putIfAbsent("TERM", "TERM=xterm");
    }
    env.putIfAbsent("HOME", "HOME=" + home);
    return new ArrayList<>(env.values());
  }

  private static void putEnv(Map<String, String> env, String entry) {
    int eq = entry.indexOf('=');
    env.put(eq < 0 ? entry : entry.substring(0, eq), entry);
  }

  private static void putUser(ObjectNode process, ResolvedUser user) {
    ObjectNode u = process.putObject("user");
    u.put("uid", user.uid());
    u.put("gid", user.gid());
    ArrayNode gids = u.putArray("additionalGids");
    user.supplementalGroups().forEach(gids::add);
  }

  private static void putCapabilities(ObjectNode process, List<String> caps, List<String> ambient) {
    ObjectNode c = process.putObject("capabilities");
    strings(c.putArray("bounding"), caps);
    strings(c.putArray("effective"), caps);
    strings(c.putArray("permitted"), caps);
    // Inheritable stays empty unless ambient needs it: file capabilities must not widen what exec'd programs get.
    strings(c.putArray("inheritable"), ambient);
    strings(c.putArray("ambient"), ambient);
  }

  private static void putRoot(ObjectNode spec, Path rootfs, boolean readonly) {
    ObjectNode root = spec.putObject("root");
    root.put("path", rootfs.toString());
    root.put("readonly", readonly);
  }

  private static void putMounts(ObjectNode spec, List<SpecMounts.Entry> mounts) {
    ArrayNode array = spec.putArray("mounts");
    for (SpecMounts.Entry m : mounts) {
      ObjectNode o = array.addObject();
      o.put("destination", m.destination());
      o.put("type", m.type());
      o.put("source", m.source());
      strings(o.putArray("options"), m.options());
    }
  }

  /** OCI hooks by name (prestart, createRuntime, …), as CDI devices ask for them. */
  private static void putHooks(ObjectNode spec, Map<String, List<CdiDevices.Hook>> hooks) {
    if (hooks.isEmpty()) {
      return;
    }
    ObjectNode out = spec.putObject("hooks");
    hooks.forEach((name, list) -> {
      ArrayNode array = out.putArray(name);
      for (CdiDevices.Hook h : list) {
        ObjectNode o = array.addObject();
        o.put("path", h.path());
        strings(o.putArray("args"), orEmpty(h.args()));
        strings(o.putArray("env"), orEmpty(h.env()));
        if (h.timeout() != null) {
          o.put("timeout", h.timeout());
        }
      }
    });
  }

  /** AppArmor and SELinux apply only where the kernel has them; elsewhere the request is logged and dropped. */
  @SuppressWarnings("deprecation") // the deprecated profile strings are still what older kubelets and crictl send
  private static void putLsm(ObjectNode process, LinuxContainerSecurityContext sc, boolean privileged, OciOptions options,
      String who) throws OciSpecException {
    if (privileged) {
      return;
    }
    SecurityProfile apparmor = sc.hasApparmor() ? sc.getApparmor() : legacyApparmor(sc.getApparmorProfile());
    if (apparmor != null && apparmor.getProfileType() != SecurityProfile.ProfileType.Unconfined) {
      if (!options.apparmorAvailable()) {
        LOG.info("event=apparmor_ignored container=" + who + " profile=" + apparmor.getProfileType()
            + " reason=kernel_without_apparmor");
      } else if (apparmor.getProfileType() == SecurityProfile.ProfileType.Localhost) {
        if (apparmor.getLocalhostRef().isEmpty()) {
          throw OciSpecException.invalid("AppArmor profile type Localhost needs a localhost_ref");
        }
        process.put("apparmorProfile", apparmor.getLocalhostRef());
      } else {
        LOG.info("event=apparmor_default_unavailable container=" + who + " reason=jcri_loads_no_default_profile");
      }
    }
    SELinuxOption se = sc.getSelinuxOptions();
    if (sc.hasSelinuxOptions() && !(se.getUser() + se.getRole() + se.getType() + se.getLevel()).isEmpty()) {
      if (!options.selinuxAvailable()) {
        LOG.info("event=selinux_ignored container=" + who + " reason=kernel_without_selinux");
      } else {
        process.put("selinuxLabel", firstNonEmpty(se.getUser(), "system_u") + ":" + firstNonEmpty(se.getRole(), "system_r")
            + ":" + firstNonEmpty(se.getType(), "container_t") + ":" + firstNonEmpty(se.getLevel(), "s0"));
      }
    }
  }

  private static SecurityProfile legacyApparmor(String profile) throws OciSpecException {
    if (profile.isEmpty() || profile.equals("unconfined")) {
      return null;
    }
    if (profile.equals("runtime/default")) {
      return SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault).build();
    }
    if (profile.startsWith("localhost/")) {
      return SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Localhost)
          .setLocalhostRef(profile.substring("localhost/".length())).build();
    }
    throw OciSpecException.invalid("unknown AppArmor profile \"" + profile + "\"");
  }

  /** Network, IPC and UTS: the host's, the pinned namespace, the infra process's, or (alone in the pod) new. */
  private static void podNamespaces(ArrayNode namespaces, SandboxContext s) {
    if (!s.hostNetwork()) {
      namespace(namespaces, "network", s.netnsPath() != null ? s.netnsPath().toString() : infraNs(s, "net"));
    }
    if (!s.hostIpc()) {
      namespace(namespaces, "ipc", s.ipcNsPath() != null ? s.ipcNsPath().toString() : infraNs(s, "ipc"));
    }
    // A host-network pod also keeps the host's hostname, as kubelet expects.
    if (!s.hostNetwork()) {
      namespace(namespaces, "uts", s.utsNsPath() != null ? s.utsNsPath().toString() : infraNs(s, "uts"));
    }
  }

  private static void pidNamespace(ArrayNode namespaces, NamespaceMode mode, String targetId, SandboxContext s,
      OciOptions options) throws OciSpecException {
    if (s.hostPid() || mode == NamespaceMode.NODE) {
      return;
    }
    switch (mode) {
      // Without an infra process the pod holds no PID namespace to share (CRI-O's drop_infra does the same).
      case POD -> namespace(namespaces, "pid", infraNs(s, "pid"));
      case TARGET -> {
        if (targetId.isEmpty()) {
          throw OciSpecException.invalid("PID namespace mode TARGET needs a target_id");
        }
        long pid = Cgroups.firstPid(cgroupsPath(s.cgroupParent(), targetId, options), options.cgroupDriver())
            .orElseThrow(() -> new OciSpecException(OciSpecException.Reason.NOT_FOUND,
                "target container " + targetId + " for the PID namespace is not running in pod " + s.sandboxId()));
        namespace(namespaces, "pid", "/proc/" + pid + "/ns/pid");
      }
      default -> namespace(namespaces, "pid", null);
    }
  }

  private static String infraNs(SandboxContext s, String ns) {
    return s.infraPid() > 0 ? "/proc/" + s.infraPid() + "/ns/" + ns : null;
  }

  private static SandboxContext withoutInfra(SandboxContext s) {
    return new SandboxContext(s.sandboxId(), s.hostname(), s.hostNetwork(), s.hostIpc(), s.hostPid(), s.netnsPath(),
        s.ipcNsPath(), s.utsNsPath(), 0, s.cgroupParent(), s.resolvConf(), s.hostnameFile(), s.hostsFile(), s.shmPath());
  }

  private static void namespace(ArrayNode namespaces, String type, String path) {
    ObjectNode n = namespaces.addObject();
    n.put("type", type);
    if (path != null) {
      n.put("path", path);
    }
  }

  /** A privileged container gets every host device; CRI devices, then CDI ones come on top (and win for their path). */
  private static List<Devices.Node> devices(List<Device> requested, List<Devices.Node> cdi, boolean privileged)
      throws OciSpecException {
    Map<String, Devices.Node> byPath = new LinkedHashMap<>();
    if (privileged) {
      Devices.allHostDevices().forEach(d -> byPath.put(d.path(), d));
    }
    for (Device d : requested) {
      for (Devices.Node n : Devices.fromCri(d)) {
        byPath.put(n.path(), n);
      }
    }
    cdi.forEach(n -> byPath.put(n.path(), n));
    return new ArrayList<>(byPath.values());
  }

  private static void putDevices(ObjectNode linux, List<Devices.Node> devices) {
    ArrayNode array = linux.putArray("devices");
    for (Devices.Node d : devices) {
      ObjectNode o = array.addObject();
      o.put("path", d.path());
      o.put("type", d.type());
      o.put("major", d.major());
      o.put("minor", d.minor());
      o.put("fileMode", d.fileMode());
      o.put("uid", d.uid());
      o.put("gid", d.gid());
    }
  }

  /** Deny every device, then allow the container's own; runc adds the standard /dev nodes after these rules. */
  private static void putDeviceRules(ObjectNode resources, List<Devices.Node> devices, boolean privileged) {
    ArrayNode rules = resources.putArray("devices");
    ObjectNode base = rules.addObject();
    base.put("allow", privileged);
    base.put("access", "rwm");
    if (privileged) {
      return;
    }
    for (Devices.Node d : devices) {
      ObjectNode r = rules.addObject();
      r.put("allow", true);
      r.put("type", d.type());
      r.put("major", d.major());
      r.put("minor", d.minor());
      r.put("access", d.access());
    }
  }

  /** The linux.resources object alone, as {@code runc update --resources} reads it. */
  public static byte[] resourcesJson(LinuxContainerResources resources, String containerId) {
    ObjectNode out = NODES.objectNode();
    putResources(out, resources, containerId, NodeFacts.CGROUPS);
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * CRI resources → OCI linux.resources, leaving out (with one log line per controller) what needs a
   * controller runc's cgroup manager cannot reach on this node: kubelet asks for every hugepage size
   * the kernel has, whether or not hugetlb is mounted where runc looks.
   */
  static void putResources(ObjectNode resources, LinuxContainerResources r, String who, CgroupControllers cgroups) {
    ObjectNode cpu = NODES.objectNode();
    if (r.getCpuShares() > 0) {
      cpu.put("shares", r.getCpuShares());
    }
    if (r.getCpuQuota() != 0) {
      cpu.put("quota", r.getCpuQuota());
    }
    if (r.getCpuPeriod() > 0) {
      cpu.put("period", r.getCpuPeriod());
    }
    if (!cpu.isEmpty() && !reachable(cgroups, "cpu", who)) {
      cpu.removeAll();
    }
    if ((!r.getCpusetCpus().isEmpty() || !r.getCpusetMems().isEmpty()) && reachable(cgroups, "cpuset", who)) {
      if (!r.getCpusetCpus().isEmpty()) {
        cpu.put("cpus", r.getCpusetCpus());
      }
      if (!r.getCpusetMems().isEmpty()) {
        cpu.put("mems", r.getCpusetMems());
      }
    }
    if (!cpu.isEmpty()) {
      resources.set("cpu", cpu);
    }
    if (r.getMemoryLimitInBytes() > 0 && reachable(cgroups, "memory", who)) {
      ObjectNode memory = resources.putObject("memory");
      memory.put("limit", r.getMemoryLimitInBytes());
      if (r.getMemorySwapLimitInBytes() > 0) {
        memory.put("swap", r.getMemorySwapLimitInBytes());
      } else if (NodeFacts.SWAP_LIMIT) {
        // memory+swap equal to memory: no swap unless asked for, as kubelet assumes
        memory.put("swap", r.getMemoryLimitInBytes());
      }
    }
    if (r.getHugepageLimitsCount() > 0 && reachable(cgroups, "hugetlb", who)) {
      ArrayNode pages = resources.putArray("hugepageLimits");
      for (HugepageLimit h : r.getHugepageLimitsList()) {
        ObjectNode p = pages.addObject();
        p.put("pageSize", h.getPageSize());
        p.put("limit", h.getLimit());
      }
    }
    if (r.getUnifiedCount() > 0) {
      if (cgroups.v2()) {
        ObjectNode unified = resources.putObject("unified");
        r.getUnifiedMap().forEach(unified::put);
      } else {
        LOG.info("event=unified_resources_ignored container=" + who + " keys=" + String.join(",", r.getUnifiedMap().keySet())
            + " reason=cgroup_v1");
      }
    }
  }

  /** Whether runc can set limits of this controller; the first time it cannot, one line says so. */
  private static boolean reachable(CgroupControllers cgroups, String controller, String who) {
    if (cgroups.has(controller)) {
      return true;
    }
    if (UNREACHABLE_LOGGED.add(controller)) {
      LOG.info("event=resource_left_out controller=" + controller + " container=" + who + " reason=controller_not_available_to_"
          + (cgroups.v2() ? "cgroup_v2" : "cgroup_v1") + "_manager logged=once_per_controller");
    }
    return false;
  }

  /** No process may score below jcrid itself: without CAP_SYS_RESOURCE the kernel refuses it and runc create fails. */
  private static int oomScoreAdj(long requested, OciOptions options) {
    if (requested >= options.minOomScoreAdj()) {
      return (int) Math.min(requested, 1000);
    }
    if (OOM_CLAMP_LOGGED.compareAndSet(false, true)) {
      LOG.info("event=oom_score_adj_clamped requested=" + requested + " floor=" + options.minOomScoreAdj()
          + " reason=below_jcrid_own_score logged=once");
    }
    return options.minOomScoreAdj();
  }

  static String cgroupsPath(String parent, String id, OciOptions options) {
    if (options.cgroupDriver().equals("systemd")) {
      return (parent.isEmpty() ? "system.slice" : parent) + ":jcri:" + id;
    }
    String base = parent.isEmpty() ? "/jcri" : (parent.startsWith("/") ? parent : "/" + parent);
    return (base.endsWith("/") ? base : base + "/") + id;
  }

  /**
   * Pod sysctls. A namespaced sysctl is refused where the pod shares that namespace with the host, since
   * it would change the node.
   */
  private static void putSysctls(ObjectNode linux, Map<String, String> sysctls, SandboxContext s) throws OciSpecException {
    if (sysctls.isEmpty()) {
      return;
    }
    ObjectNode out = linux.putObject("sysctl");
    for (Map.Entry<String, String> e : sysctls.entrySet()) {
      String key = Sysctls.dottedName(e.getKey());
      if (key.startsWith("net.") && s.hostNetwork()) {
        throw OciSpecException.invalid("sysctl " + key + " needs the pod's own network namespace, but the pod uses the host network");
      }
      boolean ipc = key.startsWith("kernel.shm") || key.startsWith("kernel.msg") || key.equals("kernel.sem")
          || key.startsWith("fs.mqueue.");
      if (ipc && s.hostIpc()) {
        throw OciSpecException.invalid("sysctl " + key + " needs the pod's own IPC namespace, but the pod uses the host IPC");
      }
      out.put(key, e.getValue());
    }
  }

  /**
   * Masked or read-only paths: kubelet computes them from procMount and sends them in every security
   * context (the default list for Default, an empty one for Unmasked), so the list it sends is used as
   * it is; only a client that sends no security context at all gets the defaults. The node's extra
   * paths come on top.
   */
  private static List<String> pathList(List<String> given, List<String> extra) {
    LinkedHashSet<String> paths = new LinkedHashSet<>(given);
    paths.addAll(extra);
    return new ArrayList<>(paths);
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  private static String firstNonEmpty(String... values) {
    for (String v : values) {
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return "";
  }
}
