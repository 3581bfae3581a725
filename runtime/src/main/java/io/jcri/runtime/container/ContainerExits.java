package io.jcri.runtime.container;

import static io.jcri.sys.Timestamps.nowNanos;

import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.monitor.Exit;
import io.jcri.runtime.monitor.MonitorListener;
import io.jcri.sys.NamedStep;
import java.util.logging.Logger;

/**
 * The one place a container's record becomes EXITED: the exits conmon reports (their code,
 * Completed/Error/OOMKilled), a created container killed before it started (137) and a container
 * the runtime lost while jcrid was down (255).
 */
public final class ContainerExits {
  private static final Logger LOG = Logger.getLogger(ContainerExits.class.getName());
  static final int KILLED = 137;
  static final int LOST = 255;

  private final Containers containers;
  private final LifecycleEvents events;
  private volatile MonitorListener listener = MonitorListener.NONE;

  public ContainerExits(Containers containers, LifecycleEvents events) {
    this.containers = containers;
    this.events = events;
  }

  /** Who hears of OOM kills (the daemon's metrics). */
  public void setListener(MonitorListener listener) {
    this.listener = listener;
  }

  /** An exit conmon recorded: called by the exit watcher, by stop and at recovery. */
  public void onExit(String id, Exit exit) {
    containers
        .find(id)
        .ifPresent(
            c -> {
              c.lock().lock();
              try {
                ContainerRecord r = c.record();
                if (r.state().equals(ContainerRecord.State.EXITED)) {
                  return;
                }
                String reason =
                    exit.oomKilled() ? "OOMKilled" : exit.code() == 0 ? "Completed" : "Error";
                // the exit file's mtime comes from the kernel's coarse clock and can trail the
                // start by a tick
                long started =
                    r.status().startedAtNanos() == 0
                        ? r.metadata().createdAtNanos()
                        : r.status().startedAtNanos();
                long at =
                    Math.max(
                        started,
                        exit.finishedAt().getEpochSecond() * 1_000_000_000L
                            + exit.finishedAt().getNano());
                ContainerRecord next = r.started(started).exited(at, exit.code(), reason, "");
                NamedStep.STOP_CONTAINER_RECORD_EXIT.run(() -> containers.save(c, next));
                events.publish(
                    next.id(), next.metadata().sandboxId(), LifecycleEvents.Kind.STOPPED);
                LOG.info(
                    "event=container_exited container="
                        + id
                        + " exit_code="
                        + exit.code()
                        + " reason="
                        + reason);
                if (exit.oomKilled()) {
                  listener.oomKilled(id);
                }
              } finally {
                c.lock().unlock();
              }
            });
  }

  /** A created container was killed before it started: the runtime left no exit file. */
  void killedBeforeStart(Container c) {
    NamedStep.STOP_CONTAINER_RECORD_EXIT.run(
        () ->
            containers.save(
                c, c.record().exited(nowNanos(), KILLED, "Error", "killed before it was started")));
  }

  /** The runtime no longer knows the container and conmon recorded no exit. */
  void lost(Container c) {
    containers.save(
        c,
        c.record()
            .exited(nowNanos(), LOST, "Unknown", "the container disappeared while jcrid was down"));
  }
}
