package io.jcri.runtime.server;

import static io.jcri.runtime.server.Fields.invalid;
import static io.jcri.runtime.server.Fields.quoted;
import static io.jcri.runtime.server.Fields.range;

import io.jcri.cri.v1.HugepageLimit;
import io.jcri.cri.v1.LinuxContainerResources;
import java.util.regex.Pattern;

/**
 * Linux resources (CPU, memory, cpusets, hugepages, cgroup v2 unified keys) as CreateContainer,
 * UpdateContainerResources and RunPodSandbox (overhead, resources) carry them, checked against the
 * kernel's bounds.
 */
final class ResourceChecks {
  /** The kernel's CFS limits: a period of 1 ms to 1 s, a quota of at least 1 ms. */
  private static final long MIN_CFS_US = 1_000;

  private static final long MAX_CFS_PERIOD_US = 1_000_000;

  /** cgroup v1 cpu.shares bounds (kubelet never sends less than 2). */
  private static final long MIN_SHARES = 2;

  private static final long MAX_SHARES = 262_144;
  private static final Pattern CPU_LIST = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");
  private static final Pattern PAGE_SIZE = Pattern.compile("\\d+[KMGTP]B");

  /**
   * A cgroup v2 interface file of the container's own cgroup: controller.file, nothing that names a
   * path.
   */
  private static final Pattern UNIFIED_KEY = Pattern.compile("[a-z0-9_]+(\\.[A-Za-z0-9_]+)+");

  private ResourceChecks() {}

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
}
