package io.jcri.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.Mount;
import io.jcri.images.Image;
import io.jcri.images.ImageLease;
import io.jcri.images.TestLeases;
import io.jcri.runtime.fakes.FakeMounts;
import io.jcri.runtime.fakes.FakeRuntime;
import io.jcri.runtime.fakes.TestNode;
import io.jcri.runtime.monitor.RuncState;
import io.jcri.runtime.sandbox.Sandboxes;
import io.jcri.runtime.stats.CgroupMounts;
import io.jcri.sys.Failure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Create, start, stop, remove and rollback of containers over a fake OCI runtime, fake mounts and
 * image leases.
 */
@Timeout(30)
class ContainerLifecycleTest {
  static final String POD = "a".repeat(64);
  static final Image BUSYBOX =
      TestLeases.image("sha256:" + "1".repeat(64), "SIGQUIT", List.of("/bin/sh"), List.of());
  static final Image DATA = TestLeases.image("sha256:" + "5".repeat(64), "", List.of(), List.of());

  @TempDir Path dir;
  TestNode node;
  FakeRuntime runtime = new FakeRuntime();
  FakeMounts mounts = new FakeMounts();
  TestLeases leases = new TestLeases();
  Containers containers;
  ContainerCreator creator;
  ContainerLifecycle lifecycle;

  /** Runs the teardowns on the caller's thread unless a test holds them. */
  HeldTasks teardowns = new HeldTasks();

  @BeforeEach
  void wire() throws IOException {
    node = new TestNode(dir);
    TestNode.installRecords(node.layout.sandboxRecords(), "sandbox-ready.json");
    Sandboxes sandboxes = new Sandboxes(node.layout.sandboxRecords());
    sandboxes.load();
    containers = new Containers(node.layout.containerRecords());
    ContainerTeardown teardown =
        new ContainerTeardown(node.handlers, runtime, mounts, node.layout, teardowns);
    ContainerExits exits = new ContainerExits(containers, node.events, teardown);
    creator =
        new ContainerCreator(
            containers,
            sandboxes,
            node.handlers,
            runtime,
            this::lease,
            mounts,
            node.oci,
            node.layout,
            node.events);
    lifecycle =
        new ContainerLifecycle(
            containers,
            exits,
            node.handlers,
            runtime,
            teardown,
            new CgroupKill(CgroupMounts.of(List.of())), // no cgroup v2: the runtime kills
            node.events);
    new ContainerRecovery(containers, exits, node.handlers, runtime).recover(false);
  }

  private Optional<ImageLease> lease(String ref) {
    return switch (ref) {
      case "busybox" -> Optional.of(leases.lease(BUSYBOX, List.of(dir.resolve("snapshots/1"))));
      case "data" -> Optional.of(leases.lease(DATA, List.of(dir.resolve("snapshots/5"))));
      default -> Optional.empty();
    };
  }

