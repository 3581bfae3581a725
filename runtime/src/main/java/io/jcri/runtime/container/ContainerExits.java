package io.jcri.runtime.container;

import static io.jcri.sys.Timestamps.nowNanos;

import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.monitor.Exit;
import io.jcri.runtime.monitor.MonitorListener;
import io.jcri.sys.NamedStep;
import java.util.function.BiConsumer;
import java.util.logging.Logger;

/**
 * The one place a container's record becomes EXITED: the exits conmon reports (their code,
 * Completed/Error/OOMKilled), a container whose conmon died (255, ConmonDied), a created container
 * killed before it started (137), a container the runtime lost while jcrid was down (255) and one
 * whose node rebooted (255, Rebooted). Exits of IDs that are no container (infra processes) go to
 * the consumer set with {@link #forOtherExits}. Once an exit is recorded the runtime's delete
 * starts ({@link ContainerTeardown}).
 */
public final class ContainerExits {
  private static final Logger LOG = Logger.getLogger(ContainerExits.class.getName());
  static final int KILLED = 137;
  static final int LOST = Exit.UNKNOWN_CODE;
  static final String CONMON_DIED = "ConmonDied";
  static final String REBOOTED = "Rebooted";

  private final Containers containers;
  private final LifecycleEvents events;
  private final ContainerTeardown teardown;
  private volatile MonitorListener listener = MonitorListener.NONE;
  private volatile BiConsumer<String, Exit> otherExits = (id, exit) -> {};

  public ContainerExits(Containers containers, LifecycleEvents events, ContainerTeardown teardown) {
    this.containers = containers;
    this.events = events;
    this.teardown = teardown;
  }

  /** Who hears of OOM kills (the daemon's metrics). */
  public void setListener(MonitorListener listener) {
    this.listener = listener;
  }

  /** Who hears of exits of IDs that are no container's: the pods' infra processes. */
  public void forOtherExits(BiConsumer<String, Exit> consumer) {
    this.otherExits = consumer;
  }

  /** An exit conmon recorded: called by the exit watcher, by stop and at recovery. */
  public void onExit(String id, Exit exit) {
    containers
        .find(id)
        .ifPresentOrElse(
            c -> {
              c.lock().lock();
              try {
                ContainerRecord r = c.record();
                if (r.state().equals(ContainerRecord.State.EXITED)) {
                  return;
                }
                String reason =
                    exit.monitorDied()
                        ? CONMON_DIED
                        : exit.oomKilled() ? "OOMKilled" : exit.code() == 0 ? "Completed" : "Error";
                String message =
                    exit.monitorDied()
                        ? "its monitor (conmon) died: the exit code is unknown and the container"
                            + " was killed"
                        : "";
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
                ContainerRecord next = r.started(started).exited(at, exit.code(), reason, message);
                NamedStep.STOP_CONTAINER_RECORD_EXIT.run(() -> containers.save(c, next));
                teardown.exited(next);
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
            },
            () -> otherExits.accept(id, exit));
  }

  /** A created container was killed before it started: the runtime left no exit file. */
  void killedBeforeStart(Container c) {
    NamedStep.STOP_CONTAINER_RECORD_EXIT.run(
        () ->
            containers.save(
                c, c.record().exited(nowNanos(), KILLED, "Error", "killed before it was started")));
    teardown.exited(c.record());
  }

  /** The node rebooted since the container was recorded: its processes are gone. */
  void rebooted(Container c) {
    containers.save(
        c,
        c.record()
            .exited(
                nowNanos(),
                LOST,
                REBOOTED,
                "the node rebooted: the container's processes are gone"));
    events.publish(c.id(), c.record().metadata().sandboxId(), LifecycleEvents.Kind.STOPPED);
    LOG.info("event=container_exited container=" + c.id() + " reason=" + REBOOTED);
  }

  /** The runtime no longer knows the container and conmon recorded no exit. */
  void lost(Container c) {
    containers.save(
        c,
        c.record()
            .exited(nowNanos(), LOST, "Unknown", "the container disappeared while jcrid was down"));
  }
}
