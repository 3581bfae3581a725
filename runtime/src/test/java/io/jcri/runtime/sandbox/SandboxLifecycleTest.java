package io.jcri.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.images.Image;
import io.jcri.images.TestLeases;
import io.jcri.runtime.fakes.FakeKernel;
import io.jcri.runtime.fakes.FakeMounts;
import io.jcri.runtime.fakes.FakeNetworking;
import io.jcri.runtime.fakes.FakeRuntime;
import io.jcri.runtime.fakes.TestNode;
import io.jcri.runtime.monitor.RuncState;
import io.jcri.sys.Failure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RunPodSandbox, StopPodSandbox, RemovePodSandbox and their rollback over a fake kernel, CNI and
 * OCI runtime.
 */
@Timeout(30)
class SandboxLifecycleTest {
  static final Image PAUSE =
      TestLeases.image("sha256:" + "9".repeat(64), "", List.of("/pause"), List.of());

  @TempDir Path dir;
  TestNode node;
  FakeKernel kernel = new FakeKernel();
  FakeNetworking cni = new FakeNetworking();
  FakeRuntime runtime = new FakeRuntime();
  FakeMounts mounts = new FakeMounts();
  List<String> podContainerCalls = new ArrayList<>();
  Sandboxes sandboxes;
  SandboxOrchestrator pods;

  @BeforeEach
  void wire() {
    node = new TestNode(dir);
    sandboxes = new Sandboxes(node.layout.sandboxRecords());
    PauseImage pause =
        new PauseImage() {
          @Override
          public Image resolve() {
            return PAUSE;
          }

          @Override
          public List<Path> lowerDirs(String imageId) {
            return List.of(dir.resolve("snapshots/9"));
          }
        };
    PodContainers containers =
        new PodContainers() {
          @Override
          public void stopAll(String sandboxId, Duration grace) {
            podContainerCalls.add("stopAll " + grace.toSeconds());
          }

          @Override
          public void removeAll(String sandboxId) {
            podContainerCalls.add("removeAll");
          }
        };
    pods =
        new SandboxOrchestrator(
            sandboxes,
            containers,
            node.handlers,
            new PodFiles(kernel, node.layout, 1 << 20),
            new PodNetworks(sandboxes, cni),
            new InfraContainer(node.handlers, runtime, pause, mounts, node.oci, node.layout, true),
            node.events);
  }

  static PodSandboxConfig pod(String name, NamespaceMode pid) {
    return PodSandboxConfig.newBuilder()
        .setMetadata(
            PodSandboxMetadata.newBuilder()
                .setName(name)
                .setNamespace("default")
                .setUid("u-" + name))
        .setHostname(name)
        .setLinux(
            LinuxPodSandboxConfig.newBuilder()
                .putSysctls("net.ipv4.ip_forward", "1")
                .setSecurityContext(
                    LinuxSandboxSecurityContext.newBuilder()
                        .setNamespaceOptions(NamespaceOption.newBuilder().setPid(pid))))
        .build();
  }

  @Test
  void runStopRemoveWithoutInfra() throws Exception {
    String id = pods.run(pod("web", NamespaceMode.CONTAINER), "");
    SandboxRecord r = sandboxes.require(id).record();
    assertTrue(r.ready());
    assertEquals(
        List.of("10.88.0.9", List.of("fd00::9")),
        List.of(r.status().ip(), r.status().additionalIps()));
    assertTrue(r.status().networkAttached());
    assertEquals("", r.status().infraContainerId(), "no shared PID namespace: no infra process");
    assertEquals(3, kernel.pins.size());
    assertEquals("1", kernel.sysctls.get("net.ipv4.ip_forward"));
    assertEquals("web\n", Files.readString(Path.of(r.metadata().hostnameFile())));
    assertTrue(Files.exists(Path.of(r.metadata().resolvConf())));
    assertEquals(1, kernel.shm.size());
    assertTrue(cni.attached.contains(id));
    assertTrue(runtime.calls.isEmpty());

    pods.stop(id);
    r = sandboxes.require(id).record();
    assertFalse(r.ready());
    assertFalse(r.status().networkAttached());
    assertEquals("10.88.0.9", r.status().ip(), "a stopped pod still reports its IP");
    assertTrue(cni.attached.isEmpty());
    assertTrue(kernel.shm.isEmpty());
    assertEquals(3, kernel.pins.size(), "the namespaces stay until the pod is removed");
    pods.stop(id); // idempotent

    pods.remove(id);
    assertTrue(sandboxes.find(id).isEmpty());
    assertTrue(kernel.pins.isEmpty());
    assertEquals(List.of(), TestNode.leftIn(node.layout.sandboxRun(id)));
    assertFalse(Files.exists(node.layout.sandboxRecords().resolve(id + ".json")));
    assertEquals(List.of("stopAll 0", "stopAll 0", "stopAll 0", "removeAll"), podContainerCalls);
    String p = id.substring(0, 4);
    assertEquals(
        List.of("CREATED " + p, "STARTED " + p, "STOPPED " + p, "DELETED " + p), node.published);
    pods.run(pod("web", NamespaceMode.CONTAINER), ""); // the name is free again
  }

