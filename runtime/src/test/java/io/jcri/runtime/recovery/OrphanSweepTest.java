package io.jcri.runtime.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.images.Image;
import io.jcri.runtime.container.Containers;
import io.jcri.runtime.fakes.FakeKernel;
import io.jcri.runtime.fakes.FakeMounts;
import io.jcri.runtime.fakes.FakeNetworking;
import io.jcri.runtime.fakes.FakeRuntime;
import io.jcri.runtime.fakes.TestNode;
import io.jcri.runtime.monitor.RuncState;
import io.jcri.runtime.sandbox.InfraContainer;
import io.jcri.runtime.sandbox.PauseImage;
import io.jcri.runtime.sandbox.PodContainers;
import io.jcri.runtime.sandbox.PodFiles;
import io.jcri.runtime.sandbox.PodNetworks;
import io.jcri.runtime.sandbox.SandboxOrchestrator;
import io.jcri.runtime.sandbox.Sandboxes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up after a crash: half-made pods are rolled back, what has no record goes. */
class OrphanSweepTest {
  static final String STRAY = "c".repeat(64);
  static final String STRAY_POD = "d".repeat(64);

  @TempDir Path dir;
  TestNode node;
  FakeKernel kernel = new FakeKernel();
  FakeNetworking cni = new FakeNetworking();
  FakeRuntime runtime = new FakeRuntime();

  @BeforeEach
  void wire() {
    node = new TestNode(dir);
  }

  /** A daemon's pod services over the records on disk (a fresh start loads them). */
  SandboxOrchestrator pods(Sandboxes sandboxes) {
    PauseImage noPause =
        new PauseImage() {
          @Override
          public Image resolve() {
            throw new AssertionError("no infra in these pods");
          }

          @Override
          public List<Path> lowerDirs(String imageId) {
            throw new AssertionError("no infra in these pods");
          }
        };
    PodContainers none =
        new PodContainers() {
          @Override
          public void stopAll(String sandboxId, Duration grace) {}

          @Override
          public void removeAll(String sandboxId) {}
        };
    return new SandboxOrchestrator(
        sandboxes,
        none,
        node.handlers,
        new PodFiles(kernel, node.layout, 1 << 20),
        new PodNetworks(sandboxes, cni),
        new InfraContainer(
            node.handlers, runtime, noPause, new FakeMounts(), node.oci, node.layout, true),
        node.events);
  }

  static PodSandboxConfig pod(String name) {
    return PodSandboxConfig.newBuilder()
        .setMetadata(
            PodSandboxMetadata.newBuilder()
                .setName(name)
                .setNamespace("default")
                .setUid("u-" + name))
        .setHostname(name)
        .setLinux(
            LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(
                    LinuxSandboxSecurityContext.newBuilder()
                        .setNamespaceOptions(
                            NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))))
        .build();
  }

  @Test
  void aPodCaughtCreatingIsRolledBackAndWhatHasNoRecordGoes() throws Exception {
    Sandboxes before = new Sandboxes(node.layout.sandboxRecords());
    String kept = pods(before).run(pod("kept"), "");
    String caught = pods(before).run(pod("caught"), "");
    // the crash: the record of "caught" still says CREATING, its network attached
    Path record = node.layout.sandboxRecords().resolve(caught + ".json");
    Files.writeString(record, Files.readString(record).replace("\"READY\"", "\"CREATING\""));
    // and what a crash leaves before any record names it
    Files.createDirectories(node.layout.containerBundle(STRAY).resolve("rootfs"));
    Files.createDirectories(node.layout.containerLayer(STRAY).resolve("upper"));
    Files.createDirectories(node.layout.sandboxRun(STRAY_POD).resolve("ns"));
    Files.createDirectories(node.layout.sandboxData(STRAY_POD).resolve("infra"));
    Files.createDirectories(node.layout.runtimes().resolve("runc").resolve(STRAY));
    runtime.containers.put(STRAY, RuncState.Status.CREATED);

    Sandboxes after = new Sandboxes(node.layout.sandboxRecords());
    after.load();
    Containers containers = new Containers(node.layout.containerRecords());
    containers.load();
    SandboxOrchestrator restarted = pods(after);
    new OrphanSweep(node.layout, after, containers, restarted, node.handlers, runtime).sweep();

    assertTrue(after.find(caught).isEmpty(), "the pod caught creating is gone");
    assertFalse(Files.exists(record));
    assertFalse(cni.attached.contains(caught), "CNI DEL ran for its recorded intent");
    assertFalse(Files.exists(node.layout.sandboxRun(caught)));
    assertTrue(after.require(kept, "pod_sandbox_id").ready(), "a finished pod stays");
    assertTrue(cni.attached.contains(kept));
    assertTrue(Files.exists(node.layout.sandboxRun(kept)));

    assertTrue(runtime.calls.contains("delete " + STRAY), runtime.calls.toString());
    for (Path stray :
        List.of(
            node.layout.containerBundle(STRAY),
            node.layout.containerLayer(STRAY),
            node.layout.sandboxRun(STRAY_POD),
            node.layout.sandboxData(STRAY_POD))) {
      assertFalse(Files.exists(stray), stray + " had no record");
    }
    assertTrue(Files.isDirectory(node.layout.sandboxRecords()), "the records stay");

    // kubelet's retry under the same name and attempt
    String again = restarted.run(pod("caught"), "");
    assertTrue(after.require(again, "pod_sandbox_id").ready());
    assertEquals(2, after.all().size());
  }
}
