package io.jcri.runtime.container;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.JsonNode;
import io.jcri.runtime.store.RecordJson;
import io.jcri.runtime.store.Registry;
import java.util.List;

/**
 * What jcri remembers of a container, persisted as JSON: what CreateContainer fixed ({@link
 * Metadata}, never changed) and what changes after ({@link Status}). {@code version} is the schema;
 * records of the first release (one flat object, no version) load as version 1.
 */
public record ContainerRecord(int version, Metadata metadata, Status status)
    implements Registry.Record {
  public static final int VERSION = 1;

  public enum State {
    CREATED,
    RUNNING,
    EXITED
  }

  /**
   * Fixed at creation. The CRI config is kept as protobuf bytes (base64); pid is the init process;
   * stopSignal is empty for SIGTERM.
   */
  public record Metadata(
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
      int pid,
      String logPath,
      String stopSignal,
      long uid,
      long gid,
      List<Long> supplementalGroups,
      String configBase64,
      List<String> volumeImageIds) {
    public Metadata {
      supplementalGroups = supplementalGroups == null ? List.of() : List.copyOf(supplementalGroups);
      volumeImageIds = volumeImageIds == null ? List.of() : List.copyOf(volumeImageIds);
    }
  }

  /**
   * The container's state and exit; resourcesBase64 holds the last UpdateContainerResources (null
   * before any).
   */
  public record Status(
      State state,
      long startedAtNanos,
      long finishedAtNanos,
      int exitCode,
      String reason,
      String message,
      String resourcesBase64) {
    static Status created() {
      return new Status(State.CREATED, 0, 0, 0, "", "", null);
    }
  }

  public ContainerRecord(Metadata metadata, Status status) {
    this(VERSION, metadata, status);
  }

  /** Reads a record of any schema version this jcrid knows. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static ContainerRecord fromJson(JsonNode json) {
    JsonNode m = RecordJson.part(json, "metadata", VERSION);
    JsonNode s = RecordJson.part(json, "status", VERSION);
    return new ContainerRecord(
        RecordJson.read(m, Metadata.class), RecordJson.read(s, Status.class));
  }

  @Override
  public String id() {
    return metadata.id();
  }

  @Override
  public String uniqueName() {
    return metadata.uniqueName();
  }

  public State state() {
    return status.state();
  }

  /** The resources last applied by UpdateContainerResources (protobuf, base64). */
  ContainerRecord withResources(String applied) {
    Status s = status;
    return new ContainerRecord(
        metadata,
        new Status(
            s.state(),
            s.startedAtNanos(),
            s.finishedAtNanos(),
            s.exitCode(),
            s.reason(),
            s.message(),
            applied));
  }

  ContainerRecord started(long at) {
    Status s = status;
    return new ContainerRecord(
        metadata,
        new Status(
            State.RUNNING,
            at,
            s.finishedAtNanos(),
            s.exitCode(),
            s.reason(),
            s.message(),
            s.resourcesBase64()));
  }

  ContainerRecord exited(long at, int code, String why, String text) {
    return new ContainerRecord(
        metadata,
        new Status(
            State.EXITED, status.startedAtNanos(), at, code, why, text, status.resourcesBase64()));
  }
}
