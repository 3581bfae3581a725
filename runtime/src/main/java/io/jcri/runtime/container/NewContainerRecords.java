package io.jcri.runtime.container;

import static io.jcri.sys.Timestamps.nowNanos;

import io.jcri.cri.v1.ContainerConfig;
import io.jcri.images.Image;
import io.jcri.images.ImageLease;
import io.jcri.runtime.monitor.CreatedContainer;
import io.jcri.runtime.monitor.OciRuntime;
import io.jcri.runtime.oci.OciSpec;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.sandbox.SandboxRecord;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/** What CreateContainer writes of a new container: its unique name, log path and first record. */
final class NewContainerRecords {
  private NewContainerRecords() {}

  /** name_podname_namespace_uid_attempt: the name kubelet's retry reserves again. */
  static String uniqueName(SandboxRecord pod, ContainerConfig config) {
    return config.getMetadata().getName()
        + "_"
        + pod.metadata().name()
        + "_"
        + pod.metadata().namespace()
        + "_"
        + pod.metadata().uid()
        + "_"
        + config.getMetadata().getAttempt();
  }

  /** The record of a container that runc has just created. */
  static ContainerRecord record(
      String id,
      Sandbox sandbox,
      ContainerConfig config,
      String imageRef,
      Image image,
      OciRuntime oci,
      CreatedContainer created,
      Path logPath,
      OciSpec spec,
      Map<Integer, ImageLease> volumes) {
    var user = spec.user();
    return new ContainerRecord(
        new ContainerRecord.Metadata(
            id,
            sandbox.id(),
            config.getMetadata().getName(),
            config.getMetadata().getAttempt(),
            uniqueName(sandbox.record(), config),
            imageRef,
            image.id(),
            imageRefOf(image),
            oci.handler(),
            nowNanos(),
            created.pid(),
            logPath.toString(),
            stopSignal(config, image.config().stopSignal()),
            user.uid(),
            user.gid(),
            user.supplementalGroups(),
            Base64.getEncoder().encodeToString(config.toByteArray()),
            volumes.values().stream().map(v -> v.image().id()).distinct().toList()),
        ContainerRecord.Status.created());
  }

  /**
   * The configured stop signal (as the CRI names it), else the image's STOPSIGNAL; empty means
   * SIGTERM.
   */
  private static String stopSignal(ContainerConfig config, String imageStopSignal) {
    if (config.getStopSignal() != io.jcri.cri.v1.Signal.RUNTIME_DEFAULT) {
      return config.getStopSignal().name();
    }
    return imageStopSignal == null ? "" : imageStopSignal;
  }

  /** log_path is relative and stays below the log directory (checked with the request). */
  static Path logPath(Sandbox sandbox, ContainerConfig config, Path bundle) {
    String dir = sandbox.config().getLogDirectory();
    if (dir.isEmpty() || config.getLogPath().isEmpty()) {
      return bundle.resolve("container.log");
    }
    return Path.of(dir).resolve(config.getLogPath()).normalize();
  }

  private static String imageRefOf(Image image) {
    return image.repoDigests().isEmpty() ? image.id() : image.repoDigests().get(0);
  }
}
