package io.jcri.runtime.stats;

import static io.jcri.sys.Timestamps.nowNanos;

import io.jcri.cri.v1.ContainerAttributes;
import io.jcri.cri.v1.ContainerStats;
import io.jcri.cri.v1.CpuUsage;
import io.jcri.cri.v1.FilesystemIdentifier;
import io.jcri.cri.v1.FilesystemUsage;
import io.jcri.cri.v1.LinuxPodSandboxStats;
import io.jcri.cri.v1.MemoryUsage;
import io.jcri.cri.v1.NetworkInterfaceUsage;
import io.jcri.cri.v1.NetworkUsage;
import io.jcri.cri.v1.PodSandboxAttributes;
import io.jcri.cri.v1.PodSandboxStats;
import io.jcri.cri.v1.ProcessUsage;
import io.jcri.cri.v1.UInt64Value;
import io.jcri.sys.LibC;
import io.jcri.sys.Namespaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.logging.Logger;

/**
 * CRI container and pod statistics from the kernel: cgroup counters (v1 or v2), the writable layer
 * on disk and the pod's network namespace. Holds the previous CPU sample of each container and pod,
 * since usage_nano_cores is a rate between two samples.
 */
public final class StatsCollector {
  private static final Logger LOG = Logger.getLogger(StatsCollector.class.getName());

  /**
   * The interface kubelet treats as the pod's own (the one CNI plugins create); else the first that
   * is not lo.
   */
  private static final String DEFAULT_INTERFACE = "eth0";

  /**
   * Calls closer together than this are measured against the older sample, so a rate is never taken
   * over a few microseconds.
   */
  private static final long MIN_RATE_WINDOW = TimeUnit.SECONDS.toNanos(1);

  /** Samples of containers and pods not asked about for this long are dropped: they are gone. */
  private static final long STALE_SAMPLE = TimeUnit.MINUTES.toNanos(10);

  private static final long PRUNE_INTERVAL = TimeUnit.MINUTES.toNanos(1);

  private record CpuSample(long timestamp, long cpuNanos) {}

  private final CgroupMounts mounts;
  private final Map<String, CpuSample> lastCpu = new ConcurrentHashMap<>();
  private volatile long lastPrune;

  public StatsCollector() {
    this.mounts = CgroupMounts.ofThisNode();
  }

  /**
   * Stats of one container: pid is its init process (0 when not running: CPU and memory are then
   * left unset), writableLayerDir its overlay upper dir, imageFsMountpoint the filesystem that
   * holds it.
   */
  public ContainerStats container(
      String containerId,
      ContainerAttributes attributes,
      int pid,
      Path writableLayerDir,
      String imageFsMountpoint) {
    long now = nowNanos();
    ContainerStats.Builder stats = ContainerStats.newBuilder().setAttributes(attributes);
    Optional<Usage> usage = pid > 0 ? mounts.ofPid(pid).map(CgroupUsage::read) : Optional.empty();
    usage.ifPresent(
        u -> {
          cpu("container/" + containerId, u, now).ifPresent(stats::setCpu);
          memory(u, now).ifPresent(stats::setMemory);
        });
    writableLayer(writableLayerDir, imageFsMountpoint, now).ifPresent(stats::setWritableLayer);
    return stats.build();
  }

  /**
   * Stats of a pod: CPU, memory and process count of its cgroup (cgroupParent, a path or a systemd
   * slice name) or, without one, the sum of its containers' cgroups; network counters from its
   * pinned netns (null for host network, which gets none); containers as given.
   */
  public PodSandboxStats pod(
      PodSandboxAttributes attributes,
      String cgroupParent,
      List<Integer> containerPids,
      Path netnsPin,
      List<ContainerStats> containers) {
    long now = nowNanos();
    Usage usage =
        mounts
            .ofPod(cgroupParent, containerPids)
            .map(CgroupUsage::read)
            .orElseGet(() -> containersUsage(containerPids));
    LinuxPodSandboxStats.Builder linux =
        LinuxPodSandboxStats.newBuilder().addAllContainers(containers);
    cpu("pod/" + attributes.getId(), usage, now).ifPresent(linux::setCpu);
    memory(usage, now).ifPresent(linux::setMemory);
    if (usage.processes() != null) {
      linux.setProcess(
          ProcessUsage.newBuilder().setTimestamp(now).setProcessCount(uint64(usage.processes())));
    }
    if (netnsPin != null) {
      network(netnsPin, now).ifPresent(linux::setNetwork);
    }
    return PodSandboxStats.newBuilder().setAttributes(attributes).setLinux(linux).build();
  }

  /**
   * Whether the memory cgroup at cgroupPath (as /proc/PID/cgroup spells it) has had a process
   * OOM-killed: call it after the container exited and before `runc delete` removes the cgroup.
   */
  public boolean oomKilled(String cgroupPath) {
    Long kills = mounts.ofPath(cgroupPath).map(CgroupUsage::oomKills).orElse(null);
    return kills != null && kills > 0;
  }

