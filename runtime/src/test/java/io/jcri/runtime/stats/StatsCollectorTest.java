package io.jcri.runtime.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jcri.cri.v1.ContainerAttributes;
import io.jcri.cri.v1.ContainerStats;
import io.jcri.cri.v1.NetworkInterfaceUsage;
import io.jcri.cri.v1.PodSandboxAttributes;
import io.jcri.cri.v1.PodSandboxStats;
import io.jcri.sys.Command;
import io.jcri.sys.LibC;
import io.jcri.sys.Namespaces;
import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stats of real processes in real cgroups, a real writable-layer tree and a real network namespace.
 */
class StatsCollectorTest {
  private static final String ID = "c".repeat(64);
  private static final ContainerAttributes CONTAINER =
      ContainerAttributes.newBuilder().setId(ID).build();
  private static final PodSandboxAttributes POD =
      PodSandboxAttributes.newBuilder().setId("p".repeat(64)).build();

  @TempDir Path tmp;

  private final StatsCollector collector = new StatsCollector();
  private final String slice =
      "jcri-stats-" + UUID.randomUUID().toString().substring(0, 8) + ".slice";
  private TestCgroups cgroups;
  private Process process;

  @BeforeEach
  void createCgroups() throws IOException {
    cgroups = TestCgroups.create("/" + slice + "/ctr.scope");
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    cgroups.close();
  }

