package io.jcri.runtime.container;

import static io.jcri.sys.Timestamps.nowNanos;

import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.monitor.RuncState;
import io.jcri.runtime.node.RuntimeHandlers;
import java.io.IOException;
import java.util.List;
import java.util.logging.Logger;

/**
 * Start-up: reloads the container records, learns the exits that happened while jcrid was down
 * (conmon's exit files, else the runtime's state; after a reboot every container exited), then
 * watches for new exits and for the conmon of each live container dying.
 */
public final class ContainerRecovery {
  private static final Logger LOG = Logger.getLogger(ContainerRecovery.class.getName());

  private final Containers containers;
  private final ContainerExits exits;
  private final RuntimeHandlers handlers;
  private final ContainerRuntime runtime;

  public ContainerRecovery(
      Containers containers,
      ContainerExits exits,
      RuntimeHandlers handlers,
      ContainerRuntime runtime) {
    this.containers = containers;
    this.exits = exits;
    this.handlers = handlers;
    this.runtime = runtime;
  }

  /** stateLost: the node rebooted (or the state dir was wiped) since the records were written. */
  public void recover(boolean stateLost) throws IOException {
    List<Container> loaded = containers.load();
    runtime.watchExits(exits::onExit);
    for (Container c : loaded) {
      ContainerRecord r = c.record();
      if (r.state().equals(ContainerRecord.State.EXITED)) {
        continue;
      }
      if (stateLost) {
        exits.rebooted(c);
        continue;
      }
      var exit = runtime.exitOf(r.id());
      if (exit.isPresent()) {
        exits.onExit(r.id(), exit.get());
        continue;
      }
      try {
        var rt = handlers.ociRuntime(r.metadata().runtimeHandler());
        var state = runtime.state(rt, r.id());
        if (state.isEmpty()) {
          exits.lost(c);
          continue;
        }
        if (state.get().status() == RuncState.Status.RUNNING
            && r.state().equals(ContainerRecord.State.CREATED)) {
          containers.save(c, r.started(nowNanos()));
        }
        runtime.watchMonitor(rt, r.id());
      } catch (IOException | IllegalArgumentException e) {
        LOG.warning(
            "event=container_recover_failed container="
                + r.id()
                + " error=\""
                + e.getMessage()
                + "\"");
      }
    }
    LOG.info("event=containers_recovered count=" + loaded.size());
  }
}
