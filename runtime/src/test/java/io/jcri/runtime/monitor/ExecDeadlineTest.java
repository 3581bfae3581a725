package io.jcri.runtime.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.sys.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exec whose command leaves a child holding its pipes, the runtime played by a shell leading its
 * own group.
 */
@Timeout(20)
class ExecDeadlineTest {
  @TempDir Path dir;

  private static Command.Result run(String script, ExecDeadline deadline) throws Exception {
    return Command.runInNewSession(
        List.of("sh", "-c", script), Duration.ofSeconds(15), deadline::watch);
  }

  @Test
  void aChildHoldingTheOutputIsKilledShortlyAfterTheCommandExited() throws Exception {
    Path pidFile = dir.resolve("exec.pid");
    String marker = "sleep 31." + System.nanoTime() % 1000;
    ExecDeadline deadline = new ExecDeadline("c1", pidFile, Duration.ofSeconds(10));
    long t0 = System.nanoTime();
    // the group's leader stands in for the runtime: it relays its command's output until EOF
    Command.Result r =
        run(
            "out=$(sh -c 'echo -n $$ > " + pidFile + "; " + marker + " & echo probed'); echo $out",
            deadline);
    assertTrue(
        System.nanoTime() - t0 < 8_000_000_000L,
        "the child holding stdout (for 31 s) did not hold the caller");
    assertEquals(List.of(0, "probed"), List.of(r.exitCode(), r.out().strip()));
    assertFalse(deadline.timedOut());
    Thread.sleep(200);
    assertEquals(List.of(), leftovers(marker), "the leftover child is gone");
  }

  @Test
  void atTheDeadlineTheCommandAndItsChildrenAreKilled() throws Exception {
    Path pidFile = dir.resolve("exec.pid");
    ExecDeadline deadline = new ExecDeadline("c2", pidFile, Duration.ofMillis(500));
    long t0 = System.nanoTime();
    // the group's leader stands in for the runtime: it waits for its command, a child of its own
    String marker = "sleep 32." + System.nanoTime() % 1000;
    Command.Result r =
        run(
            "sh -c 'echo -n $$ > " + pidFile + "; " + marker + "; true' ; echo status $?",
            deadline);
    assertTrue(System.nanoTime() - t0 < 3_000_000_000L);
    assertTrue(deadline.timedOut());
    assertEquals("status 137", r.out().strip());
    Thread.sleep(200);
    assertEquals(List.of(), leftovers(marker));
  }

  private static List<String> leftovers(String marker) {
    return ProcessHandle.allProcesses()
        .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
        .filter(c -> c.endsWith(marker))
        .toList();
  }
}
