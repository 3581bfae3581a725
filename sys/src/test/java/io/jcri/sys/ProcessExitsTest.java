package io.jcri.sys;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessExitsTest {
  @Test
  void anExitIsToldOnceAndACancelledWatchStaysSilent() throws Exception {
    ProcessExits exits = ProcessExits.start("test-process-exits");
    Process watched = new ProcessBuilder("sleep", "30").start();
    Process cancelled = new ProcessBuilder("sleep", "30").start();
    CountDownLatch told = new CountDownLatch(1);
    CountDownLatch wrongly = new CountDownLatch(1);
    assertTrue(exits.watch((int) watched.pid(), told::countDown).isPresent());
    long token = exits.watch((int) cancelled.pid(), wrongly::countDown).orElseThrow();
    Thread.sleep(200);
    assertFalse(told.await(0, TimeUnit.MILLISECONDS), "no exit while it runs");
    exits.cancel(token);
    watched.destroyForcibly();
    cancelled.destroyForcibly();
    assertTrue(told.await(5, TimeUnit.SECONDS), "the exit is told");
    assertFalse(wrongly.await(500, TimeUnit.MILLISECONDS), "a cancelled watch is silent");
    watched.waitFor();
    int gone = (int) watched.pid();
    assertTrue(
        exits.watch(gone, () -> {}).isEmpty() || ProcessHandle.of(gone).isPresent(),
        "no watch on a PID without a process");
  }
}
