package io.jcri.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.runtime.fakes.FakeRuntime;
import io.jcri.runtime.fakes.TestNode;
import io.jcri.runtime.monitor.Exit;
import io.jcri.runtime.monitor.RuncState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up over records of every state (written by the previous release) and what the runtime says
 * of them.
 */
class ContainerRecoveryTest {
  static final String CREATED = "c".repeat(64);
  static final String RUNNING = "d".repeat(64);
  static final String EXITED = "e".repeat(64);

  @TempDir Path dir;
  TestNode node;
  FakeRuntime runtime = new FakeRuntime();
  Containers containers;

  @BeforeEach
  void records() throws IOException {
    node = new TestNode(dir);
    TestNode.installRecords(
        node.layout.containerRecords(),
        "container-created.json",
        "container-running.json",
        "container-exited.json");
    containers = new Containers(node.layout.containerRecords());
  }

  private void recover() throws IOException {
    recover(false);
  }

  private void recover(boolean stateLost) throws IOException {
    new ContainerRecovery(
            containers,
            new ContainerExits(
                containers,
                node.events,
                new ContainerTeardown(node.handlers, runtime, null, node.layout, Runnable::run)),
            node.handlers,
            runtime)
        .recover(stateLost);
  }

  @Test
  void afterARebootEveryContainerNotYetExitedIsExitedWithTheReason() throws IOException {
    // runc would still answer for a state dir that is not on tmpfs: a reboot must not trust it
    runtime.containers.put(RUNNING, RuncState.Status.RUNNING);
    runtime.containers.put(CREATED, RuncState.Status.CREATED);
    recover(true);
    for (String id : List.of(CREATED, RUNNING)) {
      ContainerRecord r = record(id);
      assertEquals(
          List.of(ContainerRecord.State.EXITED, 255, "Rebooted"),
          List.of(r.state(), r.status().exitCode(), r.status().reason()),
          id);
      assertTrue(r.status().message().contains("rebooted"), r.status().message());
    }
    assertEquals(
        List.of(137, "Error"),
        List.of(record(EXITED).status().exitCode(), record(EXITED).status().reason()),
        "an exited record is kept as it was");
    assertTrue(runtime.monitored.isEmpty(), "no monitor of a dead container is watched");
    assertTrue(
        node.published.containsAll(List.of("STOPPED cccc", "STOPPED dddd")),
        node.published.toString());
  }

  @Test
  void aLiveContainersMonitorIsWatchedAndItsDeathIsAnExitWithTheReason() throws IOException {
    runtime.containers.put(RUNNING, RuncState.Status.RUNNING);
    recover();
    assertEquals(java.util.Set.of(RUNNING), runtime.monitored);
    runtime.monitorDies(RUNNING);
    ContainerRecord r = record(RUNNING);
    assertEquals(
        List.of(ContainerRecord.State.EXITED, 255, "ConmonDied"),
        List.of(r.state(), r.status().exitCode(), r.status().reason()));
    assertTrue(r.status().message().contains("conmon"), r.status().message());
  }

  private ContainerRecord record(String id) {
    return containers.require(id).record();
  }

  @Test
  void runtimeStateDecidesWhenNoExitWasRecorded() throws IOException {
    runtime.containers.put(CREATED, RuncState.Status.RUNNING); // started just before jcrid died
    // RUNNING is unknown to the runtime: it disappeared while jcrid was down
    recover();
    assertEquals(ContainerRecord.State.RUNNING, record(CREATED).state());
    assertTrue(record(CREATED).status().startedAtNanos() > 0);
    ContainerRecord lost = record(RUNNING);
    assertEquals(
        List.of(ContainerRecord.State.EXITED, 255, "Unknown"),
        List.of(lost.state(), lost.status().exitCode(), lost.status().reason()));
    ContainerRecord exited = record(EXITED);
    assertEquals(
        List.of(ContainerRecord.State.EXITED, 137, "Error", "killed before it was started"),
        List.of(
            exited.state(),
            exited.status().exitCode(),
            exited.status().reason(),
            exited.status().message()),
        "an exited record is kept as it was");
  }

  @Test
  void exitsRecordedWhileDownAreLearnedAndNewOnesWatched() throws IOException {
    runtime.exits.put(CREATED, new Exit(0, Instant.ofEpochSecond(1_700_000_001), false));
    runtime.containers.put(RUNNING, RuncState.Status.RUNNING);
    recover();
    ContainerRecord done = record(CREATED);
    assertEquals(
        List.of(ContainerRecord.State.EXITED, 0, "Completed"),
        List.of(done.state(), done.status().exitCode(), done.status().reason()));
    assertEquals(
        done.metadata().createdAtNanos(),
        done.status().startedAtNanos(),
        "a container seen only by its exit started when created");
    assertEquals(ContainerRecord.State.RUNNING, record(RUNNING).state());

    runtime.exit(RUNNING, 2);
    assertEquals(
        List.of(ContainerRecord.State.EXITED, 2, "Error"),
        List.of(
            record(RUNNING).state(),
            record(RUNNING).status().exitCode(),
            record(RUNNING).status().reason()));
  }

  @Test
  void recordsOfThePreviousReleaseLoadWithEveryField() throws IOException {
    runtime.containers.put(RUNNING, RuncState.Status.RUNNING);
    recover();
    Container c = containers.require(RUNNING);
    ContainerRecord r = c.record();
    assertEquals("a".repeat(64), r.metadata().sandboxId());
    assertEquals(
        List.of("app", 3, "app_web_default_uid-1_3"),
        List.of(r.metadata().name(), r.metadata().attempt(), r.uniqueName()));
    assertEquals("busybox:latest", r.metadata().imageName());
    assertEquals("sha256:" + "1".repeat(64), r.metadata().imageId());
    assertEquals("docker.io/library/busybox@sha256:" + "2".repeat(64), r.metadata().imageRef());
    assertEquals(
        List.of(1700000000100000000L, 1700000000200000000L),
        List.of(r.metadata().createdAtNanos(), r.status().startedAtNanos()));
    assertEquals(
        List.of(1235, 1000L, 1000L),
        List.of(r.metadata().pid(), r.metadata().uid(), r.metadata().gid()));
    assertEquals(List.of(10L, 20L), r.metadata().supplementalGroups());
    assertEquals("/var/log/pods/x/app/3.log", r.metadata().logPath());
    assertEquals(List.of("sha256:" + "3".repeat(64)), r.metadata().volumeImageIds());
    assertEquals(512, c.resources().getCpuShares(), "the resources of the last update");
    assertEquals("x", c.config().getLabelsMap().get("tier"));
    assertEquals(io.jcri.cri.v1.Signal.SIGTERM, c.stopSignal(), "no stop signal: SIGTERM");
    assertTrue(containers.usesImage("sha256:" + "3".repeat(64)));
    assertEquals("SIGTERM", containers.require(CREATED).record().metadata().stopSignal());
  }
}
