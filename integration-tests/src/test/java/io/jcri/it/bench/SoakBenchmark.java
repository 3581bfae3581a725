package io.jcri.it.bench;

import io.jcri.cri.v1.ContainerFilter;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatsFilter;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.ListContainerStatsRequest;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.ListPodSandboxStatsRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxStatsFilter;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.pods.Pods;
import io.jcri.it.registry.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A day of a kubelet's load compressed into minutes: pods created and removed, an exec probe on
 * every container every second, logs written, stats and lists polled as kubelet's relist does, and
 * jcrid killed with SIGKILL and restarted at random. Prints the daemon's fds, threads and RSS and
 * the node's mounts, cgroups and processes of this run at the start and at the end, with the same
 * number of pods running, and once more after everything is removed. Every count should be flat.
 * Run with {@code hack/bench.sh SoakBenchmark [minutes=30] [pods=6]}.
 */
public final class SoakBenchmark {
  private static final String CGROUP_PARENT = "/jcri-soak";
  private static final String BRIDGE = "jcrisoak0";
  private static final Random RANDOM = new Random(42);

  private final Jcrid daemon;
  private final String image;
  private final Deque<Pod> pods = new ArrayDeque<>();
  private long created;
  private long probes;
  private long probeFailures;
  private long restarts;

  private record Pod(String sandboxId, String containerId, PodSandboxConfig config) {}

  private SoakBenchmark(Jcrid daemon, String image) {
    this.daemon = daemon;
    this.image = image;
  }

  public static void main(String[] args) throws Exception {
    int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    int podCount = args.length > 1 ? Integer.parseInt(args[1]) : 6;
    try (Jcrid d = Jcrid.start()) {
      d.writeBridgeNetwork(BRIDGE, "10.97.0.0/16");
      String image = TestImages.busybox();
      Pods.pull(d, image);
      SoakBenchmark soak = new SoakBenchmark(d, image);
      Map<String, Long> empty = soak.counts();
      for (int i = 0; i < podCount; i++) {
        soak.addPod();
      }
      soak.tick(5);
      Map<String, Long> start = soak.counts();
      long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(minutes);
      long nextChurn = System.nanoTime();
      long nextCrash = System.nanoTime() + crashDelay();
      while (System.nanoTime() < end) {
        soak.tick(1);
        if (System.nanoTime() >= nextChurn) {
          soak.removeOldestPod();
          soak.addPod();
          nextChurn = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        }
        if (System.nanoTime() >= nextCrash) {
          soak.crashAndRestart();
          nextCrash = System.nanoTime() + crashDelay();
        }
      }
      soak.tick(5);
      Map<String, Long> finish = soak.counts();
      while (!soak.pods.isEmpty()) {
        soak.removeOldestPod();
      }
      Thread.sleep(2000);
      Map<String, Long> after = soak.counts();
      System.out.printf(
          "soak: %d min, %d pods at a time, %d pods created, %d exec probes (%d failed), %d jcrid kill -9 + restart%n",
          minutes, podCount, soak.created, soak.probes, soak.probeFailures, soak.restarts);
      System.out.printf(
          "%-22s %10s %10s %10s %12s%n", "", "no pods", "start", "end", "all removed");
      for (String key : start.keySet()) {
        System.out.printf(
            "%-22s %10d %10d %10d %12d%n",
            key, empty.get(key), start.get(key), finish.get(key), after.get(key));
      }
    }
  }

  /** Two to five minutes between crashes: several in a 30-minute run, never in a burst. */
  private static long crashDelay() {
    return TimeUnit.SECONDS.toNanos(120 + RANDOM.nextInt(180));
  }

  private void addPod() {
    String name = "soak-" + created++;
    PodSandboxConfig.Builder builder =
        Pods.pod(name).setLogDirectory(daemon.home().resolve("logs/" + name).toString());
    builder.setLinux(
        LinuxPodSandboxConfig.newBuilder(builder.getLinux()).setCgroupParent(CGROUP_PARENT));
    PodSandboxConfig config = builder.build();
    String sandboxId = Pods.run(daemon, config.toBuilder());
    // a log line every 100 ms: the CRI log writer and its rotation never rest
    String containerId =
        Pods.create(
            daemon,
            sandboxId,
            config,
            Pods.container(
                "app",
                image,
                "sh",
                "-c",
                "i=0; while true; do echo \"line $i of a container that logs\"; i=$((i+1)); sleep 0.1; done"));
    Pods.start(daemon, containerId);
    pods.addLast(new Pod(sandboxId, containerId, config));
  }

