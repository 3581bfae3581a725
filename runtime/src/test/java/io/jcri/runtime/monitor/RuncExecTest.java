package io.jcri.runtime.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A tty exec whose client stopped reading: closing the session frees the pty's reading thread. */
@Timeout(30)
class RuncExecTest {
  @TempDir Path dir;

  @Test
  void closingASessionNobodyReadReleasesThePtyPump() throws Exception {
    Pty pty = Pty.open();
    File slave = pty.slave().toFile();
    Process writer =
        new ProcessBuilder(
                "sh", "-c", "while :; do echo 0123456789abcdefghijklmnopqrstuvwxyz; done")
            .redirectInput(Redirect.from(slave))
            .redirectOutput(Redirect.appendTo(slave))
            .redirectError(Redirect.appendTo(slave))
            .start();
    String id = "leak" + System.nanoTime();
    RuncExec exec = new RuncExec(id, writer, dir.resolve("exec.pid"), pty, false);
    // nobody reads stdout: the pump fills its queue and then waits on it
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (exec.stdout().available() < 4 << 20 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(exec.stdout().available() >= 4 << 20, "the queue filled up");
    assertEquals(Set.of("exec-pty-" + id), pumps(id), "the pump runs while the session lives");

    exec.close();
    writer.waitFor();
    deadline = System.nanoTime() + 5_000_000_000L;
    while (!pumps(id).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(Set.of(), pumps(id), "the pty's reading thread ended with the session");
  }

  private static Set<String> pumps(String id) {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(n -> n.equals("exec-pty-" + id))
        .collect(Collectors.toSet());
  }
}
