package io.jcri.runtime.oci;

import io.jcri.cri.v1.Capability;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.PodSandboxConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Turns a CRI container (or pod infra) config plus the image's defaults into the OCI runtime spec
 * runc runs; the parts come from {@link ProcessSpecs}, {@link SpecMounts}, {@link NamespaceSpecs},
 * {@link ResourceSpecs}, {@link Seccomp} and {@link Sysctls}, assembled the same way for both.
 */
public final class ContainerSpecs {
  /**
   * Paths of /proc and /sys that leak host information or controls; the set containerd and CRI-O
   * mask.
   */
  static final List<String> DEFAULT_MASKED_PATHS =
      List.of(
          "/proc/acpi",
          "/proc/asound",
          "/proc/kcore",
          "/proc/keys",
          "/proc/latency_stats",
          "/proc/timer_list",
          "/proc/timer_stats",
          "/proc/sched_debug",
          "/proc/scsi",
          "/sys/firmware",
          "/sys/devices/virtual/powercap");

  static final List<String> DEFAULT_READONLY_PATHS =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  private ContainerSpecs() {}

  /**
   * The spec of one container of a pod.
   *
   * @param rootfs the mounted root filesystem; its /etc/passwd and /etc/group resolve users and
   *     groups
   * @param volumesDir where image VOLUMEs get their host directories
   * @param imageVolumes where the image of each image volume mount is mounted, by index into the
   *     CRI mounts
   */
  @SuppressWarnings(
      "deprecation") // the deprecated profile strings are still what older kubelets and crictl send
  public static OciSpec build(
      ContainerConfig config,
      PodSandboxConfig pod,
      SandboxContext sandbox,
      ImageDefaults image,
      String containerId,
      Path rootfs,
      Path volumesDir,
      Map<Integer, Path> imageVolumes,
      OciOptions options)
      throws OciSpecException {
    LinuxContainerSecurityContext sc = config.getLinux().getSecurityContext();
    boolean privileged = sc.getPrivileged();
    if (privileged && !pod.getLinux().getSecurityContext().getPrivileged()) {
      throw OciSpecException.invalid(
          "container "
              + config.getMetadata().getName()
              + " is privileged but its pod is not; privileged containers need a privileged pod");
    }
    Users.Identity identity = Users.resolve(sc, image.user(), rootfs);
    List<String> caps =
        Capabilities.effective(
            sc.getCapabilities(), options.defaultCapabilities(), privileged, containerId);
    CdiDevices.Injection cdi =
        CdiDevices.resolve(config.getCDIDevicesList(), options.cdiSpecDirs());
    SpecProcess process =
        ProcessSpecs.container(
            config, image, sandbox.hostname(), identity, caps, cdi.env(), options, containerId);
    SpecMounts.CriMounts criMounts = SpecMounts.fromCri(config.getMountsList(), imageVolumes);
    List<RuntimeSpec.Mount> mounts =
        SpecMounts.merge(
            List.of(
                SpecMounts.kernelFilesystems(privileged),
                SpecMounts.podFiles(sandbox, sc.getReadonlyRootfs()),
                DeclaredVolumes.mounts(
                    image.volumes() == null ? List.of() : image.volumes(), rootfs, volumesDir),
                criMounts.entries(),
                cdi.mounts()));

    List<SpecLinux.Namespace> namespaces =
        NamespaceSpecs.container(
            sandbox,
            sc.getNamespaceOptions().getPid(),
            sc.getNamespaceOptions().getTargetId(),
            privileged,
            options);
    List<Devices.Node> devices =
        ResourceSpecs.devices(config.getDevicesList(), cdi.nodes(), privileged);
    Map<String, String> sysctl = Sysctls.forSpec(pod.getLinux().getSysctlsMap(), sandbox);
    boolean asked = config.getLinux().hasSecurityContext();
    SpecLinux linux =
        linux(
            namespaces,
            devices,
            privileged,
            config.getLinux().getResources(),
            containerId,
            sysctl,
            sandbox,
            asked ? sc.getMaskedPathsList() : DEFAULT_MASKED_PATHS,
            asked ? sc.getReadonlyPathsList() : DEFAULT_READONLY_PATHS,
            Seccomp.forProcess(
                sc.hasSeccomp() ? sc.getSeccomp() : null,
                sc.getSeccompProfilePath(),
                privileged,
                caps,
                options,
                containerId),
            criMounts.rootfsPropagation(),
            options);
    RuntimeSpec spec =
        new RuntimeSpec(
            RuntimeSpec.OCI_VERSION,
            process,
            new RuntimeSpec.Root(rootfs.toString(), sc.getReadonlyRootfs()),
            hostname(sandbox),
            mounts,
            cdi.specHooks(),
            linux,
            new LinkedHashMap<>(config.getAnnotationsMap()));
    return new OciSpec(spec, identity.user(), criMounts.hostPropagation());
  }

