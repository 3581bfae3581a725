package io.jcri.runtime.monitor;

import io.jcri.sys.LibC;
import io.jcri.sys.ProcessExits;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.logging.Logger;

/**
 * Notices a container's conmon dying without recording the container's exit (killed, crashed): the
 * container, left without anyone holding its stdio, writing its log or catching its exit, is killed
 * and its exit reported as {@link Exit#ofDeadMonitor}. A pidfd per conmon, no polling.
 */
final class ConmonDeaths {
  private static final Logger LOG = Logger.getLogger(ConmonDeaths.class.getName());

  private final ConmonFiles files;
  private final ExitWatcher exits;
  private final RuncClient runc;
  private final ProcessExits processes;
  private final Map<String, Long> watched = new ConcurrentHashMap<>();
  // deaths found before the exit consumer is set (an infra's, at recovery) wait for it here
  private final Map<String, Exit> pending = new LinkedHashMap<>();
  private BiConsumer<String, Exit> onExit;

  ConmonDeaths(ConmonFiles files, ExitWatcher exits, RuncClient runc, ProcessExits processes) {
    this.files = files;
    this.exits = exits;
    this.runc = runc;
    this.processes = processes;
  }

  /** Who hears of a container whose conmon died (the same consumer as conmon's exits). */
  void reportTo(BiConsumer<String, Exit> onExit) {
    Map<String, Exit> early;
    synchronized (this) {
      this.onExit = onExit;
      early = new LinkedHashMap<>(pending);
      pending.clear();
    }
    early.forEach(onExit);
  }

  /** Watches the container's conmon; a conmon already gone is handled at once. */
  void watch(OciRuntime rt, String id) {
    var pid = files.conmonPid(id);
    if (pid.isEmpty()) {
      return; // conmon's files are gone: the container was deleted
    }
    OptionalLong token;
    try {
      token = processes.watch(pid.get(), () -> died(rt, id));
    } catch (IOException e) {
      LOG.warning("event=conmon_watch_failed id=" + id + " error=" + e.getMessage());
      return;
    }
    if (token.isPresent() && ConmonProcesses.isConmon(pid.get())) {
      watched.put(id, token.getAsLong());
      return;
    }
    // no process at that PID, or one that is no longer (or not) conmon
    token.ifPresent(processes::cancel);
    died(rt, id);
  }

  /** The container is being deleted: its conmon's end is expected. */
  void forget(String id) {
    Long token = watched.remove(id);
    if (token != null) {
      processes.cancel(token);
    }
  }

  private void died(OciRuntime rt, String id) {
    watched.remove(id);
    if (exits.exitOf(id).isPresent()) {
      return; // conmon recorded the exit before it left: the exit watcher delivers it
    }
    LOG.warning("event=conmon_died id=" + id + " action=kill_container");
    try {
      runc.kill(rt, id, LibC.SIGKILL, true);
    } catch (MonitorException e) {
      LOG.warning("event=unmonitored_kill_failed id=" + id + " error=" + e.getMessage());
    }
    Exit exit = Exit.ofDeadMonitor(Instant.now());
    BiConsumer<String, Exit> consumer;
    synchronized (this) {
      consumer = onExit;
      if (consumer == null) {
        pending.put(id, exit);
        return;
      }
    }
    consumer.accept(id, exit);
  }
}
