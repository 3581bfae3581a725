package io.jcri.runtime.sandbox;

import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.monitor.Exit;
import java.util.logging.Logger;

/**
 * While jcrid runs: the infra process of a pod (its shared PID namespace) exited, or its conmon
 * died, so the pod's PID namespace is gone: the pod becomes NOTREADY at once, with a STOPPED event,
 * and no container is created in it after that.
 */
public final class InfraExits {
  private static final Logger LOG = Logger.getLogger(InfraExits.class.getName());

  private final Sandboxes sandboxes;
  private final LifecycleEvents events;

  public InfraExits(Sandboxes sandboxes, LifecycleEvents events) {
    this.sandboxes = sandboxes;
    this.events = events;
  }

  /**
   * An exit of an ID that is no container: if it is a pod's infra, the pod is no longer ready. The
   * pod's lock is taken on a thread of its own, so a StopPodSandbox holding it (whose infra stop
   * caused this exit) never holds back the exit watcher.
   */
  public void onExit(String id, Exit exit) {
    for (Sandbox sandbox : sandboxes.all()) {
      if (id.equals(sandbox.record().status().infraContainerId())) {
        Thread.ofVirtual().name("infra-exit-" + sandbox.id()).start(() -> died(sandbox, id, exit));
        return;
      }
    }
  }

  private void died(Sandbox sandbox, String id, Exit exit) {
    sandbox.lock().lock();
    try {
      if (sandbox.ready()) {
        sandboxes.save(sandbox, sandbox.record().withReady(false));
        events.publish(sandbox.id(), sandbox.id(), LifecycleEvents.Kind.STOPPED);
        LOG.warning(
            "event=sandbox_infra_died sandbox="
                + sandbox.id()
                + " infra="
                + id
                + " exit_code="
                + exit.code()
                + " conmon_died="
                + exit.monitorDied());
      }
    } finally {
      sandbox.lock().unlock();
    }
  }
}