  /**
   * The spec of the pod's infra (pause) process: it creates the pod's PID namespace and holds the
   * pod's namespaces, joining those already pinned. It keeps no capabilities and a read-only root.
   */
  @SuppressWarnings(
      "deprecation") // the deprecated profile strings are still what older kubelets and crictl send
  public static OciSpec infra(
      PodSandboxConfig pod,
      SandboxContext sandbox,
      Path rootfs,
      List<String> args,
      OciOptions options)
      throws OciSpecException {
    LinuxSandboxSecurityContext psc = pod.getLinux().getSecurityContext();
    boolean privileged = psc.getPrivileged();
    // The pod's security context, in the shape user resolution and seccomp selection read.
    LinuxContainerSecurityContext.Builder sc =
        LinuxContainerSecurityContext.newBuilder()
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
    List<String> caps =
        privileged
            ? Capabilities.effective(Capability.getDefaultInstance(), List.of(), true, id)
            : List.of();
    SpecProcess process = ProcessSpecs.infra(args, identity.user(), caps, options);
    List<Devices.Node> devices = privileged ? Devices.allHostDevices() : List.of();
    Map<String, String> sysctl = Sysctls.forSpec(pod.getLinux().getSysctlsMap(), sandbox);
    SpecLinux linux =
        linux(
            NamespaceSpecs.infra(sandbox),
            devices,
            privileged,
            LinuxContainerResources.getDefaultInstance(),
            id,
            sysctl,
            sandbox,
            DEFAULT_MASKED_PATHS,
            DEFAULT_READONLY_PATHS,
            Seccomp.forProcess(
                psc.hasSeccomp() ? psc.getSeccomp() : null,
                psc.getSeccompProfilePath(),
                privileged,
                caps,
                options,
                id),
            null,
            options);
    RuntimeSpec spec =
        new RuntimeSpec(
            RuntimeSpec.OCI_VERSION,
            process,
            new RuntimeSpec.Root(rootfs.toString(), true),
            hostname(sandbox),
            SpecMounts.kernelFilesystems(privileged),
            null,
            linux,
            null);
    return new OciSpec(spec, identity.user(), Map.of());
  }

  /** The linux.resources object alone, as {@code runc update --resources} reads it. */
  public static byte[] resourcesJson(LinuxContainerResources resources, String containerId) {
    return SpecJson.compact(ResourceSpecs.limits(resources, containerId, NodeFacts.CGROUPS));
  }

  /**
   * "linux", the same for a container and an infra process. Masked and read-only paths apply unless
   * privileged: kubelet computes them from procMount and sends them in every security context (the
   * default list for Default, an empty one for Unmasked), so the list it sends is used as it is;
   * only a client that sends no security context at all gets the defaults. The node's extra paths
   * come on top.
   */
  private static SpecLinux linux(
      List<SpecLinux.Namespace> namespaces,
      List<Devices.Node> devices,
      boolean privileged,
      LinuxContainerResources resources,
      String id,
      Map<String, String> sysctl,
      SandboxContext sandbox,
      List<String> masked,
      List<String> readonly,
      SpecLinux.Seccomp seccomp,
      String rootfsPropagation,
      OciOptions options) {
    return new SpecLinux(
        namespaces,
        null,
        null,
        ResourceSpecs.nodes(devices),
        ResourceSpecs.of(devices, privileged, resources, id, NodeFacts.CGROUPS),
        Cgroups.path(sandbox.cgroupParent(), id, options),
        sysctl,
        privileged ? null : pathList(masked, options.extraMaskedPaths()),
        privileged ? null : pathList(readonly, options.extraReadonlyPaths()),
        seccomp,
        rootfsPropagation);
  }

  /** The pod's hostname, except in the host's UTS namespace, which keeps the node's. */
  private static String hostname(SandboxContext sandbox) {
    return sandbox.hostNetwork() ? null : sandbox.hostname();
  }

  private static List<String> pathList(List<String> given, List<String> extra) {
    LinkedHashSet<String> paths = new LinkedHashSet<>(given);
    paths.addAll(extra);
    return new ArrayList<>(paths);
  }

  static <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
