package io.jcri.runtime.sandbox;

import com.google.protobuf.util.JsonFormat;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.UpdatePodSandboxResourcesRequest;
import io.jcri.runtime.store.Layout;
import io.jcri.sys.AtomicFiles;
import io.jcri.sys.Failure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * UpdatePodSandboxResources (in-place pod resize): the pod-level cgroup (the pod's cgroup_parent,
 * cgroupfs driver) gets the CPU, memory and cpuset limits of the pod's resources plus its overhead;
 * the request is kept in {@code <root>/sandboxes/<id>/resources.json} and reported in verbose
 * PodSandboxStatus. A write the kernel refuses puts back the values already changed.
 */
public final class PodResources {
  private static final Logger LOG = Logger.getLogger(PodResources.class.getName());
  private static final String FILE = "resources.json";

  private final Layout layout;
  private final Path cgroupRoot;
  private final String driver;
  private final boolean v2;

  /**
   * The file goes in the pod's {@link Layout#sandboxData}; cgroupRoot: /sys/fs/cgroup (fakes in
   * tests).
   */
  public PodResources(Layout layout, Path cgroupRoot, String driver) {
    this.layout = layout;
    this.cgroupRoot = cgroupRoot;
    this.driver = driver;
    this.v2 = Files.exists(cgroupRoot.resolve("cgroup.controllers"));
  }

  /** Checks the request's values, naming the field of the first one out of range. */
  public static void validate(UpdatePodSandboxResourcesRequest request) {
    check("overhead", request.getOverhead());
    check("resources", request.getResources());
  }

  private static void check(String field, LinuxContainerResources r) {
    if (r.getCpuShares() != 0 && (r.getCpuShares() < 2 || r.getCpuShares() > 262144)) {
      throw Failure.invalid(field + ".cpu_shares " + r.getCpuShares() + " is outside 2..262144");
    }
    if (r.getCpuPeriod() != 0 && (r.getCpuPeriod() < 1000 || r.getCpuPeriod() > 1_000_000)) {
      throw Failure.invalid(
          field + ".cpu_period " + r.getCpuPeriod() + " is outside 1000..1000000 microseconds");
    }
    if (r.getCpuQuota() < -1 || r.getCpuQuota() > 0 && r.getCpuQuota() < 1000) {
      throw Failure.invalid(
          field + ".cpu_quota " + r.getCpuQuota() + " must be -1, 0 or at least 1000");
    }
    if (r.getMemoryLimitInBytes() < 0) {
      throw Failure.invalid(
          field + ".memory_limit_in_bytes " + r.getMemoryLimitInBytes() + " is negative");
    }
  }

