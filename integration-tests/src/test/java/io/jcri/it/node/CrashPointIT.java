package io.jcri.it.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.Container;
import io.jcri.cri.v1.ContainerFilter;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandbox;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxState;
import io.jcri.cri.v1.RemoveContainerRequest;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopContainerRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.pods.Pods;
import io.jcri.it.registry.LocalRegistry;
import io.jcri.it.registry.TestImages;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kill -9 at every step (#12): for each named step of each lifecycle RPC (the list is jcrid's own,
 * io.jcri.sys.NamedStep), jcrid halts itself just before that step (and after the last step of each
 * RPC) through the test-only crash hook; after a restart the object is finished or absent, nothing
 * is left without a record (runtime containers, conmon, cgroups, mounts, namespace pins, veths, IP
 * allocations, bundles, layers), and kubelet's retry under the same name succeeds. One daemon home
 * serves every case: what one case leaks, the next cases' checks see too.
 */
class CrashPointIT {
  private static final List<String> OPERATIONS =
      List.of(
          "RunPodSandbox",
          "CreateContainer",
          "StartContainer",
          "StopContainer",
          "RemoveContainer",
          "StopPodSandbox",
          "RemovePodSandbox",
          "PullImage");
  private static final String HOOK = "JCRI_TEST_CRASHAT";
  private static final Set<String> OFF_THE_RPC =
      Set.of(
          "before:StopContainer/runtime-delete",
          "after:StopContainer/runtime-delete",
          "before:RemoveContainer/unmount",
          "before:RemoveContainer/files-delete",
          "after:RemoveContainer/files-delete");

  private static Jcrid d;
  private static String image;
  private static String pulled;
  private static Set<String> vethsBefore;
  private static Set<String> cgroupsBefore;

  @BeforeAll
  static void start() throws Exception {
    d = Jcrid.start();
    d.writeBridgeNetwork();
    image = TestImages.busybox();
    Pods.pull(d, image);
    pulled =
        TestImages.image(LocalRegistry.shared(), "test/crash-pull")
            .layer(TestImages.fileLayer("a.txt", "first layer"))
            .layer(TestImages.fileLayer("b.txt", "second layer"))
            .cmd("sh")
            .push("latest")
            .reference();
    vethsBefore = bridgePorts();
    cgroupsBefore = jcriCgroups();
  }

  @AfterAll
  static void stop() throws Exception {
    if (d != null) {
      // the per-step breakdown of the last retry of each operation, for docs/performance.md
      for (String op : OPERATIONS) {
        d.log()
            .lines()
            .filter(l -> l.contains("event=rpc_steps rpc=" + op + " "))
            .reduce((first, last) -> last)
            .ifPresent(l -> System.out.println("breakdown " + l));
      }
      d.close();
    }
  }

  /**
   * before: every step of every operation; after: the last step of each (before the answer). The
   * steps are the daemon's own list, io.jcri.sys.NamedStep, read from the distribution under test
   * (not from the build's class path, which may hold another build's jar).
   */
  static Stream<String> crashPoints() throws Exception {
    List<String> all = daemonSteps();
    List<String> points = new ArrayList<>();
    for (String op : OPERATIONS) {
      List<String> steps = all.stream().filter(s -> s.startsWith(op + "/")).toList();
      assertFalse(steps.isEmpty(), op + " has named steps");
      steps.forEach(s -> points.add("before:" + s));
      points.add("after:" + steps.getLast());
    }
    assertEquals(
        all.size(), points.size() - OPERATIONS.size(), "every named step belongs to an operation");
    return points.stream();
  }