  private void removeOldestPod() {
    Pod pod = pods.removeFirst();
    daemon
        .runtime()
        .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.sandboxId).build());
    daemon
        .runtime()
        .removePodSandbox(
            RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.sandboxId).build());
  }

  /** One second of kubelet: a probe per container, a relist, stats of everything. */
  private void tick(int seconds) throws InterruptedException {
    for (int s = 0; s < seconds; s++) {
      long t0 = System.nanoTime();
      for (Pod pod : pods) {
        probes++;
        ExecSyncResponse r =
            daemon
                .runtime()
                .execSync(
                    ExecSyncRequest.newBuilder()
                        .setContainerId(pod.containerId)
                        .addCmd("cat")
                        .addCmd("/proc/uptime")
                        .setTimeout(5)
                        .build());
        if (r.getExitCode() != 0) {
          probeFailures++;
        }
      }
      daemon.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
      long running =
          daemon
              .runtime()
              .listContainers(
                  ListContainersRequest.newBuilder()
                      .setFilter(
                          ContainerFilter.newBuilder()
                              .setState(
                                  io.jcri.cri.v1.ContainerStateValue.newBuilder()
                                      .setState(ContainerState.CONTAINER_RUNNING)))
                      .build())
              .getContainersCount();
      if (running != pods.size()) {
        throw new IllegalStateException(
            running + " containers running, " + pods.size() + " expected");
      }
      daemon
          .runtime()
          .listContainerStats(
              ListContainerStatsRequest.newBuilder()
                  .setFilter(ContainerStatsFilter.getDefaultInstance())
                  .build());
      daemon
          .runtime()
          .listPodSandboxStats(
              ListPodSandboxStatsRequest.newBuilder()
                  .setFilter(PodSandboxStatsFilter.getDefaultInstance())
                  .build());
      long left = 1000 - (System.nanoTime() - t0) / 1_000_000;
      if (left > 0) {
        Thread.sleep(left);
      }
    }
  }

  private void crashAndRestart() throws IOException, InterruptedException {
    daemon.kill9();
    daemon.restart();
    restarts++;
    long sandboxes =
        daemon.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount();
    if (sandboxes != pods.size()) {
      throw new IllegalStateException(
          "after restart " + restarts + ": " + sandboxes + " pods, " + pods.size() + " expected");
    }
  }

  /** What must stay flat: the daemon's own resources and what this run leaves on the node. */
  private Map<String, Long> counts() throws IOException {
    Map<String, Long> c = new LinkedHashMap<>();
    long pid = daemon.pid();
    try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      c.put("jcrid fds", fds.count());
    }
    c.put("jcrid threads", statusField(pid, "Threads:"));
    c.put("jcrid RSS MB", statusField(pid, "VmRSS:") / 1024);
    String home = daemon.home().toString();
    c.put(
        "mounts under root/state",
        Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
            .filter(l -> l.split(" ")[4].startsWith(home))
            .count());
    c.put("cgroups (all hierarchies)", cgroups());
    c.put(
        "conmon processes",
        processes(cmdline -> cmdline.startsWith("conmon") || cmdline.contains("/conmon"), home));
    c.put("processes in pod cgroups", processesInCgroups());
    c.put("bridge ports (veths)", bridgePorts());
    return c;
  }

  private static long statusField(long pid, String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }

  private static long cgroups() throws IOException {
    long n = 0;
    List<Path> hierarchies = new ArrayList<>();
    try (Stream<Path> roots = Files.list(Path.of("/sys/fs/cgroup"))) {
      roots.forEach(hierarchies::add);
    }
    for (Path hierarchy : hierarchies) {
      Path parent = hierarchy.resolve(CGROUP_PARENT.substring(1));
      if (Files.isDirectory(parent) && !Files.isSymbolicLink(hierarchy)) {
        try (Stream<Path> dirs = Files.walk(parent)) {
          n += dirs.filter(Files::isDirectory).count() - 1;
        }
      }
    }
    return n;
  }

  private static long processes(java.util.function.Predicate<String> command, String mentions)
      throws IOException {
    long n = 0;
    for (Path proc : procs()) {
      String cmdline = read(proc.resolve("cmdline")).replace('\0', ' ');
      if (command.test(cmdline) && cmdline.contains(mentions)) {
        n++;
      }
    }
    return n;
  }

  private static long processesInCgroups() throws IOException {
    long n = 0;
    for (Path proc : procs()) {
      if (read(proc.resolve("cgroup")).contains(CGROUP_PARENT + "/")) {
        n++;
      }
    }
    return n;
  }

  private static long bridgePorts() throws IOException {
    Path ports = Path.of("/sys/class/net", BRIDGE, "brif");
    if (!Files.isDirectory(ports)) {
      return 0;
    }
    try (Stream<Path> links = Files.list(ports)) {
      return links.count();
    }
  }

  private static List<Path> procs() throws IOException {
    try (Stream<Path> all = Files.list(Path.of("/proc"))) {
      return all.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .toList();
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException | RuntimeException gone) {
      return "";
    }
  }
}