  static ContainerConfig config(String name, boolean imageVolume) {
    ContainerConfig.Builder b =
        ContainerConfig.newBuilder()
            .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(0))
            .setImage(ImageSpec.newBuilder().setImage("busybox"));
    if (imageVolume) {
      b.addMounts(
          Mount.newBuilder()
              .setContainerPath("/data")
              .setImage(ImageSpec.newBuilder().setImage("data")));
    }
    return b.build();
  }

  @Test
  void createStartStopRemove() throws IOException {
    String id = creator.create(POD, config("app", true));
    ContainerRecord created = containers.require(id).record();
    assertEquals(ContainerRecord.State.CREATED, created.state());
    assertEquals(RuncState.Status.CREATED, runtime.containers.get(id));
    assertEquals(
        List.of(BUSYBOX.id(), DATA.id()),
        List.of(created.metadata().imageId(), created.metadata().volumeImageIds().get(0)));
    assertEquals("SIGQUIT", created.metadata().stopSignal(), "the image's STOPSIGNAL is kept");
    assertTrue(Files.exists(node.layout.containerBundle(id).resolve("config.json")));
    assertTrue(Files.exists(node.layout.containerRecords().resolve(id + ".json")));
    assertEquals(2, mounts.mounted.size(), "rootfs and the image volume");
    assertEquals(0, leases.held.get(), "the leases end with CreateContainer");
    assertTrue(containers.usesImage(DATA.id()));

    lifecycle.start(id);
    assertEquals(ContainerRecord.State.RUNNING, containers.require(id).record().state());
    assertTrue(
        containers.require(id).record().status().startedAtNanos()
            >= created.metadata().createdAtNanos());
    Failure again = assertThrows(Failure.class, () -> lifecycle.start(id));
    assertEquals(Failure.Kind.PRECONDITION, again.kind());

    lifecycle.stop(id, 5);
    ContainerRecord stopped = containers.require(id).record();
    assertEquals(ContainerRecord.State.EXITED, stopped.state());
    assertEquals(
        128 + 3, stopped.status().exitCode(), "SIGQUIT, the image's stop signal, ended it");
    assertEquals("Error", stopped.status().reason());

    lifecycle.remove(id);
    assertTrue(containers.find(id).isEmpty());
    assertTrue(mounts.mounted.isEmpty());
    assertFalse(runtime.containers.containsKey(id));
    assertEquals(List.of(), TestNode.leftIn(node.layout.containerBundle(id)));
    assertEquals(List.of(), TestNode.leftIn(node.layout.containerLayer(id)));
    assertFalse(Files.exists(node.layout.containerRecords().resolve(id + ".json")));
    String p = id.substring(0, 4);
    assertEquals(
        List.of("CREATED " + p, "STARTED " + p, "STOPPED " + p, "DELETED " + p), node.published);
    lifecycle.remove(id); // idempotent
    creator.create(POD, config("app", true)); // the name is free again
  }

  @Test
  void exitsAreRecordedOnceWithTheirReason() {
    String id = creator.create(POD, config("job", false));
    lifecycle.start(id);
    runtime.exit(id, 0);
    ContainerRecord r = containers.require(id).record();
    assertEquals(
        List.of(ContainerRecord.State.EXITED, 0, "Completed"),
        List.of(r.state(), r.status().exitCode(), r.status().reason()));
    runtime.exit(id, 3); // a second report changes nothing
    assertEquals(0, containers.require(id).record().status().exitCode());
  }

  @Test
  void aSecondCreateOfTheSameNameIsRefused() {
    String id = creator.create(POD, config("app", false));
    Failure twin = assertThrows(Failure.class, () -> creator.create(POD, config("app", false)));
    assertEquals(Failure.Kind.ALREADY_EXISTS, twin.kind());
    assertTrue(twin.getMessage().contains(id));
  }

  @Test
  void aMissingImageIsNotFoundAndLeavesNothing() {
    ContainerConfig missing =
        config("app", false).toBuilder().setImage(ImageSpec.newBuilder().setImage("nope")).build();
    assertEquals(
        Failure.Kind.NOT_FOUND,
        assertThrows(Failure.class, () -> creator.create(POD, missing)).kind());
    assertTrue(containers.all().isEmpty());
    assertTrue(runtime.calls.isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"mount", "mountReadOnly", "create", "record"})
  void aFailingStepUndoesEveryStepBefore(String step) throws IOException {
    Path records = node.layout.containerRecords();
    if (step.equals("record")) {
      Files.delete(records);
      Files.writeString(records, "not a directory");
    } else if (step.equals("create")) {
      runtime.failing.add(step);
    } else {
      mounts.failing.add(step);
    }
    assertThrows(RuntimeException.class, () -> creator.create(POD, config("app", true)));

    assertTrue(containers.all().isEmpty());
    assertTrue(mounts.mounted.isEmpty(), "mounted: " + mounts.mounted);
    assertTrue(runtime.containers.isEmpty(), "runtime still has " + runtime.containers);
    assertEquals(0, leases.held.get());
    assertEquals(List.of(), TestNode.leftIn(node.layout.state().resolve("containers")));
    assertEquals(List.of(), TestNode.leftIn(node.layout.containerLayers()));
    assertEquals(List.of(), node.published);

    runtime.failing.clear();
    mounts.failing.clear();
    if (step.equals("record")) {
      Files.delete(records);
      Files.createDirectories(records);
    }
    String id = creator.create(POD, config("app", true)); // the name was released
    assertEquals(ContainerRecord.State.CREATED, containers.require(id).record().state());
  }

  @Test
  void aFailingStartLeavesTheContainerCreated() {
    String id = creator.create(POD, config("app", false));
    runtime.failing.add("start");
    Failure f = assertThrows(Failure.class, () -> lifecycle.start(id));
    assertEquals(Failure.Kind.INTERNAL, f.kind());
    assertTrue(f.getMessage().contains("start the container"), f.getMessage());
    assertEquals(ContainerRecord.State.CREATED, containers.require(id).record().state());
  }

  @Test
  void podContainersStopAndGoWithThePod() {
    String a = creator.create(POD, config("a", false));
    String b = creator.create(POD, config("b", false));
    lifecycle.start(a);
    lifecycle.start(b);
    lifecycle.stopAll(POD, java.time.Duration.ZERO);
    assertEquals(
        Map.of(a, 137, b, 137),
        Map.of(
            a,
            containers.require(a).record().status().exitCode(),
            b,
            containers.require(b).record().status().exitCode()),
        "no grace: SIGKILL at once");
    lifecycle.removeAll(POD);
    assertTrue(containers.all().isEmpty());
  }

  @Test
  void removingACreatedContainerWaitsForNoExitFile() {
    String id = creator.create(POD, config("never-started", false));
    long t0 = System.nanoTime();
    lifecycle.remove(id);
    assertTrue(
        System.nanoTime() - t0 < 2_000_000_000L,
        "removed without waiting for an exit that never comes");
    assertTrue(containers.find(id).isEmpty());
  }

  @Test
  void removingARunningContainerLetsTheWatcherRecordItsExit() {
    runtime.exitsFromAnotherThread = true;
    String id = creator.create(POD, config("app", false));
    lifecycle.start(id);
    long t0 = System.nanoTime();
    lifecycle.remove(id);
    assertTrue(
        System.nanoTime() - t0 < 2_000_000_000L,
        "the removal did not hold the lock the watcher needs");
    assertTrue(containers.find(id).isEmpty());
  }

  @Test
  void theRuntimeForgetsAContainerAsSoonAsItsExitIsRecorded() {
    String id = creator.create(POD, config("job", false));
    lifecycle.start(id);
    runtime.exit(id, 0);
    assertEquals(ContainerRecord.State.EXITED, containers.require(id).record().state());
    assertFalse(runtime.containers.containsKey(id), "runtime delete at the exit");
    assertEquals(1, mounts.mounted.size(), "the rootfs stays until RemoveContainer");
    lifecycle.remove(id);
    assertEquals(
        1,
        runtime.calls.stream().filter(c -> c.equals("delete " + id)).count(),
        "one runtime delete: " + runtime.calls);
    assertTrue(mounts.mounted.isEmpty());
  }

  @Test
  void aRuntimeDeleteThatFailedAtTheExitIsRunAgainByRemove() {
    String id = creator.create(POD, config("job", false));
    lifecycle.start(id);
    runtime.failing.add("delete");
    runtime.exit(id, 0);
    assertTrue(runtime.containers.containsKey(id), "the delete at the exit failed");
    runtime.failing.clear();
    lifecycle.remove(id);
    assertFalse(runtime.containers.containsKey(id), "RemoveContainer's teardown deleted it");
    assertTrue(mounts.mounted.isEmpty());
  }

  @Test
  void aRuntimeThatKeepsFailingToDeleteStillLosesTheMountsAndFiles() throws IOException {
    String id = creator.create(POD, config("job", false));
    lifecycle.start(id);
    runtime.failing.add("delete");
    runtime.exit(id, 0);
    lifecycle.remove(id);
    assertTrue(containers.find(id).isEmpty());
    assertTrue(mounts.mounted.isEmpty(), "mounted: " + mounts.mounted);
    assertEquals(List.of(), TestNode.leftIn(node.layout.containerBundle(id)));
    assertEquals(List.of(), TestNode.leftIn(node.layout.containerLayer(id)));
  }

  @Test
  void removeAnswersBeforeTheTeardownAndThePodWaitsForIt() throws Exception {
    String id = creator.create(POD, config("app", true));
    lifecycle.start(id);
    teardowns.hold = true;
    lifecycle.remove(id);
    assertTrue(containers.find(id).isEmpty(), "the record is gone when RemoveContainer answers");
    assertFalse(Files.exists(node.layout.containerRecords().resolve(id + ".json")));
    assertTrue(runtime.containers.containsKey(id), "the runtime delete runs later");
    assertEquals(2, mounts.mounted.size(), "the mounts go later");
    teardowns.hold = false;
    lifecycle.remove(creator.create(POD, config("app", false))); // the name is free at once

    Thread pod = Thread.ofVirtual().start(() -> lifecycle.removeAll(POD));
    pod.join(300);
    assertTrue(pod.isAlive(), "RemovePodSandbox waits for its containers' teardowns");
    teardowns.release();
    pod.join(5_000);
    assertFalse(pod.isAlive());
    assertFalse(runtime.containers.containsKey(id));
    assertTrue(mounts.mounted.isEmpty(), "mounted: " + mounts.mounted);
    assertEquals(List.of(), TestNode.leftIn(node.layout.containerBundle(id)));
    assertEquals(List.of(), TestNode.leftIn(node.layout.containerLayer(id)));
  }

  /** An executor that runs each task at once, or keeps it until release while hold is set. */
  static final class HeldTasks implements java.util.concurrent.Executor {
    volatile boolean hold;
    private final java.util.concurrent.BlockingQueue<Runnable> held =
        new java.util.concurrent.LinkedBlockingQueue<>();

    @Override
    public void execute(Runnable task) {
      if (hold) {
        held.add(task);
      } else {
        task.run();
      }
    }

    /** Runs what was held, and what those tasks hand on. */
    void release() {
      for (Runnable r; (r = held.poll()) != null; ) {
        r.run();
      }
    }
  }
}