  private static List<String> daemonSteps() throws Exception {
    Path lib = Jcrid.launcher().getParent().getParent().resolve("lib");
    Path sys;
    try (Stream<Path> jars = Files.list(lib)) {
      sys =
          jars.filter(j -> j.getFileName().toString().startsWith("jcri-sys-"))
              .findFirst()
              .orElseThrow(() -> new IllegalStateException("no jcri-sys jar in " + lib));
    }
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {sys.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
      Class<?> steps = loader.loadClass("io.jcri.sys.NamedStep");
      Method id = steps.getMethod("id");
      List<String> ids = new ArrayList<>();
      for (Object step : steps.getEnumConstants()) {
        ids.add((String) id.invoke(step));
      }
      return ids;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("crashPoints")
  void afterACrashTheObjectIsFinishedOrAbsentAndNothingIsOrphaned(String point) throws Exception {
    String op = point.substring(point.indexOf(':') + 1, point.indexOf('/'));
    d.environment(HOOK, point);
    d.kill9(); // between operations: the case jcrid already survives, and quicker than a clean stop
    d.restart();
    String name = "crash-" + Integer.toHexString(point.hashCode());
    // the pod operations get a pod that runs every step; the others a lean one (no infra process)
    PodSandboxConfig pod = pod(name, op.endsWith("PodSandbox"));
    Case c = new Case(pod);
    c.prepare(op);

    try {
      c.act(op);
      // only a step that runs on another thread than the RPC's (the teardown after an exit or a
      // removal, ContainerTeardown) may let the RPC answer before the halt
      assertTrue(OFF_THE_RPC.contains(point), point + ": the RPC answered");
    } catch (StatusRuntimeException expected) {
      // the connection died with the daemon
    }
    assertEquals(137, d.awaitExit(30), point + ": halted by the crash hook");
    String where = point.substring(0, point.indexOf(':'));
    String step = point.substring(point.indexOf(':') + 1);
    assertTrue(
        d.log().contains("event=test_crash_point where=" + where + " step=" + step + " "),
        point + ": the hook names the point it halted at");

    d.environment(HOOK, null);
    d.restart();
    assertNothingWithoutARecord(point);
    c.finishedOrAbsentAndRetry(op, point);
    c.cleanUp();
    assertNothingLeft(point);
  }

  /**
   * Own network and IPC; when full, also a shared PID namespace (an infra process) and a network
   * sysctl, so that every step of the pod operations runs.
   */
  private static PodSandboxConfig pod(String name, boolean full) {
    PodSandboxConfig.Builder b =
        Pods.withNamespaces(
                Pods.pod(name),
                NamespaceMode.POD,
                full ? NamespaceMode.POD : NamespaceMode.CONTAINER,
                NamespaceMode.POD)
            .setLogDirectory(d.home().resolve("logs/" + name).toString());
    if (full) {
      b.getLinuxBuilder().putSysctls("net.ipv4.ip_unprivileged_port_start", "1000");
    }
    return b.build();
  }

  /** One case's pod and container, as the operation under test needs them. */
  private static final class Case {
    final PodSandboxConfig pod;
    String podId;
    String containerId;

    Case(PodSandboxConfig pod) {
      this.pod = pod;
    }

    void prepare(String op) {
      switch (op) {
        case "RunPodSandbox" -> {}
        case "PullImage" -> removePulled();
        case "CreateContainer" -> podId = Pods.run(d, pod.toBuilder());
        case "StartContainer" -> {
          podId = Pods.run(d, pod.toBuilder());
          containerId = create();
        }
        default -> {
          podId = Pods.run(d, pod.toBuilder());
          containerId = create();
          Pods.start(d, containerId);
        }
      }
    }

    String create() {
      return Pods.create(d, podId, pod, Pods.container("app", image, "sleep", "600"));
    }

    void act(String op) {
      switch (op) {
        case "RunPodSandbox" -> podId = Pods.run(d, pod.toBuilder());
        case "CreateContainer" -> containerId = create();
        case "StartContainer" -> Pods.start(d, containerId);
        case "StopContainer" -> stopContainer();
        case "RemoveContainer" -> removeContainer();
        case "StopPodSandbox" -> stopPod();
        case "RemovePodSandbox" -> removePod(podId);
        case "PullImage" -> Pods.pull(d, pulled);
        default -> throw new IllegalArgumentException(op);
      }
    }

    /**
     * The object is finished (or, for stop and remove, still there as before) or absent; the retry
     * kubelet makes with the same name succeeds.
     */
    void finishedOrAbsentAndRetry(String op, String point) {
      switch (op) {
        case "RunPodSandbox" -> {
          List<PodSandbox> pods = pods(pod.getMetadata().getName());
          assertTrue(pods.size() <= 1, point + ": one pod at most: " + pods);
          if (pods.isEmpty()) {
            podId = Pods.run(d, pod.toBuilder()); // the same name and attempt
          } else {
            podId = pods.getFirst().getId();
          }
          assertEquals(PodSandboxState.SANDBOX_READY, podState(), point);
          Pods.start(d, create());
        }
        case "CreateContainer" -> {
          List<Container> cs = containers();
          assertTrue(cs.size() <= 1, point + ": one container at most: " + cs);
          if (cs.isEmpty()) {
            containerId = create(); // the same name and attempt
          } else {
            containerId = cs.getFirst().getId();
            assertEquals(ContainerState.CONTAINER_CREATED, cs.getFirst().getState(), point);
          }
          Pods.start(d, containerId);
          assertEquals(ContainerState.CONTAINER_RUNNING, Pods.status(d, containerId).getState());
        }
        case "StartContainer" -> {
          ContainerState s = Pods.status(d, containerId).getState();
          if (s == ContainerState.CONTAINER_CREATED) {
            Pods.start(d, containerId);
          }
          assertEquals(ContainerState.CONTAINER_RUNNING, Pods.status(d, containerId).getState());
        }
        case "StopContainer" -> {
          stopContainer();
          assertEquals(ContainerState.CONTAINER_EXITED, Pods.status(d, containerId).getState());
        }
        case "RemoveContainer" -> {
          removeContainer();
          assertTrue(containers().isEmpty(), point + ": the container is gone");
        }
        case "StopPodSandbox" -> {
          stopPod();
          assertEquals(PodSandboxState.SANDBOX_NOTREADY, podState(), point);
          assertEquals(ContainerState.CONTAINER_EXITED, Pods.status(d, containerId).getState());
        }
        case "RemovePodSandbox" -> {
          removePod(podId);
          assertTrue(pods(pod.getMetadata().getName()).isEmpty(), point + ": the pod is gone");
        }
        case "PullImage" -> {
          Pods.pull(d, pulled);
          assertTrue(
              d.images()
                  .imageStatus(
                      ImageStatusRequest.newBuilder()
                          .setImage(ImageSpec.newBuilder().setImage(pulled))
                          .build())
                  .hasImage(),
              point + ": the image is there after the retry");
        }
        default -> throw new IllegalArgumentException(op);
      }
    }

    void stopContainer() {
      d.runtime()
          .stopContainer(
              StopContainerRequest.newBuilder().setContainerId(containerId).setTimeout(0).build());
    }

    void removeContainer() {
      d.runtime()
          .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    void stopPod() {
      d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }

    PodSandboxState podState() {
      return pods(pod.getMetadata().getName()).getFirst().getState();
    }

    List<Container> containers() {
      return d.runtime()
          .listContainers(
              ListContainersRequest.newBuilder()
                  .setFilter(ContainerFilter.newBuilder().setPodSandboxId(podId))
                  .build())
          .getContainersList();
    }

    void cleanUp() {
      for (PodSandbox p :
          d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
        removePod(p.getId());
      }
    }
  }

  private static void removePod(String id) {
    d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
  }

  private static void removePulled() {
    boolean present =
        d.images()
            .imageStatus(
                ImageStatusRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(pulled))
                    .build())
            .hasImage();
    if (present) {
      d.images()
          .removeImage(
              RemoveImageRequest.newBuilder()
                  .setImage(ImageSpec.newBuilder().setImage(pulled))
                  .build());
    }
  }

  private static List<PodSandbox> pods(String name) {
    return d
        .runtime()
        .listPodSandbox(ListPodSandboxRequest.getDefaultInstance())
        .getItemsList()
        .stream()
        .filter(p -> p.getMetadata().getName().equals(name))
        .toList();
  }

  /**
   * Right after the restart: every runtime container, bundle, layer, pod directory, mount, conmon,
   * cgroup, veth and IP belongs to an object the daemon lists.
   */
  private static void assertNothingWithoutARecord(String point) throws Exception {
    List<PodSandbox> pods =
        d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
    Set<String> podIds = new HashSet<>();
    pods.forEach(p -> podIds.add(p.getId()));
    Set<String> containerIds = new HashSet<>();
    d.runtime()
        .listContainers(ListContainersRequest.getDefaultInstance())
        .getContainersList()
        .forEach(c -> containerIds.add(c.getId()));
    Set<String> known = new HashSet<>(podIds);
    known.addAll(containerIds);

    assertSubset(point, "runtime containers", runcContainers(), known);
    assertSubset(
        point, "container bundles", children(d.state().resolve("containers")), containerIds);
    assertSubset(
        point, "container layers", children(d.root().resolve("containers/layers")), containerIds);
    assertSubset(point, "pod run dirs", children(d.state().resolve("sandboxes")), podIds);
    Set<String> podData = new HashSet<>(podIds);
    podData.add("records");
    assertSubset(point, "pod data dirs", children(d.root().resolve("sandboxes")), podData);
    for (String m : mountsUnder(d.home())) {
      assertTrue(known.stream().anyMatch(m::contains), point + ": a mount without a record: " + m);
    }
    for (String cmd : conmons()) {
      assertTrue(
          known.stream().anyMatch(cmd::contains), point + ": a conmon without a record: " + cmd);
    }
    Set<String> cgroups = jcriCgroups();
    cgroups.removeAll(cgroupsBefore);
    assertSubset(point, "cgroups under /jcri", cgroups, known);
    long networked = pods.size(); // a stopped pod may still hold its IP until a retried stop
    assertTrue(
        ipamFiles().size() <= networked,
        point + ": IP allocations " + ipamFiles() + " for " + networked + " pods");
    Set<String> veths = bridgePorts();
    veths.removeAll(vethsBefore);
    assertTrue(
        veths.size() <= networked, point + ": veths " + veths + " for " + networked + " pods");
  }

  /** After the retry and the removal of every pod: nothing at all is left. */
  private static void assertNothingLeft(String point) throws Exception {
    assertEquals(List.of(), new ArrayList<>(runcContainers()), point + ": runtime containers");
    assertEquals(Set.of(), children(d.state().resolve("containers")), point + ": bundles");
    assertEquals(Set.of(), children(d.root().resolve("containers/layers")), point + ": layers");
    assertEquals(Set.of(), children(d.state().resolve("sandboxes")), point + ": pod run dirs");
    assertEquals(
        Set.of("records"),
        children(d.root().resolve("sandboxes")),
        point + ": pod data dirs besides the records");
    assertEquals(List.of(), mountsUnder(d.home()), point + ": mounts under the daemon's dirs");
    assertEquals(List.of(), conmons(), point + ": conmon processes");
    Set<String> cgroups = jcriCgroups();
    cgroups.removeAll(cgroupsBefore);
    assertEquals(Set.of(), cgroups, point + ": container cgroups");
    assertEquals(List.of(), ipamFiles(), point + ": IP allocations");
    Set<String> veths = bridgePorts();
    veths.removeAll(vethsBefore);
    assertEquals(Set.of(), veths, point + ": veths on the test bridge");
  }

  private static void assertSubset(
      String point, String what, Set<String> found, Set<String> known) {
    Set<String> orphans = new HashSet<>(found);
    orphans.removeAll(known);
    assertEquals(Set.of(), orphans, point + ": " + what + " without a record");
  }

  /** {@code runc --root <jcrid's runc root> list}: the IDs runc knows. */
  private static Set<String> runcContainers() throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(
                "runc", "--root", d.state().resolve("runtimes/runc").toString(), "list", "-q")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    p.waitFor();
    Set<String> ids = new HashSet<>();
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        ids.add(line.strip());
      }
    }
    return ids;
  }

  private static Set<String> children(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return Set.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return new HashSet<>(list.map(p -> p.getFileName().toString()).toList());
    }
  }

  private static List<String> mountsUnder(Path dir) throws IOException {
    List<String> mounts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mountPoint = line.split(" ")[4];
      if (mountPoint.startsWith(dir.toString() + "/")) {
        mounts.add(mountPoint);
      }
    }
    return mounts;
  }

  /** The command lines of conmon processes working for this daemon. */
  private static List<String> conmons() throws IOException {
    List<String> found = new ArrayList<>();
    String home = d.home().toString();
    try (Stream<Path> all = Files.list(Path.of("/proc"))) {
      for (Path p : all.toList()) {
        if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) {
          continue;
        }
        try {
          String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
          if (cmd.contains("conmon") && cmd.contains(home)) {
            found.add(cmd);
          }
        } catch (IOException gone) {
          // exited while we looked
        }
      }
    }
    return found;
  }

  /** Container cgroups under jcri's default parent (cgroupfs: /jcri/<id> in each hierarchy). */
  private static Set<String> jcriCgroups() throws IOException {
    Set<String> ids = new HashSet<>();
    for (Path parent :
        List.of(
            Path.of("/sys/fs/cgroup/pids/jcri"),
            Path.of("/sys/fs/cgroup/memory/jcri"),
            Path.of("/sys/fs/cgroup/jcri"))) {
      if (Files.isDirectory(parent)) {
        try (Stream<Path> list = Files.list(parent)) {
          list.filter(Files::isDirectory).forEach(p -> ids.add(p.getFileName().toString()));
        }
      }
    }
    return ids;
  }

  private static List<String> ipamFiles() throws IOException {
    Path dir = d.home().resolve("ipam/jcri-it");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9.]+")).toList();
    }
  }

  /** The interfaces enslaved to the test bridge (the host ends of the pods' veths). */
  private static Set<String> bridgePorts() throws IOException {
    return children(Path.of("/sys/class/net/jcriit0/brif"));
  }
}
