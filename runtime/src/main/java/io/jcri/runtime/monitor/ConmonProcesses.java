package io.jcri.runtime.monitor;

import io.jcri.sys.LibC;
import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;

/** conmon processes by container: is one alive, kill it, wait for it to leave. */
final class ConmonProcesses {
  private static final Logger LOG = Logger.getLogger(ConmonProcesses.class.getName());
  private static final Duration CONMON_EXIT_WAIT = Duration.ofSeconds(5);

  private final ConmonFiles files;

  ConmonProcesses(ConmonFiles files) {
    this.files = files;
  }

  void kill(String id) {
    files
        .conmonPid(id)
        .ifPresent(
            pid -> {
              try {
                Syscalls.kill(pid, LibC.SIGKILL);
              } catch (IOException e) {
                LOG.warning(
                    "event=conmon_kill_failed id="
                        + id
                        + " pid="
                        + pid
                        + " error="
                        + e.getMessage());
              }
            });
  }

  /** Waits (a few seconds at most) until the container's conmon has left. */
  void awaitExit(String id) {
    Optional<Integer> pid = files.conmonPid(id);
    if (pid.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + CONMON_EXIT_WAIT.toNanos();
    try {
      while (isConmon(pid.get())) {
        if (System.nanoTime() > deadline) {
          LOG.warning("event=conmon_lingers id=" + id + " pid=" + pid.get());
          return;
        }
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A live (not zombie) conmon at pid; a recycled pid running something else does not count. */
  static boolean isConmon(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      return stat.contains("(conmon)")
          && close + 2 < stat.length()
          && stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }
}
