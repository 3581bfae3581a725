package io.jcri.runtime.container;

import io.jcri.runtime.store.Registry;
import java.util.List;

/**
 * What jcri remembers of a container, persisted as JSON; the CRI config is kept as protobuf
 * bytes (base64), as are the resources of the last UpdateContainerResources (null before any).
 * {@code state} is one of CREATED, RUNNING, EXITED.
 */
public record ContainerRecord(
    String id,
    String sandboxId,
    String name,
    int attempt,
    String uniqueName,
    String imageName,
    String imageId,
    String imageRef,
    String runtimeHandler,
    long createdAtNanos,
    long startedAtNanos,
    long finishedAtNanos,
    String state,
    int exitCode,
    String reason,
    String message,
    int pid,
    String logPath,
    String stopSignal,
    long uid,
    long gid,
    List<Long> supplementalGroups,
    String configBase64,
    String resourcesBase64,
    List<String> volumeImageIds) implements Registry.Record {

  public static final String CREATED = "CREATED";
  public static final String RUNNING = "RUNNING";
  public static final String EXITED = "EXITED";

  public ContainerRecord {
    supplementalGroups = supplementalGroups == null ? List.of() : List.copyOf(supplementalGroups);
    volumeImageIds = volumeImageIds == null ? List.of() : List.copyOf(volumeImageIds);
  }

  /** The resources last applied by UpdateContainerResources (protobuf, base64). */
  ContainerRecord withResources(String applied) {
    return new ContainerRecord(id, sandboxId, name, attempt, uniqueName, imageName, imageId, imageRef, runtimeHandler,
        createdAtNanos, startedAtNanos, finishedAtNanos, state, exitCode, reason, message, pid, logPath, stopSignal, uid,
        gid, supplementalGroups, configBase64, applied, volumeImageIds);
  }

  ContainerRecord started(long at) {
    return new ContainerRecord(id, sandboxId, name, attempt, uniqueName, imageName, imageId, imageRef, runtimeHandler,
        createdAtNanos, at, finishedAtNanos, RUNNING, exitCode, reason, message, pid, logPath, stopSignal, uid, gid,
        supplementalGroups, configBase64, resourcesBase64, volumeImageIds);
  }

  ContainerRecord exited(long at, int code, String why, String text) {
    return new ContainerRecord(id, sandboxId, name, attempt, uniqueName, imageName, imageId, imageRef, runtimeHandler,
        createdAtNanos, startedAtNanos, at, EXITED, code, why, text, pid, logPath, stopSignal, uid, gid,
        supplementalGroups, configBase64, resourcesBase64, volumeImageIds);
  }
}