  /**
   * Starts script in the test cgroup; it blocks on stdin until it has been moved there, so all its
   * work is counted.
   */
  private int startInCgroup(String script) throws IOException {
    process =
        Command.start(
            new ProcessBuilder("sh", "-c", "read go; " + script)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD));
    cgroups.add(process.pid());
    OutputStream stdin = process.getOutputStream();
    stdin.write("go\n".getBytes());
    stdin.flush();
    return (int) process.pid();
  }

  private int startBusy() throws IOException {
    return startInCgroup(
        "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; "
            + "x=$(head -c 4000000 /dev/zero | tr '\\0' a); sleep 30");
  }

  @Test
  void containerCpuAndMemoryFromItsCgroups() throws Exception {
    int pid = startBusy();
    Thread.sleep(300);
    ContainerStats first = collector.container(ID, CONTAINER, pid, tmp, "/var/lib/jcri");
    Thread.sleep(1100);
    ContainerStats second = collector.container(ID, CONTAINER, pid, tmp, "/var/lib/jcri");

    assertEquals(CONTAINER, second.getAttributes());
    long cpu1 = first.getCpu().getUsageCoreNanoSeconds().getValue();
    long cpu2 = second.getCpu().getUsageCoreNanoSeconds().getValue();
    assertTrue(cpu1 > 50_000_000L, "a 200000-step shell loop takes tens of ms of CPU, got " + cpu1);
    assertTrue(cpu2 >= cpu1);
    assertFalse(first.getCpu().hasUsageNanoCores(), "no rate without a previous sample");
    assertTrue(second.getCpu().hasUsageNanoCores());
    assertTrue(
        second.getCpu().getUsageNanoCores().getValue() <= 2_100_000_000L,
        "at most the 2 cores of this node");
    assertTrue(second.getCpu().getTimestamp() > first.getCpu().getTimestamp());
    long nowNanos = System.currentTimeMillis() * 1_000_000L;
    assertTrue(
        Math.abs(nowNanos - second.getCpu().getTimestamp()) < 60_000_000_000L,
        "nanoseconds since the epoch");

    var memory = second.getMemory();
    assertTrue(memory.getWorkingSetBytes().getValue() > 0);
    assertTrue(memory.getUsageBytes().getValue() >= memory.getWorkingSetBytes().getValue());
    assertTrue(
        memory.getRssBytes().getValue() >= 4_000_000L, "the shell holds a 4 MB string: " + memory);
    assertTrue(memory.getPageFaults().getValue() > 0);
    assertTrue(memory.hasMajorPageFaults());
  }

  @Test
  void podCgroupFromPathOrSliceNameOrItsContainers() throws Exception {
    int pid = startBusy();
    Thread.sleep(300);
    ContainerStats container = collector.container(ID, CONTAINER, pid, tmp, "/");
    long containerCpu = container.getCpu().getUsageCoreNanoSeconds().getValue();

    for (String parent : List.of("/" + slice, slice, "")) {
      PodSandboxStats pod = collector.pod(POD, parent, List.of(pid, pid), null, List.of(container));
      var linux = pod.getLinux();
      assertEquals(POD, pod.getAttributes());
      assertEquals(List.of(container), linux.getContainersList());
      assertTrue(
          linux.getCpu().getUsageCoreNanoSeconds().getValue() >= containerCpu, "parent " + parent);
      assertTrue(linux.getMemory().getWorkingSetBytes().getValue() > 0, "parent " + parent);
      long processes = linux.getProcess().getProcessCount().getValue();
      assertTrue(
          processes >= 1 && processes < 10, "the shell and its sleep, counted once: " + processes);
      assertFalse(linux.hasNetwork(), "host network has no pod netns");
    }
  }

  @Test
  void stoppedContainerHasOnlyAttributesAndLayer() throws Exception {
    Files.writeString(tmp.resolve("f"), "12345");
    ContainerStats stats = collector.container(ID, CONTAINER, 0, tmp, "/var/lib/jcri");
    assertFalse(stats.hasCpu());
    assertFalse(stats.hasMemory());
    assertEquals("/var/lib/jcri", stats.getWritableLayer().getFsId().getMountpoint());
    assertEquals(2, stats.getWritableLayer().getInodesUsed().getValue());

    ContainerStats removed =
        collector.container(ID, CONTAINER, Integer.MAX_VALUE, tmp.resolve("gone"), "/");
    assertFalse(removed.hasCpu());
    assertFalse(removed.hasWritableLayer());
  }

  @Test
  void writableLayerCountsLikeDu() throws Exception {
    Path upper = Files.createDirectories(tmp.resolve("upper/etc"));
    Files.write(upper.resolve("a"), new byte[10_000]);
    Files.write(upper.resolve("b"), new byte[123]);
    Files.createLink(upper.resolve("a-link"), upper.resolve("a"));
    Files.createSymbolicLink(upper.resolve("s"), Path.of("/does/not/exist"));
    Files.createSymbolicLink(tmp.resolve("upper/outside"), tmp); // must not be followed
    Path layer = tmp.resolve("upper");

    var usage = collector.container(ID, CONTAINER, 0, layer, "/").getWritableLayer();

    assertEquals(
        6, usage.getInodesUsed().getValue(), "upper, etc, a (twice linked), b, two symlinks");
    assertEquals(du("-sb", layer), usage.getUsedBytes().getValue());
    assertEquals(du("--inodes", layer), usage.getInodesUsed().getValue());
    assertTrue(usage.getUsedBytes().getValue() < 10_000 + 123 + 3 * 4096 + 100, "a counted once");
  }

  private static long du(String option, Path dir) throws IOException {
    var result = Command.run(List.of("du", "-s", option, dir.toString()), Duration.ofSeconds(10));
    assertTrue(result.ok(), result.err());
    return Long.parseLong(result.out().split("\\s+")[0]);
  }

  @Test
  void podNetworkFromItsNamespace() throws Exception {
    Path pin = tmp.resolve("netns/pod");
    Namespaces.createPinned(Map.of(LibC.CLONE_NEWNET, pin), () -> {});
    try {
      Namespaces.runIn(
          pin,
          LibC.CLONE_NEWNET,
          () -> {
            Syscalls.setLinkUp("lo");
            try (DatagramChannel receiver = DatagramChannel.open();
                DatagramChannel sender = DatagramChannel.open()) {
              receiver.bind(new InetSocketAddress("127.0.0.1", 0));
              sender.send(ByteBuffer.allocate(100), receiver.getLocalAddress());
              receiver.receive(ByteBuffer.allocate(200));
            }
            return null;
          });

      assertFalse(
          collector.pod(POD, "", List.of(), pin, List.of()).getLinux().hasNetwork(),
          "lo alone (a stopped pod) gives no network figures: kubelet needs a default interface in every one");
      Process dummy =
          new ProcessBuilder(
                  "nsenter",
                  "--net=" + pin,
                  "sh",
                  "-c",
                  "ip link add veth0 type veth peer name eth0")
              .inheritIO()
              .start();
      assertEquals(0, dummy.waitFor());

      var network = collector.pod(POD, "", List.of(), pin, List.of()).getLinux().getNetwork();

      assertEquals(
          Set.of("lo", "eth0", "veth0"),
          network.getInterfacesList().stream()
              .map(NetworkInterfaceUsage::getName)
              .collect(Collectors.toSet()),
          "the pod's netns, not the host's");
      NetworkInterfaceUsage lo =
          network.getInterfacesList().stream()
              .filter(i -> i.getName().equals("lo"))
              .findFirst()
              .orElseThrow();
      long frame = 100 + 8 + 20; // payload + UDP + IPv4 headers: lo counts the IP packet
      assertEquals(frame, lo.getTxBytes().getValue());
      assertEquals(frame, lo.getRxBytes().getValue());
      assertEquals(0, lo.getRxErrors().getValue());
      assertEquals(
          "eth0", network.getDefaultInterface().getName(), "the pod's interface, never lo");
      assertTrue(network.getTimestamp() > 0);
    } finally {
      Namespaces.unpin(pin);
    }
    assertFalse(
        collector.pod(POD, "", List.of(), pin, List.of()).getLinux().hasNetwork(),
        "unpinned: no network stats");
  }

  @Test
  void oomKillIsReportedFromTheMemoryCgroup() throws Exception {
    Path memory = cgroups.memoryDir().orElse(null);
    assumeTrue(memory != null, "no writable memory cgroup on this node");
    boolean v1 = Files.exists(memory.resolve("memory.limit_in_bytes"));
    Files.writeString(memory.resolve(v1 ? "memory.limit_in_bytes" : "memory.max"), "16777216");
    Path swapLimit = memory.resolve(v1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max");
    if (Files.exists(swapLimit)) {
      Files.writeString(swapLimit, v1 ? "16777216" : "0");
    }
    String cgroupPath = cgroups.path;
    assertFalse(collector.oomKilled(cgroupPath));

    startInCgroup("x=$(head -c 64000000 /dev/zero | tr '\\0' a); sleep 30");
    assertTrue(
        process.waitFor(30, TimeUnit.SECONDS),
        "the shell is OOM-killed well before its sleep ends");

    assertTrue(collector.oomKilled(cgroupPath));
    assertFalse(collector.oomKilled("/" + slice + "/no-such-cgroup"));
  }
}
