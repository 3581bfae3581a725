package io.jcri.runtime.oci;

import io.jcri.cri.v1.Device;
import io.jcri.cri.v1.HugepageLimit;
import io.jcri.cri.v1.LinuxContainerResources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Builds linux.devices and linux.resources: the device nodes and cgroup rules, and the CRI limits
 * runc can set on this node.
 */
final class ResourceSpecs {
  private static final Logger LOG = Logger.getLogger(ResourceSpecs.class.getName());
  private static final Set<String> UNREACHABLE_LOGGED = ConcurrentHashMap.newKeySet();

  private ResourceSpecs() {}

  /**
   * A privileged container gets every host device; CRI devices, then CDI ones come on top (and win
   * for their path).
   */
  static List<Devices.Node> devices(
      List<Device> requested, List<Devices.Node> cdi, boolean privileged) throws OciSpecException {
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

  static List<SpecLinux.Device> nodes(List<Devices.Node> devices) {
    return devices.stream()
        .map(
            d ->
                new SpecLinux.Device(
                    d.path(), d.type(), d.major(), d.minor(), d.fileMode(), d.uid(), d.gid()))
        .toList();
  }

  /** The device rules, then the limits the CRI asks for (none for an infra process). */
  static SpecResources of(
      List<Devices.Node> devices,
      boolean privileged,
      LinuxContainerResources r,
      String who,
      CgroupControllers cgroups) {
    SpecResources limits = limits(r, who, cgroups);
    return new SpecResources(
        deviceRules(devices, privileged),
        limits.cpu(),
        limits.memory(),
        limits.pids(),
        limits.hugepageLimits(),
        limits.blockIO(),
        limits.unified());
  }

  /**
   * Deny every device, then allow the container's own; runc adds the standard /dev nodes after
   * these rules.
   */
  private static List<SpecResources.DeviceRule> deviceRules(
      List<Devices.Node> devices, boolean privileged) {
    List<SpecResources.DeviceRule> rules = new ArrayList<>();
    rules.add(new SpecResources.DeviceRule(privileged, null, null, null, "rwm"));
    if (!privileged) {
      for (Devices.Node d : devices) {
        rules.add(new SpecResources.DeviceRule(true, d.type(), d.major(), d.minor(), d.access()));
      }
    }
    return rules;
  }

  /**
   * CRI resources → OCI limits (no device rules), leaving out (with one log line per controller)
   * what needs a controller runc's cgroup manager cannot reach on this node: kubelet asks for every
   * hugepage size the kernel has, whether or not hugetlb is mounted where runc looks.
   */
  static SpecResources limits(LinuxContainerResources r, String who, CgroupControllers cgroups) {
    Long shares = r.getCpuShares() > 0 ? r.getCpuShares() : null;
    Long quota = r.getCpuQuota() != 0 ? r.getCpuQuota() : null;
    Long period = r.getCpuPeriod() > 0 ? r.getCpuPeriod() : null;
    if ((shares != null || quota != null || period != null) && !reachable(cgroups, "cpu", who)) {
      shares = quota = period = null;
    }
    String cpus = null;
    String mems = null;
    if ((!r.getCpusetCpus().isEmpty() || !r.getCpusetMems().isEmpty())
        && reachable(cgroups, "cpuset", who)) {
      cpus = r.getCpusetCpus().isEmpty() ? null : r.getCpusetCpus();
      mems = r.getCpusetMems().isEmpty() ? null : r.getCpusetMems();
    }
    SpecResources.Cpu cpu =
        shares == null && quota == null && period == null && cpus == null && mems == null
            ? null
            : new SpecResources.Cpu(shares, quota, period, cpus, mems);
    SpecResources.Memory memory = null;
    if (r.getMemoryLimitInBytes() > 0 && reachable(cgroups, "memory", who)) {
      // memory+swap equal to memory: no swap unless asked for, as kubelet assumes
      Long swap =
          r.getMemorySwapLimitInBytes() > 0
              ? Long.valueOf(r.getMemorySwapLimitInBytes())
              : NodeFacts.SWAP_LIMIT ? Long.valueOf(r.getMemoryLimitInBytes()) : null;
      memory = new SpecResources.Memory(r.getMemoryLimitInBytes(), swap);
    }
    List<SpecResources.HugepageLimit> pages = null;
    if (r.getHugepageLimitsCount() > 0 && reachable(cgroups, "hugetlb", who)) {
      pages = new ArrayList<>();
      for (HugepageLimit h : r.getHugepageLimitsList()) {
        pages.add(new SpecResources.HugepageLimit(h.getPageSize(), h.getLimit()));
      }
    }
    Map<String, String> unified = null;
    if (r.getUnifiedCount() > 0) {
      if (cgroups.v2()) {
        unified = new LinkedHashMap<>(r.getUnifiedMap());
      } else {
        LOG.info(
            "event=unified_resources_ignored container="
                + who
                + " keys="
                + String.join(",", r.getUnifiedMap().keySet())
                + " reason=cgroup_v1");
      }
    }
    return new SpecResources(null, cpu, memory, null, pages, null, unified);
  }

  /** Whether runc can set limits of this controller; the first time it cannot, one line says so. */
  private static boolean reachable(CgroupControllers cgroups, String controller, String who) {
    if (cgroups.has(controller)) {
      return true;
    }
    if (UNREACHABLE_LOGGED.add(controller)) {
      LOG.info(
          "event=resource_left_out controller="
              + controller
              + " container="
              + who
              + " reason=controller_not_available_to_"
              + (cgroups.v2() ? "cgroup_v2" : "cgroup_v1")
              + "_manager logged=once_per_controller");
    }
    return false;
  }
}