  /** OOM kills counted by the memory cgroup of the process pid (0 when unreadable). */
  public long oomKills(int pid) {
    Long kills = mounts.ofPid(pid).map(CgroupUsage::oomKills).orElse(null);
    return kills == null ? 0 : kills;
  }

  /** Containers sharing a cgroup (or one pid given twice) are counted once. */
  private Usage containersUsage(List<Integer> pids) {
    Set<CgroupDirs> cgroups = new LinkedHashSet<>();
    for (int pid : pids) {
      mounts.ofPid(pid).ifPresent(cgroups::add);
    }
    return cgroups.stream().map(CgroupUsage::read).reduce(Usage.NONE, Usage::plus);
  }

  private Optional<CpuUsage> cpu(String key, Usage usage, long now) {
    if (usage.cpuNanos() == null) {
      return Optional.empty();
    }
    long cpuNanos = usage.cpuNanos();
    CpuUsage.Builder cpu =
        CpuUsage.newBuilder().setTimestamp(now).setUsageCoreNanoSeconds(uint64(cpuNanos));
    CpuSample previous = lastCpu.get(key);
    if (previous == null || now - previous.timestamp() >= MIN_RATE_WINDOW) {
      lastCpu.put(key, new CpuSample(now, cpuNanos));
    }
    // A counter that went down belongs to a new cgroup under the same name: no rate this time.
    if (previous != null && now > previous.timestamp() && cpuNanos >= previous.cpuNanos()) {
      double cores = (double) (cpuNanos - previous.cpuNanos()) / (now - previous.timestamp());
      cpu.setUsageNanoCores(uint64(Math.round(cores * 1e9)));
    }
    pruneStaleSamples(now);
    return Optional.of(cpu.build());
  }

  private void pruneStaleSamples(long now) {
    if (now - lastPrune > PRUNE_INTERVAL) {
      lastPrune = now;
      lastCpu.values().removeIf(sample -> now - sample.timestamp() > STALE_SAMPLE);
    }
  }

  private static Optional<MemoryUsage> memory(Usage usage, long now) {
    if (usage.memoryUsage() == null) {
      return Optional.empty();
    }
    MemoryUsage.Builder memory = MemoryUsage.newBuilder().setTimestamp(now);
    setIfKnown(usage.workingSet(), v -> memory.setWorkingSetBytes(uint64(v)));
    setIfKnown(usage.availableMemory(), v -> memory.setAvailableBytes(uint64(v)));
    setIfKnown(usage.memoryUsage(), v -> memory.setUsageBytes(uint64(v)));
    setIfKnown(usage.rss(), v -> memory.setRssBytes(uint64(v)));
    setIfKnown(usage.pageFaults(), v -> memory.setPageFaults(uint64(v)));
    setIfKnown(usage.majorPageFaults(), v -> memory.setMajorPageFaults(uint64(v)));
    return Optional.of(memory.build());
  }

  private static Optional<FilesystemUsage> writableLayer(Path dir, String mountpoint, long now) {
    if (!java.nio.file.Files.isDirectory(dir)) {
      return Optional.empty(); // the container was removed meanwhile
    }
    try {
      var layer = io.jcri.images.FsUsage.of(dir);
      return Optional.of(
          FilesystemUsage.newBuilder()
              .setTimestamp(now)
              .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(mountpoint))
              .setUsedBytes(uint64(layer.usedBytes()))
              .setInodesUsed(uint64(layer.inodesUsed()))
              .build());
    } catch (IOException e) {
      LOG.warning("event=writable_layer_unreadable dir=" + dir + " error=" + e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * /proc/thread-self, not /proc/self: the latter shows the netns of the JVM's main thread, not the
   * one that joined the pod's.
   */
  private static Optional<NetworkUsage> network(Path netnsPin, long now) {
    List<NetworkInterfaceUsage> interfaces;
    try {
      interfaces =
          Namespaces.runIn(
              netnsPin,
              LibC.CLONE_NEWNET,
              () -> NetDev.parse(Files.readAllLines(Path.of("/proc/thread-self/net/dev"))));
    } catch (IOException e) {
      LOG.fine("event=pod_network_unreadable netns=" + netnsPin + " error=" + e.getMessage());
      return Optional.empty();
    }
    // No pod interface (a stopped pod's netns keeps only lo): no network figures at all. kubelet
    // 1.26 reads
    // default_interface of every network it gets without a check, and a missing one crashed it.
    return interfaces.stream()
        .filter(i -> i.getName().equals(DEFAULT_INTERFACE))
        .findFirst()
        .or(() -> interfaces.stream().filter(i -> !i.getName().equals("lo")).findFirst())
        .map(
            pod ->
                NetworkUsage.newBuilder()
                    .setTimestamp(now)
                    .addAllInterfaces(interfaces)
                    .setDefaultInterface(pod)
                    .build());
  }

  private static void setIfKnown(Long value, LongConsumer setter) {
    if (value != null) {
      setter.accept(value);
    }
  }

  private static UInt64Value uint64(long value) {
    return UInt64Value.newBuilder().setValue(value).build();
  }
}
