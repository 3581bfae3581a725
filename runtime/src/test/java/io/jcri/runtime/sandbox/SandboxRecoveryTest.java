package io.jcri.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.runtime.fakes.FakeRuntime;
import io.jcri.runtime.fakes.TestNode;
import io.jcri.runtime.monitor.RuncState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

  @Test
  void aPodWhoseInfraDiedWhileDownIsNotReady() throws Exception {
    new SandboxRecovery(sandboxes, node.handlers, runtime).recover();
    assertTrue(sandboxes.require(READY).ready(), "no infra process: nothing to lose");
    assertFalse(sandboxes.require(INFRA).ready());
  }

  @Test
  void aPodWhoseInfraRunsStaysReady() throws Exception {
    runtime.containers.put(INFRA, RuncState.Status.RUNNING);
    new SandboxRecovery(sandboxes, node.handlers, runtime).recover();
    assertTrue(sandboxes.require(INFRA).ready());
  }

  @Test
  void recordsOfThePreviousReleaseLoadWithEveryField() throws Exception {
    new SandboxRecovery(sandboxes, node.handlers, runtime).recover();
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
