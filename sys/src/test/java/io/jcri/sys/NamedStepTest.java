package io.jcri.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NamedStepTest {
  @Test
  void everyStepHasAUniqueNameUnderAListedOperation() {
    Set<String> ids = new HashSet<>();
    List<String> operations =
        List.of(
            "RunPodSandbox",
            "CreateContainer",
            "StartContainer",
            "StopContainer",
            "RemoveContainer",
            "StopPodSandbox",
            "RemovePodSandbox",
            "PullImage");
    for (NamedStep s : NamedStep.values()) {
      assertTrue(ids.add(s.id()), "duplicate step " + s.id());
      assertTrue(operations.contains(s.operation()), s.id());
    }
    for (String op : operations) {
      assertTrue(!NamedStep.of(op).isEmpty(), op + " has steps");
    }
    assertEquals(NamedStep.RUN_POD_SANDBOX_DIR, NamedStep.of("RunPodSandbox").getFirst());
  }

  @Test
  void theCrashPointNamesAStepBeforeOrAfterItsNthRun() {
    assertNull(NamedStep.CrashPoint.parse(null));
    assertNull(NamedStep.CrashPoint.parse(" "));
    var p = NamedStep.CrashPoint.parse("after:RunPodSandbox/cni-add#2");
    assertEquals("RunPodSandbox/cni-add", p.step());
    assertTrue(p.after());
    assertEquals(2, p.nth());
    var q = NamedStep.CrashPoint.parse("CreateContainer/runc-create");
    assertEquals(false, q.after());
    assertEquals(1, q.nth());
    // a run of another step does not count toward the n-th
    assertEquals(0, q.before(NamedStep.CREATE_CONTAINER_RECORD));
    var ex =
        assertThrows(
            IllegalArgumentException.class,
            () -> NamedStep.CrashPoint.parse("before:RunPodSandbox/no-such"));
    assertTrue(ex.getMessage().contains("RunPodSandbox/no-such"), ex.getMessage());
  }

  @Test
  void theBreakdownSumsEachStepOfItsRpcAndNamesStepsOfOthersInFull() throws Exception {
    String line;
    try (var b = NamedStep.breakdown("RemovePodSandbox").subject("sandbox", "abc")) {
      NamedStep.REMOVE_POD_SANDBOX_UNPIN.run(() -> Thread.sleep(5));
      NamedStep.REMOVE_POD_SANDBOX_UNPIN.run(() -> Thread.sleep(5));
      try (var nested = NamedStep.breakdown("StopPodSandbox").subject("sandbox", "other")) {
        NamedStep.STOP_POD_SANDBOX_CNI_DEL.run(() -> {});
      }
      Thread worker =
          new Thread(() -> b.join(() -> NamedStep.REMOVE_POD_SANDBOX_DIRS_DELETE.run(() -> {})));
      worker.start();
      worker.join();
      line = b.line();
    }
    assertTrue(line.startsWith("event=rpc_steps rpc=RemovePodSandbox sandbox=abc total_ms="), line);
    assertTrue(line.contains(" StopPodSandbox/cni-del="), line);
    assertTrue(line.contains(" dirs-delete="), line);
    double unpin = Double.parseDouble(line.replaceAll(".* unpin=([0-9.]+).*", "$1"));
    assertTrue(unpin >= 10, "both runs of unpin summed: " + line);
    assertNull(NamedStep.current(), "closed: the thread has no breakdown left");
  }

  @Test
  void aFailingStepPassesItsExceptionOnAndIsStillTimed() {
    try (var b = NamedStep.breakdown("PullImage")) {
      assertThrows(
          IOException.class,
          () ->
              NamedStep.PULL_IMAGE_SYNC.run(
                  () -> {
                    throw new IOException("disk gone");
                  }));
      assertTrue(b.line().contains(" sync="), b.line());
    }
  }
}
