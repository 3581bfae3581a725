package io.jcri.runtime.monitor;

import io.jcri.sys.LibC;
import io.jcri.sys.SysException;
import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Ends one ExecSync on time. The runtime's exec (started leading a session, so a process group)
 * relays the command's output until every holder of its pipes closed them: a command that leaves a
 * child behind would hold ExecSync, a thread and two pipes. So once the exec'd process exited (and
 * its output had a short drain), or at the deadline, every other process of the group is killed;
 * the runtime then returns the command's own exit status.
 */
final class ExecDeadline {
  private static final Logger LOG = Logger.getLogger(ExecDeadline.class.getName());
  private static final Duration POLL = Duration.ofMillis(50);

  /** How long output is still read after the exec'd process exited, before its leftovers die. */
  static final Duration DRAIN = Duration.ofMillis(250);

  private final String id;
  private final Path pidFile;
  private final Duration timeout;
  private volatile boolean timedOut;

  ExecDeadline(String id, Path pidFile, Duration timeout) {
    this.id = id;
    this.pidFile = pidFile;
    this.timeout = timeout;
  }

  boolean timedOut() {
    return timedOut;
  }

  /**
   * Watches the exec whose runtime process (and group leader) is pgid; returns when interrupted or
   * done.
   */
  void watch(long pgid) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Optional<Integer> execPid = Optional.empty();
    try {
      while (System.nanoTime() - deadline < 0) {
        Thread.sleep(POLL);
        if (execPid.isEmpty()) {
          execPid = ConmonFiles.readPid(pidFile);
        } else if (exited(execPid.get())) {
          Thread.sleep(DRAIN);
          killFollowers(pgid, execPid.get(), "exited");
          return;
        }
      }
    } catch (InterruptedException e) {
      return; // the runtime returned: nothing is left to end
    }
    timedOut = true;
    killFollowers(pgid, execPid.orElse(0), "deadline");
  }

  /**
   * SIGKILL to every process of the runtime's group but the runtime itself, which then reports the
   * exit, and to the group the exec'd process leads if the runtime made it a session of its own.
   */
  private void killFollowers(long pgid, long execPid, String why) {
    int killed = 0;
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.toList()) {
        String name = proc.getFileName().toString();
        if (name.chars().allMatch(Character::isDigit)
            && Long.parseLong(name) != pgid
            && (groupOf(proc) == pgid || groupOf(proc) == execPid)) {
          killed += Syscalls.kill(Integer.parseInt(name), LibC.SIGKILL) ? 1 : 0;
        }
      }
    } catch (SysException e) {
      LOG.warning("event=exec_kill_failed id=" + id + " pgid=" + pgid + " error=" + e.getMessage());
    } catch (IOException e) {
      LOG.warning("event=exec_scan_failed id=" + id + " error=" + e.getMessage());
    }
    if (killed > 0) {
      LOG.info("event=exec_leftovers_killed id=" + id + " after=" + why + " count=" + killed);
    }
  }

  /** Gone, or a zombie its parent has not reaped yet. */
  private static boolean exited(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
    } catch (IOException | RuntimeException gone) {
      return true;
    }
  }

  /** The process group in /proc/PID/stat (the fifth field, after the parenthesised name). */
  private static long groupOf(Path proc) {
    try {
      String stat = Files.readString(proc.resolve("stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[2]);
    } catch (IOException | RuntimeException gone) {
      return -1;
    }
  }
}
