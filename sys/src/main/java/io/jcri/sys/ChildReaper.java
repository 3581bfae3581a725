package io.jcri.sys;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Logger;

/**
 * jcrid is a child subreaper: conmon daemonises and so becomes our child, as do orphans of dead
 * monitors. PID 1 on some nodes reaps late, so we reap those ourselves, promptly.
 *
 * <p>The JDK waits for the children it started with {@code waitpid(pid)} and reads a status of 0 if
 * someone else reaped first; so this reaper never touches a child started through {@link
 * Command#start}, and reaps a zombie only when it has seen it on two scans in a row. Children start
 * under {@link #SPAWNING}'s read lock (at the same time, a spawn takes milliseconds under load) and
 * are owned before it is released; the reaper decides under the write lock, so it never takes a
 * child between its start and its owning.
 */
public final class ChildReaper {
  static final ReadWriteLock SPAWNING = new ReentrantReadWriteLock();
  private static final Logger LOG = Logger.getLogger(ChildReaper.class.getName());
  private static final Set<Long> OWNED = ConcurrentHashMap.newKeySet();

  private final Set<Integer> seenZombies = new HashSet<>();
  private final long intervalMillis;

  private ChildReaper(long intervalMillis) {
    this.intervalMillis = intervalMillis;
  }

  static void own(Process process) {
    OWNED.add(process.pid());
    process.onExit().thenRun(() -> OWNED.remove(process.pid()));
  }

  static void disown(Process process) {
    if (!process.isAlive()) {
      OWNED.remove(process.pid());
    }
  }

  /** A child its starter waits for itself (SessionProcess), until it has reaped it. */
  static void own(int pid) {
    OWNED.add((long) pid);
  }

  static void disown(int pid) {
    OWNED.remove((long) pid);
  }

  /** Marks this process a child subreaper and starts the reaping thread. */
  public static void start(long intervalMillis) throws SysException {
    Syscalls.setChildSubreaper();
    ChildReaper reaper = new ChildReaper(intervalMillis);
    Thread.ofPlatform().daemon().name("child-reaper").start(reaper::loop);
  }

  private void loop() {
    while (true) {
      try {
        reapOnce();
        Thread.sleep(intervalMillis);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warning("event=reap_failed error=" + e);
      }
    }
  }

  void reapOnce() {
    Set<Integer> zombies = new HashSet<>();
    int self = Syscalls.getpid();
    try (var tasks = Files.list(Path.of("/proc", Integer.toString(self), "task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String children = Files.readString(task.resolve("children")).trim();
        if (children.isEmpty()) {
          continue;
        }
        for (String pid : children.split(" ")) {
          int child = Integer.parseInt(pid);
          if (!OWNED.contains((long) child) && isZombie(child)) {
            zombies.add(child);
          }
        }
      }
    } catch (IOException e) {
      return;
    }
    for (int zombie : zombies) {
      if (seenZombies.contains(zombie)) {
        SPAWNING.writeLock().lock();
        try {
          if (!OWNED.contains((long) zombie)) {
            LibC.INSTANCE.waitpid(zombie, new int[1], LibC.WNOHANG);
          }
        } catch (LastErrorException ignored) {
          // already reaped by its owner
        } finally {
          SPAWNING.writeLock().unlock();
        }
      }
    }
    seenZombies.retainAll(zombies);
    seenZombies.addAll(zombies);
  }

  private static boolean isZombie(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) == 'Z';
    } catch (IOException e) {
      return false;
    }
  }
}
