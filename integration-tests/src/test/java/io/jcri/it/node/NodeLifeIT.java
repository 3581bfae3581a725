package io.jcri.it.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.ContainerEventType;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.GetEventsRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandbox;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PodSandboxState;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.RemoveContainerRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopContainerRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.pods.Pods;
import io.jcri.it.registry.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a node meets over months: a reboot, monitors (conmon, the infra process) that die under a
 * running jcrid, removals that must not wait on exits, probes that leave children behind. Each test
 * runs its own daemon.
 */
class NodeLifeIT {
  private Jcrid d;
  private String image;

  @BeforeEach
  void start() throws Exception {
    d = Jcrid.start();
    d.writeBridgeNetwork();
    image = TestImages.busybox();
    Pods.pull(d, image);
  }

  @AfterEach
  void stop() throws Exception {
    try {
      if (d.isAlive()) {
        for (PodSandbox pod :
            d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
          d.runtime()
              .stopPodSandbox(
                  StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
          d.runtime()
              .removePodSandbox(
                  RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
        }
      }
    } finally {
      d.close();
    }
  }

  private PodSandboxConfig pod(String name, NamespaceMode pid) {
    return Pods.withNamespaces(Pods.pod(name), NamespaceMode.POD, pid, NamespaceMode.POD)
        .setLogDirectory(d.home().resolve("logs/" + name).toString())
        .build();
  }

  private String runContainer(String podId, PodSandboxConfig pod, String name, String... cmd) {
    String id = Pods.create(d, podId, pod, Pods.container(name, image, cmd));
    Pods.start(d, id);
    return id;
  }

  private PodSandboxState podState(String id) {
    return d.runtime()
        .podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
        .getStatus()
        .getState();
  }

  @Test
  void afterARebootNoPodIsReadyAndKubeletCanRecreateThem() throws Exception {
    PodSandboxConfig shared = pod("reboot-infra", NamespaceMode.POD);
    PodSandboxConfig plain = pod("reboot-plain", NamespaceMode.CONTAINER);
    String sharedId = Pods.run(d, shared.toBuilder());
    String plainId = Pods.run(d, plain.toBuilder());
    String c1 = runContainer(sharedId, shared, "app", "sleep", "600");
    String c2 = runContainer(plainId, plain, "app", "sleep", "600");
    List<String> ipsBefore = ipamFiles();
    assertEquals(2, ipsBefore.size(), "two pod IPs allocated: " + ipsBefore);

    long infra = Pods.info(d, sharedId).get("pid").asLong();
    assertTrue(infra > 0, "the shared-PID pod has an infra process");
    d.stop();
    simulateReboot(infra);
    d.restart();

    for (String id : List.of(sharedId, plainId)) {
      assertEquals(
          PodSandboxState.SANDBOX_NOTREADY, podState(id), "pod " + id + " after the reboot");
    }
    for (String id : List.of(c1, c2)) {
      ContainerStatus s = Pods.status(d, id);
      assertEquals(
          ContainerState.CONTAINER_EXITED, s.getState(), "container " + id + " after the reboot");
      assertEquals(
          List.of(255, "Rebooted"),
          List.of(s.getExitCode(), s.getReason()),
          "exit code unknown, the reason says the node rebooted");
    }
    assertTrue(
        ipamFiles().isEmpty(),
        "the old pods' IPs are released (CNI DEL from the cache): " + ipamFiles());

    // kubelet: stop and remove the dead pods, then create them again under the same names
    for (String id : List.of(sharedId, plainId)) {
      d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      d.runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }
    for (PodSandboxConfig old : List.of(shared, plain)) {
      PodSandboxConfig again =
          old.toBuilder()
              .setMetadata(PodSandboxMetadata.newBuilder(old.getMetadata()).setAttempt(1))
              .build();
      String id = Pods.run(d, again.toBuilder());
      assertEquals(PodSandboxState.SANDBOX_READY, podState(id));
      String c = runContainer(id, again, "app", "sleep", "600");
      assertEquals(ContainerState.CONTAINER_RUNNING, Pods.status(d, c).getState());
    }
  }

  @Test
  void aPodWhoseNamespacePinsAreGoneIsNotReadyAfterARestart() throws Exception {
    PodSandboxConfig lost = pod("pins-lost", NamespaceMode.CONTAINER);
    PodSandboxConfig kept = pod("pins-kept", NamespaceMode.CONTAINER);
    String lostId = Pods.run(d, lost.toBuilder());
    String keptId = Pods.run(d, kept.toBuilder());
    Path netns = Path.of(Pods.info(d, lostId).get("netnsPath").asText());
    d.stop();
    new ProcessBuilder("umount", netns.toString()).inheritIO().start().waitFor();
    Files.deleteIfExists(netns);
    d.restart();
    assertEquals(
        PodSandboxState.SANDBOX_NOTREADY, podState(lostId), "its network namespace is gone");
    assertEquals(PodSandboxState.SANDBOX_READY, podState(keptId));
  }

  @Test
  void aContainerWhoseConmonDiesIsReportedExitedAndCanBeRemoved() throws Exception {
    PodSandboxConfig pod = pod("conmon-dies", NamespaceMode.CONTAINER);
    String podId = Pods.run(d, pod.toBuilder());
    String id = runContainer(podId, pod, "app", "sleep", "600");
    long conmon = processes(cmd -> cmd.contains("conmon") && cmd.contains(id)).getFirst();
    new ProcessBuilder("kill", "-9", Long.toString(conmon)).start().waitFor();
    ContainerStatus s = awaitState(id, ContainerState.CONTAINER_EXITED, 15_000);
    assertEquals(
        ContainerState.CONTAINER_EXITED,
        s.getState(),
        "conmon died: the container is not RUNNING forever");
    assertEquals(
        List.of(255, "ConmonDied"),
        List.of(s.getExitCode(), s.getReason()),
        "exit code unknown, the reason says why");
    assertTrue(
        processes(cmd -> cmd.equals("sleep 600 ")).stream()
            .noneMatch(pid -> cgroupOf(pid).contains(id)),
        "the unmonitored container was killed, not left running");
    d.runtime()
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
    d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
    assertTrue(
        processes(cmd -> cmd.contains(id)).isEmpty(), "nothing of the container is left running");
    String again = runContainer(podId, pod, "app", "sleep", "600");
    assertEquals(
        ContainerState.CONTAINER_RUNNING, Pods.status(d, again).getState(), "kubelet restarts it");
  }

  @Test
  void aPodWhoseInfraProcessDiesBecomesNotReadyAndRefusesNewContainers() throws Exception {
    PodSandboxConfig pod = pod("infra-dies", NamespaceMode.POD);
    String podId = Pods.run(d, pod.toBuilder());
    int infra = Pods.info(d, podId).get("pid").asInt();
    assertTrue(infra > 0, "the pod has an infra process");
    String early = Pods.create(d, podId, pod, Pods.container("early", image, "sleep", "600"));
    CompletableFuture<ContainerEventResponse> stopped = stoppedEventOf(podId);
    new ProcessBuilder("kill", "-9", Integer.toString(infra)).start().waitFor();
    long deadline = System.currentTimeMillis() + 15_000;
    while (podState(podId) == PodSandboxState.SANDBOX_READY
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(
        PodSandboxState.SANDBOX_NOTREADY,
        podState(podId),
        "the pod's PID namespace died with its infra");
    assertEquals(
        ContainerEventType.CONTAINER_STOPPED_EVENT,
        stopped.get(5, TimeUnit.SECONDS).getContainerEventType(),
        "an event says the pod stopped");
    try {
      runContainer(podId, pod, "late", "sleep", "600");
      throw new AssertionError("a container was started in a PID namespace that is gone");
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getMessage());
      assertTrue(e.getMessage().contains(podId), "the refusal names the sandbox: " + e);
    }
    // created before the infra died: it was in that PID namespace and died with it
    try {
      Pods.start(d, early);
      throw new AssertionError("a container was started in a PID namespace that is gone");
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getMessage());
    }
  }

  @Test
  void removingContainersDoesNotWaitOnExitsNorHoldBackOtherExits() throws Exception {
    PodSandboxConfig pod = pod("removals", NamespaceMode.CONTAINER);
    String podId = Pods.run(d, pod.toBuilder());
    String created = Pods.create(d, podId, pod, Pods.container("created", image, "sleep", "600"));
    long t0 = System.nanoTime();
    d.runtime()
        .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(created).build());
    long removeCreatedMs = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(
        removeCreatedMs < 2000,
        "RemoveContainer of a created container took " + removeCreatedMs + " ms");

    String running = runContainer(podId, pod, "running", "sleep", "600");
    String exits = runContainer(podId, pod, "exits", "sh", "-c", "sleep 1; exit 3");
    CompletableFuture<Void> removal =
        CompletableFuture.runAsync(
            () ->
                d.runtime()
                    .removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(running).build()));
    ContainerStatus s = awaitState(exits, ContainerState.CONTAINER_EXITED, 3000);
    assertEquals(
        ContainerState.CONTAINER_EXITED, s.getState(), "an exit is recorded while a removal runs");
    assertEquals(3, s.getExitCode());
    removal.join();
  }

  @Test
  void anExecSyncWhoseCommandLeavesChildrenHoldingItsPipesEndsAndLeaksNothing() throws Exception {
    PodSandboxConfig pod = pod("probes", NamespaceMode.CONTAINER);
    String podId = Pods.run(d, pod.toBuilder());
    String id = runContainer(podId, pod, "app", "sleep", "600");
    probe(id);
    long threads = threads(d.pid());
    long fds = fds(d.pid());
    for (int i = 0; i < 10; i++) {
      long t0 = System.nanoTime();
      probe(id);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms < 4000, "ExecSync with timeout 2 s took " + ms + " ms");
    }
    Thread.sleep(1000);
    assertTrue(
        threads(d.pid()) <= threads + 2, "jcrid threads " + threads + " -> " + threads(d.pid()));
    assertTrue(fds(d.pid()) <= fds + 2, "jcrid fds " + fds + " -> " + fds(d.pid()));
  }

  /** A probe whose shell starts a background child that keeps stdout and stderr open. */
  private void probe(String containerId) {
    try {
      d.runtime()
          .execSync(
              ExecSyncRequest.newBuilder()
                  .setContainerId(containerId)
                  .setTimeout(2)
                  .addCmd("sh")
                  .addCmd("-c")
                  .addCmd("sleep 30 & echo probed")
                  .build());
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode(), e.getMessage());
    }
  }

  /** The first CONTAINER_STOPPED_EVENT jcrid streams for the object of this ID. */
  private CompletableFuture<ContainerEventResponse> stoppedEventOf(String id)
      throws InterruptedException {
    CompletableFuture<ContainerEventResponse> stopped = new CompletableFuture<>();
    CountDownLatch subscribed = new CountDownLatch(1);
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                Iterator<ContainerEventResponse> events =
                    d.runtime().getContainerEvents(GetEventsRequest.getDefaultInstance());
                subscribed.countDown();
                while (!stopped.isDone() && events.hasNext()) {
                  ContainerEventResponse e = events.next();
                  if (e.getContainerId().equals(id)
                      && e.getContainerEventType() == ContainerEventType.CONTAINER_STOPPED_EVENT) {
                    stopped.complete(e);
                  }
                }
              } catch (RuntimeException e) {
                stopped.completeExceptionally(e);
              }
            });
    subscribed.await(10, TimeUnit.SECONDS);
    Thread.sleep(500); // the server subscribes when the call arrives, a moment after the stub
    return stopped;
  }

  private static String cgroupOf(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/cgroup"));
    } catch (IOException gone) {
      return "";
    }
  }

  private ContainerStatus awaitState(String id, ContainerState state, long millis)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    ContainerStatus s = Pods.status(d, id);
    while (s.getState() != state && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      s = Pods.status(d, id);
    }
    return s;
  }

  /**
   * A reboot as the node sees it: every process of this daemon's containers, conmons and the given
   * infra processes gone, everything mounted under the state dir gone and the tmpfs state dir
   * empty. Records under --root survive.
   */
  private void simulateReboot(long... infraPids) throws IOException, InterruptedException {
    for (long pid : infraPids) {
      // the infra's command line names nothing of the daemon: it would outlive the "reboot" and
      // keep the pod's network namespace, and its veth, alive
      new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
    }
    String home = d.home().toString();
    for (long pid : processes(cmd -> cmd.contains(home))) {
      new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
    }
    for (Path cgroupProcs : podCgroupProcs()) {
      for (String pid : Files.readAllLines(cgroupProcs)) {
        new ProcessBuilder("kill", "-9", pid).start().waitFor();
      }
    }
    Thread.sleep(500);
    Jcrid.unmountUnder(d.state());
    try (Stream<Path> walk = Files.walk(d.state())) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    Files.createDirectories(d.state());
  }

  /** cgroup.procs of every container cgroup jcrid made under its default parent for this run. */
  private List<Path> podCgroupProcs() throws IOException {
    List<Path> procs = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(Path.of("/sys/fs/cgroup/pids"))) {
      walk.filter(p -> p.getFileName().toString().equals("cgroup.procs"))
          .forEach(
              p -> {
                try {
                  for (String pid : Files.readAllLines(p)) {
                    if (!pid.isBlank()
                        && cmdline(Long.parseLong(pid.trim())).contains("sleep 600")) {
                      procs.add(p);
                      return;
                    }
                  }
                } catch (IOException gone) {
                  // the cgroup went away while we walked
                }
              });
    }
    return procs;
  }

  private List<String> ipamFiles() throws IOException {
    Path dir = d.home().resolve("ipam/jcri-it");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9.]+")).toList();
    }
  }

  private static List<Long> processes(java.util.function.Predicate<String> command)
      throws IOException {
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> all = Files.list(Path.of("/proc"))) {
      for (Path p : all.toList()) {
        String name = p.getFileName().toString();
        if (name.chars().allMatch(Character::isDigit)
            && command.test(cmdline(Long.parseLong(name)))) {
          pids.add(Long.parseLong(name));
        }
      }
    }
    pids.remove(ProcessHandle.current().pid());
    return pids;
  }

  private static String cmdline(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
    } catch (IOException gone) {
      return "";
    }
  }

  private static long threads(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("Threads:"))
        .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
        .findFirst()
        .orElseThrow();
  }

  private static long fds(long pid) throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      return fds.count();
    }
  }
}
