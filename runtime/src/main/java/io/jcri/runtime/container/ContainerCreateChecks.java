package io.jcri.runtime.container;

import io.jcri.cri.v1.ContainerConfig;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.oci.PodUserNamespace;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.sys.Failure;

/**
 * CreateContainer's refusals that depend on the pod and the node (the handler's features, the pod's
 * user namespace), made before anything is created.
 */
final class ContainerCreateChecks {
  private ContainerCreateChecks() {}

  static void require(RuntimeHandlers handlers, Sandbox sandbox, ContainerConfig config) {
    requireFeatures(handlers, config, sandbox.record().metadata().runtimeHandler());
    PodUserNamespace.requireSameAsPod(
        config.getLinux().getSecurityContext().getNamespaceOptions(), sandbox.config());
    PodUserNamespace.requireMountMappings(
        config.getMountsList(),
        PodUserNamespace.podModeOptions(
            sandbox.config().getLinux().getSecurityContext().getNamespaceOptions()));
    if (sandbox.userNamespace().isPresent()) {
      PodUserNamespace.requireNoImageVolumes(config);
    }
  }

  /** A mount the handler cannot make as asked is refused before anything is created. */
  private static void requireFeatures(
      RuntimeHandlers handlers, ContainerConfig config, String handler) {
    for (int i = 0; i < config.getMountsCount(); i++) {
      if (config.getMounts(i).getRecursiveReadOnly()
          && !handlers.features(handler).recursiveReadOnlyMounts()) {
        throw Failure.invalid(
            "mounts["
                + i
                + "].recursive_read_only: runtime handler \""
                + handlers.canonical(handler)
                + "\" does not support recursive read-only mounts on this node (see RuntimeHandlerFeatures in Status)");
      }
    }
  }
}
