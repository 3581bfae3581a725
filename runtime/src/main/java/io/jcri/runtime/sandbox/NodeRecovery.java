package io.jcri.runtime.sandbox;

import io.jcri.runtime.container.ContainerExits;
import io.jcri.runtime.container.ContainerRecovery;
import io.jcri.runtime.container.Containers;
import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.store.Layout;
import io.jcri.runtime.store.NodeBoot;
import io.jcri.sys.MountInfo;
import io.jcri.sys.Namespaces;
import java.io.IOException;
import java.util.List;

/**
 * Start-up of every recorded object, in order: the boot check ({@link NodeBoot}), the sandboxes,
 * the infra exits routed to {@link InfraExits}, the containers (which start the exit watch), then
 * this boot recorded with the state.
 */
public final class NodeRecovery {
  private final Layout layout;
  private final Sandboxes sandboxes;
  private final Containers containers;
  private final ContainerExits exits;
  private final RuntimeHandlers handlers;
  private final ContainerRuntime runtime;
  private final PodNetworking network;
  private final LifecycleEvents events;

  public NodeRecovery(
      Layout layout,
      Sandboxes sandboxes,
      Containers containers,
      ContainerExits exits,
      RuntimeHandlers handlers,
      ContainerRuntime runtime,
      PodNetworking network,
      LifecycleEvents events) {
    this.layout = layout;
    this.sandboxes = sandboxes;
    this.containers = containers;
    this.exits = exits;
    this.handlers = handlers;
    this.runtime = runtime;
    this.network = network;
    this.events = events;
  }

  public void recover() throws IOException {
    NodeBoot boot = NodeBoot.of(layout);
    List<MountInfo> mounts = MountInfo.ofSelf();
    new SandboxRecovery(
            sandboxes,
            handlers,
            runtime,
            new PodNetworks(sandboxes, network),
            events,
            pin -> Namespaces.isPinned(pin, mounts))
        .recover(boot.stateLost());
    exits.forOtherExits(new InfraExits(sandboxes, events)::onExit);
    new ContainerRecovery(containers, exits, handlers, runtime).recover(boot.stateLost());
    boot.record();
  }
}
