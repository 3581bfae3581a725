package io.jcri.runtime.sandbox;

import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.monitor.RuncState;
import io.jcri.runtime.node.RuntimeHandlers;
import java.io.IOException;
import java.util.logging.Logger;

/**
 * Start-up: reloads the sandbox records; a pod whose infra process died while jcrid was down
 * becomes NOTREADY.
 */
public final class SandboxRecovery {
  private static final Logger LOG = Logger.getLogger(SandboxRecovery.class.getName());

  private final Sandboxes sandboxes;
  private final RuntimeHandlers handlers;
  private final ContainerRuntime runtime;

  public SandboxRecovery(Sandboxes sandboxes, RuntimeHandlers handlers, ContainerRuntime runtime) {
    this.sandboxes = sandboxes;
    this.handlers = handlers;
    this.runtime = runtime;
  }

  public void recover() throws IOException {
    for (Sandbox sandbox : sandboxes.load()) {
      SandboxRecord r = sandbox.record();
      if (r.ready() && !r.status().infraContainerId().isEmpty()) {
        boolean alive;
        try {
          alive =
              runtime
                  .state(
                      handlers.ociRuntime(r.metadata().runtimeHandler()),
                      r.status().infraContainerId())
                  .map(s -> s.status() == RuncState.Status.RUNNING)
                  .orElse(false);
        } catch (IOException | IllegalArgumentException e) {
          alive = false;
        }
        if (!alive) {
          sandboxes.save(sandbox, r.withReady(false));
          LOG.info("event=sandbox_infra_gone sandbox=" + r.id());
        }
      }
      LOG.info("event=sandbox_recovered sandbox=" + r.id() + " ready=" + sandbox.ready());
    }
  }
}
