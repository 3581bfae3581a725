package io.jcri.sys;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Command#runInNewSession}: a child of its own session, started clean, reaped by jcri. */
@Timeout(30)
class SessionProcessTest {
  private static Command.Result run(String script) throws IOException {
    return Command.runInNewSession(List.of("sh", "-c", script), Duration.ofSeconds(10), null);
  }

  @Test
  void leadsItsOwnSessionAndProcessGroup() throws Exception {
    // /proc/self/stat after the name: state, ppid, pgrp, session
    Command.Result r = run("echo $$; cut -d' ' -f5,6 /proc/$$/stat");
    List<String> lines = r.out().lines().toList();
    String pid = lines.get(0);
    assertEquals(pid + " " + pid, lines.get(1), "process group and session are its own PID");
    assertTrue(sessionOf(ProcessHandle.current().pid()) != Long.parseLong(pid));
  }

  @Test
  void collectsExitCodeAndBothStreams() throws Exception {
    Command.Result r = run("echo out; echo oops >&2; exit 3");
    assertEquals(List.of(3, "out\n", "oops"), List.of(r.exitCode(), r.out(), r.err()));
  }

  @Test
  void aKilledChildReportsTheSignalAsTheJdkDoes() throws Exception {
    assertEquals(137, run("kill -9 $$").exitCode());
  }

  @Test
  void getsNoDescriptorOfJcridNoBlockedSignalAndNoInput() throws Exception {
    try (FileInputStream held = new FileInputStream("/dev/null")) { // not close-on-exec
      // the shell's mask read by the shell itself, before it forks: around a fork dash blocks every
      // signal for a moment, so a child reading /proc/$$/status could see that instead
      Command.Result r =
          run(
              "while read -r k v; do [ \"$k\" = SigBlk: ] && echo \"$k $v\"; done </proc/$$/status;"
                  + " ls /proc/$$/fd; cat; echo end");
      List<String> lines = r.out().lines().toList();
      assertEquals("SigBlk: 0000000000000000", lines.get(0), r.out());
      assertEquals(List.of("0", "1", "2"), lines.subList(1, 4), r.out());
      assertEquals("end", lines.getLast(), "stdin is empty");
      assertTrue(held.getFD().valid());
    }
  }

  @Test
  void aProgramNotFoundIsAnIOException() {
    IOException e =
        assertThrows(
            IOException.class,
            () -> Command.runInNewSession(List.of("/nonexistent/x"), Duration.ofSeconds(5), null));
    assertTrue(e.getMessage().contains("/nonexistent/x"), e.getMessage());
  }

  @Test
  void overrunningItsTimeoutKillsIt() {
    long t0 = System.nanoTime();
    assertThrows(
        Command.TimeoutException.class,
        () -> Command.runInNewSession(List.of("sleep", "30"), Duration.ofMillis(300), null));
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
  }

  @Test
  void exitIsSeenWithoutPollingAndTheChildIsReaped() throws Exception {
    SessionProcess p = SessionProcess.start(List.of("sh", "-c", "sleep 0.2"));
    assertTrue(p.isAlive());
    assertFalse(p.waitFor(10, TimeUnit.MILLISECONDS));
    long t0 = System.nanoTime();
    assertEquals(0, p.onExit().get(5, TimeUnit.SECONDS).exitValue());
    assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
    assertFalse(new java.io.File("/proc/" + p.pid()).exists(), "no zombie left");
  }

  @Test
  void childrenBlockedOnOutputLeaveVirtualThreadsTheirCarriers() throws Exception {
    int n = 2 * Runtime.getRuntime().availableProcessors() + 1;
    List<Thread> runs = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      runs.add(Thread.ofVirtual().start(() -> assertDoesNotThrow(() -> run("sleep 2"))));
    }
    Thread.sleep(500); // every run is draining its child's output now
    long t0 = System.nanoTime();
    Thread.ofVirtual().start(() -> {}).join();
    assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "a virtual thread got a carrier");
    for (Thread t : runs) {
      t.join();
    }
  }

  private static long sessionOf(long pid) throws IOException {
    String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[3]);
  }
}
