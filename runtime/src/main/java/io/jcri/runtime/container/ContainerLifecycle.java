package io.jcri.runtime.container;

import static io.jcri.runtime.store.Steps.perform;
import static io.jcri.sys.Timestamps.nowNanos;

import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.monitor.OciRuntime;
import io.jcri.runtime.monitor.RuncState;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.sandbox.PodContainers;
import io.jcri.sys.Failure;
import io.jcri.sys.NamedStep;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * StartContainer, StopContainer (the stop signal, the grace period, then SIGKILL) and
 * RemoveContainer; the same for every container of a pod when the pod stops or goes away.
 */
public final class ContainerLifecycle implements PodContainers {
  private static final Logger LOG = Logger.getLogger(ContainerLifecycle.class.getName());
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  private static final Duration EXIT_POLL = Duration.ofMillis(100);
  private static final Duration TEARDOWN_WAIT = Duration.ofSeconds(30);

  private final Containers containers;
  private final ContainerExits exits;
  private final RuntimeHandlers handlers;
  private final ContainerRuntime runtime;
  private final ContainerTeardown teardown;
  private final CgroupKill cgroupKill;
  private final LifecycleEvents events;

  public ContainerLifecycle(
      Containers containers,
      ContainerExits exits,
      RuntimeHandlers handlers,
      ContainerRuntime runtime,
      ContainerTeardown teardown,
      CgroupKill cgroupKill,
      LifecycleEvents events) {
    this.containers = containers;
    this.exits = exits;
    this.handlers = handlers;
    this.runtime = runtime;
    this.teardown = teardown;
    this.cgroupKill = cgroupKill;
    this.events = events;
  }

  public void start(String id) {
    Container c = containers.require(id);
    c.lock().lock();
    try (var steps = NamedStep.breakdown("StartContainer").subject("container", c.id())) {
      ContainerRecord r = c.record();
      if (!r.state().equals(ContainerRecord.State.CREATED)) {
        throw Failure.precondition(
            "container "
                + r.id()
                + " is "
                + r.state().name().toLowerCase()
                + "; only a created container can be started");
      }
      OciRuntime oci = handlers.ociRuntime(r.metadata().runtimeHandler());
      // taken before runc start: a container that exits at once must not look finished before it
      // started
      long startedAt = nowNanos();
      NamedStep.START_CONTAINER_RUNC_START.run(
          () -> perform("start the container", () -> runtime.start(oci, r.id())));
      if (c.record().state().equals(ContainerRecord.State.CREATED)) {
        NamedStep.START_CONTAINER_RECORD.run(
            () -> containers.save(c, c.record().started(startedAt)));
      }
      events.publish(r.id(), r.metadata().sandboxId(), LifecycleEvents.Kind.STARTED);
      LOG.info("event=container_started container=" + r.id() + " pid=" + r.metadata().pid());
    } finally {
      c.lock().unlock();
    }
  }

  /** Idempotent: a container that is already gone (or never was) needs no stopping. */
  public void stop(String id, long timeoutSeconds) {
    var found = containers.findIfStillThere(id, "container_id");
    if (found.isPresent()) {
      try (var steps =
          NamedStep.breakdown("StopContainer").subject("container", found.get().id())) {
        stop(found.get(), Duration.ofSeconds(Math.max(0, timeoutSeconds)));
      }
    }
  }

  private void stop(Container c, Duration grace) {
    ContainerRecord r = c.record();
    if (!r.state().equals(ContainerRecord.State.RUNNING)) {
      if (r.state().equals(ContainerRecord.State.CREATED)) {
        killAndWait(c, Signals.SIGKILL, KILL_WAIT);
      }
      return;
    }
    int signal = Signals.number(r.metadata().stopSignal());
    if (grace.isPositive()) {
      if (killAndWait(c, signal, grace)) {
        return;
      }
      LOG.info(
          "event=container_stop_timeout container="
              + r.id()
              + " signal="
              + signal
              + " grace_s="
              + grace.toSeconds());
    }
    if (!killAndWait(c, Signals.SIGKILL, KILL_WAIT)) {
      throw new Failure(
          Failure.Kind.DEADLINE,
          "container "
              + r.id()
              + " did not exit after SIGKILL within "
              + KILL_WAIT.toSeconds()
              + " s");
    }
  }