  @Test
  void aSharedPidNamespaceGetsAnInfraProcess() {
    String id = pods.run(pod("pid", NamespaceMode.POD), "runc");
    SandboxRecord r = sandboxes.require(id).record();
    assertEquals(id, r.status().infraContainerId());
    assertTrue(r.status().infraPid() > 0);
    assertEquals(RuncState.Status.RUNNING, runtime.containers.get(id));
    assertTrue(Files.exists(node.layout.infraBundle(id).resolve("config.json")));
    pods.stop(id);
    assertFalse(
        runtime.containers.containsKey(id), "the infra container is deleted when the pod stops");
    assertTrue(mounts.mounted.isEmpty());
    assertEquals("", sandboxes.require(id).record().status().infraContainerId());
    int calls = runtime.calls.size();
    pods.stop(id);
    pods.remove(id);
    assertEquals(calls, runtime.calls.size(), "a deleted infra costs no runtime call again");
  }

  @Test
  void theInfraStartsWhileCniAddRuns() {
    // ADD waits until the infra container exists: done one after the other, ADD would time out
    cni.duringAdd =
        () -> {
          long deadline = System.nanoTime() + 5_000_000_000L;
          while (!runtime.containers.containsKey(runtime.calls.isEmpty() ? "" : lastId())) {
            if (System.nanoTime() > deadline) {
              throw new AssertionError("the infra did not start while ADD ran");
            }
            Thread.onSpinWait();
          }
        };
    String id = pods.run(pod("both", NamespaceMode.POD), "runc");
    SandboxRecord r = sandboxes.require(id).record();
    assertTrue(r.ready());
    assertTrue(r.status().networkAttached());
    assertEquals(id, r.status().infraContainerId(), "recorded once both were done");
    assertTrue(r.status().infraPid() > 0);
  }

  @Test
  void theInfraIsKilledWhileCniDelRuns() {
    String id = pods.run(pod("both", NamespaceMode.POD), "runc");
    // the kill waits until DEL has run: done one after the other (kill first), it would time out
    runtime.duringKill =
        () -> {
          long deadline = System.nanoTime() + 5_000_000_000L;
          while (cni.attached.contains(id)) {
            if (System.nanoTime() > deadline) {
              throw new AssertionError("DEL did not run while the infra was being killed");
            }
            Thread.onSpinWait();
          }
        };
    pods.stop(id);
    SandboxRecord r = sandboxes.require(id).record();
    assertFalse(r.ready());
    assertFalse(r.status().networkAttached());
    assertFalse(runtime.containers.containsKey(id), "the infra is deleted");
  }

  private String lastId() {
    String last = runtime.calls.getLast();
    return last.substring(last.indexOf(' ') + 1);
  }

  @Test
  void anUnknownHandlerOrATwinIsRefusedBeforeAnySideEffect() {
    assertEquals(
        Failure.Kind.INVALID,
        assertThrows(Failure.class, () -> pods.run(pod("x", NamespaceMode.POD), "kata")).kind());
    String id = pods.run(pod("x", NamespaceMode.CONTAINER), "");
    Failure twin =
        assertThrows(Failure.class, () -> pods.run(pod("x", NamespaceMode.CONTAINER), ""));
    assertEquals(Failure.Kind.ALREADY_EXISTS, twin.kind());
    assertTrue(twin.getMessage().contains(id));
    assertEquals(1, sandboxes.all().size());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "pin",
        "shm",
        "sysctl",
        "cni",
        "infra-mount",
        "infra-create",
        "infra-start",
        "record"
      })
  void aFailingStepUndoesEveryStepBefore(String step) throws Exception {
    switch (step) {
      case "cni" -> cni.failAdd = true;
      case "infra-mount" -> mounts.failing.add("mount");
      case "infra-create" -> runtime.failing.add("create");
      case "infra-start" -> runtime.failing.add("start");
      case "record" -> {
        Files.createDirectories(node.layout.sandboxRecords().getParent());
        Files.writeString(node.layout.sandboxRecords(), "not a directory");
      }
      default -> kernel.failing.add(step);
    }
    assertThrows(RuntimeException.class, () -> pods.run(pod("web", NamespaceMode.POD), ""));

    assertTrue(sandboxes.all().isEmpty());
    assertTrue(kernel.pins.isEmpty(), "pins left: " + kernel.pins);
    assertTrue(kernel.shm.isEmpty());
    assertTrue(cni.attached.isEmpty(), "CNI DEL for what ADD made");
    assertTrue(runtime.containers.isEmpty());
    assertTrue(mounts.mounted.isEmpty());
    assertEquals(List.of(), TestNode.leftIn(node.layout.state().resolve("sandboxes")));
    if (!step.equals("record")) {
      assertEquals(List.of(), TestNode.leftIn(node.layout.sandboxRecords()));
    }
    assertEquals(List.of(), node.published);

    kernel.failing.clear();
    cni.failAdd = false;
    mounts.failing.clear();
    runtime.failing.clear();
    if (step.equals("record")) {
      Files.delete(node.layout.sandboxRecords());
    }
    assertTrue(
        sandboxes.require(pods.run(pod("web", NamespaceMode.POD), "")).ready(),
        "the name was released");
  }
}
