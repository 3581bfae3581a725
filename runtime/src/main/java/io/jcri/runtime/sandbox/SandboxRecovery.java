package io.jcri.runtime.sandbox;

import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.monitor.RuncState;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.sys.Failure;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Start-up: reloads the sandbox records. A pod whose namespaces are gone (the node rebooted, or a
 * pin is no longer mounted) becomes NOTREADY and its network is released (CNI DEL from the cached
 * result, best effort); a pod whose infra process died while jcrid was down becomes NOTREADY; a
 * live infra process is watched again.
 */
public final class SandboxRecovery {
  private static final Logger LOG = Logger.getLogger(SandboxRecovery.class.getName());

  private final Sandboxes sandboxes;
  private final RuntimeHandlers handlers;
  private final ContainerRuntime runtime;
  private final PodNetworks networks;
  private final LifecycleEvents events;
  private final Predicate<Path> pinned;

  /** pinned tells whether a namespace is still mounted on a pin file. */
  public SandboxRecovery(
      Sandboxes sandboxes,
      RuntimeHandlers handlers,
      ContainerRuntime runtime,
      PodNetworks networks,
      LifecycleEvents events,
      Predicate<Path> pinned) {
    this.sandboxes = sandboxes;
    this.handlers = handlers;
    this.runtime = runtime;
    this.networks = networks;
    this.events = events;
    this.pinned = pinned;
  }

  /** stateLost: the node rebooted (or the state dir was wiped) since the records were written. */
  public void recover(boolean stateLost) throws IOException {
    for (Sandbox sandbox : sandboxes.load()) {
      SandboxRecord r = sandbox.record();
      String gone = stateLost ? "node_rebooted" : missingPin(r);
      if (gone != null) {
        namespacesGone(sandbox, gone);
      } else if (r.ready() && !r.status().infraContainerId().isEmpty()) {
        checkInfra(sandbox);
      }
      LOG.info("event=sandbox_recovered sandbox=" + r.id() + " ready=" + sandbox.ready());
    }
  }

  /** The first pin of the pod that holds no namespace any more; null when all are there. */
  private String missingPin(SandboxRecord r) {
    return Stream.of(r.metadata().netnsPath(), r.metadata().ipcNsPath(), r.metadata().utsNsPath())
        .filter(p -> p != null && !p.isEmpty())
        .filter(p -> !pinned.test(Path.of(p)))
        .findFirst()
        .map(p -> "pin_missing pin=" + p)
        .orElse(null);
  }

  private void namespacesGone(Sandbox sandbox, String why) {
    SandboxRecord r = sandbox.record();
    if (r.ready()) {
      sandboxes.save(sandbox, r.withReady(false));
      events.publish(r.id(), r.id(), LifecycleEvents.Kind.STOPPED);
    }
    LOG.warning("event=sandbox_namespaces_gone sandbox=" + r.id() + " reason=" + why);
    try {
      networks.detach(sandbox);
    } catch (Failure e) {
      LOG.warning(
          "event=sandbox_network_release_failed sandbox="
              + r.id()
              + " error=\""
              + e.getMessage()
              + "\"");
    }
  }

  private void checkInfra(Sandbox sandbox) {
    SandboxRecord r = sandbox.record();
    var rt = handlers.ociRuntime(r.metadata().runtimeHandler());
    boolean alive;
    try {
      alive =
          runtime
              .state(rt, r.status().infraContainerId())
              .map(s -> s.status() == RuncState.Status.RUNNING)
              .orElse(false);
    } catch (IOException | IllegalArgumentException e) {
      alive = false;
    }
    if (alive) {
      runtime.watchMonitor(rt, r.status().infraContainerId());
    } else {
      sandboxes.save(sandbox, r.withReady(false));
      LOG.info("event=sandbox_infra_gone sandbox=" + r.id());
    }
  }
}