  /** Sends signal to the container's processes and waits for its exit; true when it exited. */
  private boolean killAndWait(Container c, int signal, Duration wait) {
    ContainerRecord r = c.record();
    OciRuntime oci = handlers.ociRuntime(r.metadata().runtimeHandler());
    try {
      NamedStep.STOP_CONTAINER_SIGNAL.run(
          () -> {
            // SIGKILL reaches every process of the container through its cgroup, else the runtime
            if (signal != Signals.SIGKILL || !cgroupKill.killAll(r.metadata().pid(), r.id())) {
              runtime.kill(oci, r.id(), signal, signal == Signals.SIGKILL);
            }
          });
    } catch (IOException e) {
      LOG.info(
          "event=container_kill_failed container="
              + r.id()
              + " signal="
              + signal
              + " error=\""
              + e.getMessage()
              + "\"");
    }
    return awaitExit(c, oci, wait);
  }

  /**
   * Waits for the exit the watcher records, asking the runtime between short waits: a created
   * container killed before it started never gets an exit file, so nothing waits for one.
   */
  private boolean awaitExit(Container c, OciRuntime oci, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      try {
        c.exitedFuture().get(EXIT_POLL.toMillis(), TimeUnit.MILLISECONDS);
        return true;
      } catch (TimeoutException e) {
        if (pollExit(c, oci)) {
          return true;
        }
        if (System.nanoTime() - deadline >= 0) {
          return false;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Failure(Failure.Kind.CANCELLED, "interrupted while stopping " + c.record().id());
      } catch (ExecutionException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A container that never started leaves no exit file; ask the runtime instead. */
  private boolean pollExit(Container c, OciRuntime oci) {
    ContainerRecord r = c.record();
    var exit = runtime.exitOf(r.id());
    if (exit.isPresent()) {
      exits.onExit(r.id(), exit.get());
      return true;
    }
    if (!r.state().equals(ContainerRecord.State.CREATED)) {
      return false; // a started container's exit comes from its exit file
    }
    try {
      var state = runtime.state(oci, r.id());
      if (state.isEmpty() || state.get().status() == RuncState.Status.STOPPED) {
        exits.killedBeforeStart(c);
        return true;
      }
    } catch (IOException e) {
      LOG.info(
          "event=container_state_failed container=" + r.id() + " error=\"" + e.getMessage() + "\"");
    }
    return false;
  }

  public void remove(String id) {
    var found = containers.findIfStillThere(id, "container_id");
    if (found.isPresent()) {
      try (var steps =
          NamedStep.breakdown("RemoveContainer").subject("container", found.get().id())) {
        remove(found.get());
      }
    }
  }

  /**
   * Stops the container, then deletes its record: the runtime's delete, the rootfs and the files
   * follow off the RPC's path (ContainerTeardown).
   */
  private void remove(Container c) {
    // stopped before the lock is taken: the exit watcher records the exit under that lock
    stop(c, Duration.ZERO);
    c.lock().lock();
    try {
      ContainerRecord r = c.record();
      NamedStep.REMOVE_CONTAINER_RECORD_DELETE.run(() -> containers.forget(c));
      teardown.removed(r);
      events.publish(r.id(), r.metadata().sandboxId(), LifecycleEvents.Kind.DELETED);
      LOG.info("event=container_removed container=" + r.id());
    } finally {
      c.lock().unlock();
    }
  }

  @Override
  public void stopAll(String sandboxId, Duration grace) {
    containers.inSandbox(sandboxId).parallelStream().forEach(c -> stop(c, grace));
  }

  @Override
  public void removeAll(String sandboxId) {
    containers.inSandbox(sandboxId).forEach(this::remove);
    // the pod's own resources go after its containers' mounts and runtime state
    teardown.awaitPod(sandboxId, TEARDOWN_WAIT);
  }
}