  /**
   * Applies resources + overhead to the cgroup of the pod sandboxId (its cgroup_parent), then
   * records the request.
   */
  public void update(
      String sandboxId,
      String parent,
      LinuxContainerResources overhead,
      LinuxContainerResources resources) {
    if (parent.isEmpty()) {
      throw new Failure(
          Failure.Kind.PRECONDITION,
          "pod sandbox " + sandboxId + " has no cgroup_parent to resize");
    }
    if (!driver.equals("cgroupfs")) {
      throw new Failure(
          Failure.Kind.UNIMPLEMENTED,
          "resizing the pod cgroup is done for the cgroupfs driver only; "
              + "with the "
              + driver
              + " driver kubelet resizes the pod slice itself");
    }
    Map<Path, String> writes = files(parent, total(overhead, resources));
    List<Map.Entry<Path, String>> done = new ArrayList<>();
    try {
      for (Map.Entry<Path, String> w : writes.entrySet()) {
        String before = Files.readString(w.getKey()).strip();
        Files.writeString(w.getKey(), w.getValue());
        done.add(Map.entry(w.getKey(), before));
      }
    } catch (NoSuchFileException e) {
      restore(done);
      throw new Failure(
          Failure.Kind.PRECONDITION, "pod cgroup file " + e.getFile() + " does not exist");
    } catch (IOException e) {
      restore(done);
      throw Failure.invalid(
          "the kernel refused the pod cgroup limits (" + e.getMessage() + "); nothing changed");
    }
    try {
      UpdatePodSandboxResourcesRequest kept =
          UpdatePodSandboxResourcesRequest.newBuilder()
              .setPodSandboxId(sandboxId)
              .setOverhead(overhead)
              .setResources(resources)
              .build();
      AtomicFiles.write(
          layout.sandboxData(sandboxId).resolve(FILE),
          JsonFormat.printer().print(kept).getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new Failure(
          Failure.Kind.INTERNAL,
          "recording the pod resources of " + sandboxId + ": " + e.getMessage(),
          e);
    }
    LOG.info(
        "event=pod_resources_updated sandbox="
            + sandboxId
            + " cgroup="
            + parent
            + " files="
            + writes.size());
  }

  /** The last request applied to the pod, as JSON; empty when none was. */
  public Optional<String> recorded(String sandboxId) {
    try {
      return Optional.of(Files.readString(layout.sandboxData(sandboxId).resolve(FILE)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The pod's total: shares, quota (at the resources' period) and memory add up; cpusets are the
   * resources'.
   */
  static LinuxContainerResources total(
      LinuxContainerResources overhead, LinuxContainerResources resources) {
    LinuxContainerResources.Builder t = resources.toBuilder();
    t.setCpuShares(resources.getCpuShares() + overhead.getCpuShares());
    long period = resources.getCpuPeriod() > 0 ? resources.getCpuPeriod() : overhead.getCpuPeriod();
    if (resources.getCpuQuota() > 0) {
      long extra =
          overhead.getCpuQuota() > 0 && overhead.getCpuPeriod() > 0
              ? overhead.getCpuQuota() * period / overhead.getCpuPeriod()
              : Math.max(0, overhead.getCpuQuota());
      t.setCpuQuota(resources.getCpuQuota() + extra).setCpuPeriod(period);
    }
    if (resources.getMemoryLimitInBytes() > 0) {
      t.setMemoryLimitInBytes(resources.getMemoryLimitInBytes() + overhead.getMemoryLimitInBytes());
    }
    return t.build();
  }

  /**
   * The cgroup files to write, in order (the period before the quota), v1 or v2 as this node has.
   */
  Map<Path, String> files(String parent, LinuxContainerResources t) {
    String rel = parent.startsWith("/") ? parent.substring(1) : parent;
    Map<Path, String> out = new LinkedHashMap<>();
    if (v2) {
      Path dir = cgroupRoot.resolve(rel);
      if (t.getCpuShares() > 0) {
        out.put(
            dir.resolve("cpu.weight"), Long.toString(1 + ((t.getCpuShares() - 2) * 9999) / 262142));
      }
      if (t.getCpuQuota() != 0 || t.getCpuPeriod() > 0) {
        long period = t.getCpuPeriod() > 0 ? t.getCpuPeriod() : 100_000;
        out.put(
            dir.resolve("cpu.max"),
            (t.getCpuQuota() > 0 ? Long.toString(t.getCpuQuota()) : "max") + " " + period);
      }
      if (t.getMemoryLimitInBytes() > 0) {
        out.put(dir.resolve("memory.max"), Long.toString(t.getMemoryLimitInBytes()));
      }
      cpusets(out, dir, t);
    } else {
      if (t.getCpuShares() > 0) {
        out.put(
            cgroupRoot.resolve("cpu").resolve(rel).resolve("cpu.shares"),
            Long.toString(t.getCpuShares()));
      }
      if (t.getCpuPeriod() > 0) {
        out.put(
            cgroupRoot.resolve("cpu").resolve(rel).resolve("cpu.cfs_period_us"),
            Long.toString(t.getCpuPeriod()));
      }
      if (t.getCpuQuota() != 0) {
        out.put(
            cgroupRoot.resolve("cpu").resolve(rel).resolve("cpu.cfs_quota_us"),
            Long.toString(t.getCpuQuota()));
      }
      if (t.getMemoryLimitInBytes() > 0) {
        out.put(
            cgroupRoot.resolve("memory").resolve(rel).resolve("memory.limit_in_bytes"),
            Long.toString(t.getMemoryLimitInBytes()));
      }
      cpusets(out, cgroupRoot.resolve("cpuset").resolve(rel), t);
    }
    return out;
  }

  private static void cpusets(Map<Path, String> out, Path dir, LinuxContainerResources t) {
    if (!t.getCpusetCpus().isEmpty()) {
      out.put(dir.resolve("cpuset.cpus"), t.getCpusetCpus());
    }
    if (!t.getCpusetMems().isEmpty()) {
      out.put(dir.resolve("cpuset.mems"), t.getCpusetMems());
    }
  }

  private static void restore(List<Map.Entry<Path, String>> done) {
    for (Map.Entry<Path, String> d : done.reversed()) {
      try {
        Files.writeString(d.getKey(), d.getValue());
      } catch (IOException e) {
        LOG.warning(
            "event=pod_resources_restore_failed file="
                + d.getKey()
                + " error=\""
                + e.getMessage()
                + "\"");
      }
    }
  }
}
