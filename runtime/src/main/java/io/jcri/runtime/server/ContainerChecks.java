package io.jcri.runtime.server;

import static io.jcri.runtime.server.Fields.absolute;
import static io.jcri.runtime.server.Fields.invalid;
import static io.jcri.runtime.server.Fields.quoted;
import static io.jcri.runtime.server.Fields.relativeInside;
import static io.jcri.runtime.server.Fields.required;

import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.Device;
import io.jcri.cri.v1.KeyValue;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.runtime.oci.PodUserNamespace;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CreateContainer: the request alone, checked against the CRI's rules before anything is looked up
 * or created (its resources by {@link ResourceChecks}, its security context by {@link
 * SecurityContextChecks}). Fields are named relative to the request's {@code config}.
 */
final class ContainerChecks {
  private ContainerChecks() {}

  /**
   * sandboxConfig is the request's copy of the pod's config: a mount's ID mappings must be the
   * pod's user namespace mappings (the container's own userns_options, else the pod's).
   */
  static void createContainer(ContainerConfig config, PodSandboxConfig sandboxConfig) {
    required("metadata.name", config.getMetadata().getName());
    ImageChecks.reference("image.image", config.getImage().getImage());
    if (!config.getWorkingDir().isEmpty()) {
      absolute("working_dir", config.getWorkingDir());
    }
    for (int i = 0; i < config.getEnvsCount(); i++) {
      KeyValue env = config.getEnvs(i);
      if (env.getKey().isEmpty()
          || env.getKey().indexOf('=') >= 0
          || env.getKey().indexOf('\0') >= 0) {
        throw invalid(
            "envs[" + i + "].key", quoted(env.getKey()) + " must be non-empty without '=' or NUL");
      }
    }
    mounts(config.getMountsList());
    var own =
        PodUserNamespace.podModeOptions(
            config.getLinux().getSecurityContext().getNamespaceOptions());
    PodUserNamespace.requireMountMappings(
        config.getMountsList(),
        own.isPresent()
            ? own
            : PodUserNamespace.podModeOptions(
                sandboxConfig.getLinux().getSecurityContext().getNamespaceOptions()));
    for (int i = 0; i < config.getDevicesCount(); i++) {
      Device d = config.getDevices(i);
      absolute("devices[" + i + "].host_path", d.getHostPath());
      if (!d.getContainerPath().isEmpty()) {
        absolute("devices[" + i + "].container_path", d.getContainerPath());
      }
      if (!d.getPermissions().isEmpty() && !d.getPermissions().matches("[rwm]{1,3}")) {
        throw invalid(
            "devices[" + i + "].permissions",
            quoted(d.getPermissions()) + " must be made of r, w and m");
      }
    }
    if (!config.getLogPath().isEmpty()) {
      relativeInside("log_path", config.getLogPath());
    }
    if (config.getStopSignal() == io.jcri.cri.v1.Signal.UNRECOGNIZED) {
      throw invalid("stop_signal", config.getStopSignalValue() + " is not a signal of the CRI");
    }
    ResourceChecks.resources("linux.resources", config.getLinux().getResources());
    SecurityContextChecks.container(
        "linux.security_context", config.getLinux().getSecurityContext());
  }

  private static void mounts(List<Mount> mounts) {
    Map<Path, Integer> seen = new HashMap<>();
    for (int i = 0; i < mounts.size(); i++) {
      Mount m = mounts.get(i);
      String field = "mounts[" + i + "]";
      absolute(field + ".container_path", m.getContainerPath());
      if (!m.hasImage() || m.getImage().getImage().isEmpty()) {
        absolute(field + ".host_path", m.getHostPath());
      }
      if (m.getPropagation() == io.jcri.cri.v1.MountPropagation.UNRECOGNIZED) {
        throw invalid(
            field + ".propagation",
            m.getPropagationValue() + " is not a mount propagation of the CRI");
      }
      if (m.getRecursiveReadOnly() && !m.getReadonly()) {
        throw invalid(field + ".recursive_read_only", "needs readonly set as well");
      }
      if (m.getRecursiveReadOnly()
          && m.getPropagation() != io.jcri.cri.v1.MountPropagation.PROPAGATION_PRIVATE) {
        throw invalid(
            field + ".recursive_read_only",
            "needs propagation PROPAGATION_PRIVATE, not " + m.getPropagation());
      }
      Integer earlier = seen.putIfAbsent(Path.of(m.getContainerPath()).normalize(), i);
      if (earlier != null) {
        throw invalid(
            field + ".container_path",
            quoted(m.getContainerPath()) + " is also the destination of mounts[" + earlier + "]");
      }
    }
  }
}
