package io.jcri.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.runtime.fakes.FakeNetworking;
import io.jcri.runtime.fakes.FakeRuntime;
import io.jcri.runtime.fakes.TestNode;
import io.jcri.runtime.monitor.Exit;
import io.jcri.runtime.monitor.RuncState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up over sandbox records written by the previous release, with and without a live infra
 * process.
 */
class SandboxRecoveryTest {
  static final String READY = "a".repeat(64);
  static final String INFRA = "b".repeat(64);

  @TempDir Path dir;
  TestNode node;
  FakeRuntime runtime = new FakeRuntime();
  Sandboxes sandboxes;

  @BeforeEach
  void records() throws Exception {
    node = new TestNode(dir);
    TestNode.installRecords(
        node.layout.sandboxRecords(), "sandbox-ready.json", "sandbox-infra.json");
    // the infra pod of the fixture had stopped; make it a ready one
    Path infra = node.layout.sandboxRecords().resolve(INFRA + ".json");
    Files.writeString(infra, Files.readString(infra).replace("\"ready\":false", "\"ready\":true"));
    sandboxes = new Sandboxes(node.layout.sandboxRecords());
  }

  FakeNetworking network = new FakeNetworking();
  Set<Path> pins = new HashSet<>();

  private void recover(boolean stateLost) throws Exception {
    new SandboxRecovery(
            sandboxes,
            node.handlers,
            runtime,
            new PodNetworks(sandboxes, network),
            node.events,
            pins::contains)
        .recover(stateLost);
  }

  private void pinAll() throws Exception {
    for (Sandbox s : new Sandboxes(node.layout.sandboxRecords()).load()) {
      for (String p :
          List.of(
              s.record().metadata().netnsPath(),
              s.record().metadata().ipcNsPath(),
              s.record().metadata().utsNsPath())) {
        if (!p.isEmpty()) {
          pins.add(Path.of(p));
        }
      }
    }
  }

  @Test
  void aPodWhoseInfraDiedWhileDownIsNotReady() throws Exception {
    pinAll();
    recover(false);
    assertTrue(sandboxes.require(READY).ready(), "no infra process: nothing to lose");
    assertFalse(sandboxes.require(INFRA).ready());
  }

  @Test
  void aPodWhoseInfraRunsStaysReady() throws Exception {
    runtime.containers.put(INFRA, RuncState.Status.RUNNING);
    pinAll();
    recover(false);
    assertTrue(sandboxes.require(INFRA).ready());
    assertTrue(sandboxes.require(READY).ready());
    assertEquals(Set.of(INFRA), runtime.monitored, "the live infra's conmon is watched again");
  }

  @Test
  void aPodWhosePinIsGoneIsNotReadyAndItsNetworkReleased() throws Exception {
    runtime.containers.put(INFRA, RuncState.Status.RUNNING);
    pinAll();
    SandboxRecord before =
        sandboxes.load().stream()
            .filter(s -> s.id().equals(READY))
            .findFirst()
            .orElseThrow()
            .record();
    pins.remove(Path.of(before.metadata().ipcNsPath()));
    sandboxes = new Sandboxes(node.layout.sandboxRecords());
    network.attached.add(READY);
    recover(false);
    assertFalse(sandboxes.require(READY).ready(), "its IPC namespace is gone");
    assertFalse(network.attached.contains(READY), "CNI DEL ran from the cached result");
    assertFalse(sandboxes.require(READY).record().status().networkAttached());
    assertEquals(
        "10.88.0.5",
        sandboxes.require(READY).record().status().ip(),
        "the IP stays in the record for status");
    assertTrue(node.published.contains("STOPPED aaaa"), node.published.toString());
    assertTrue(sandboxes.require(INFRA).ready(), "the other pod keeps its pins");
  }

  @Test
  void afterARebootNoPodIsReadyAndNoRuntimeIsAsked() throws Exception {
    runtime.containers.put(INFRA, RuncState.Status.RUNNING);
    pinAll();
    network.attached.add(READY);
    recover(true);
    assertFalse(sandboxes.require(READY).ready());
    assertFalse(sandboxes.require(INFRA).ready(), "an old infra's state is not trusted");
    assertFalse(network.attached.contains(READY));
    assertTrue(runtime.monitored.isEmpty());
  }

  @Test
  void anInfraThatDiesWhileJcridRunsMakesItsPodNotReadyWithAnEvent() throws Exception {
    runtime.containers.put(INFRA, RuncState.Status.RUNNING);
    pinAll();
    recover(false);
    new InfraExits(sandboxes, node.events)
        .onExit(INFRA, new Exit(137, java.time.Instant.now(), false));
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!node.published.contains("STOPPED bbbb") && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertFalse(sandboxes.require(INFRA).ready());
    assertTrue(node.published.contains("STOPPED bbbb"), node.published.toString());
    new InfraExits(sandboxes, node.events)
        .onExit("f".repeat(64), new Exit(0, java.time.Instant.now(), false));
    assertTrue(sandboxes.require(READY).ready(), "an unknown exit changes no pod");
  }

  @Test
  void recordsOfThePreviousReleaseLoadWithEveryField() throws Exception {
    pinAll();
    recover(false);
    SandboxRecord r = sandboxes.require(READY).record();
    assertEquals(
        List.of("web", "default", "uid-1", 1, "runc"),
        List.of(
            r.metadata().name(),
            r.metadata().namespace(),
            r.metadata().uid(),
            r.metadata().attempt(),
            r.metadata().runtimeHandler()));
    assertEquals(1700000000000000001L, r.metadata().createdAtNanos());
    assertEquals(
        List.of("10.88.0.5", List.of("fd00::5"), "{\"cniVersion\":\"1.0.0\"}", true),
        List.of(
            r.status().ip(),
            r.status().additionalIps(),
            r.status().cniResult(),
            r.status().networkAttached()));
    assertTrue(
        r.metadata().netnsPath().endsWith("/ns/net")
            && r.metadata().ipcNsPath().endsWith("/ns/ipc")
            && r.metadata().utsNsPath().endsWith("/ns/uts"));
    assertTrue(r.metadata().shmPath().endsWith("/shm"));
    assertEquals(
        List.of("web", "/kubepods"), List.of(r.metadata().hostname(), r.metadata().cgroupParent()));
    assertEquals("web", sandboxes.require(READY).config().getLabelsMap().get("app"));
    SandboxRecord infra = sandboxes.require(INFRA).record();
    assertEquals(
        List.of(true, true, false),
        List.of(
            infra.metadata().hostNetwork(),
            infra.metadata().hostIpc(),
            infra.metadata().hostPid()));
    assertEquals(
        List.of(INFRA, 4242),
        List.of(infra.status().infraContainerId(), infra.status().infraPid()));
    assertEquals(INFRA, sandboxes.find("bbbb").orElseThrow().id(), "a unique prefix finds it");
  }
}
