package io.jcri.runtime.sandbox;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.databind.JsonNode;
import io.jcri.runtime.store.RecordJson;
import io.jcri.runtime.store.Registry;
import java.util.List;

/**
 * What jcri remembers of a pod sandbox, persisted as JSON: what RunPodSandbox fixed ({@link
 * Metadata}: the pod's identity, namespaces and files, its CRI config as protobuf bytes in base64)
 * and what changes after ({@link Status}). {@code version} is the schema; records of the first
 * release (one flat object, {@code ready} a boolean) load as version 1.
 */
public record SandboxRecord(int version, Metadata metadata, Status status)
    implements Registry.Record {
  public static final int VERSION = 1;

  /**
   * CREATING: RunPodSandbox wrote its intent and has not finished; after a crash the start-up sweep
   * rolls such a pod back. Reported as NOTREADY.
   */
  public enum State {
    READY,
    NOTREADY,
    CREATING
  }

  /**
   * Fixed at creation; an empty path is a namespace or file the pod shares with the host.
   * usernsPath pins the pod's own user namespace (userns_options mode POD), empty in the node's.
   */
  public record Metadata(
      String id,
      String name,
      String namespace,
      String uid,
      int attempt,
      String runtimeHandler,
      long createdAtNanos,
      boolean hostNetwork,
      boolean hostIpc,
      boolean hostPid,
      String netnsPath,
      String ipcNsPath,
      String utsNsPath,
      String shmPath,
      String resolvConf,
      String hostnameFile,
      String hostname,
      String cgroupParent,
      String configBase64,
      String usernsPath) {
    public Metadata {
      usernsPath = usernsPath == null ? "" : usernsPath; // records written before user namespaces
    }
  }

  /**
   * Readiness, the network attachment (kept after CNI DEL for status) and the infra process, if
   * any.
   */
  public record Status(
      State state,
      String ip,
      List<String> additionalIps,
      String cniResult,
      boolean networkAttached,
      String infraContainerId,
      int infraPid) {
    public Status {
      additionalIps = additionalIps == null ? List.of() : List.copyOf(additionalIps);
    }

    static Status creating() {
      return new Status(State.CREATING, "", List.of(), "", false, "", 0);
    }
  }

  public SandboxRecord(Metadata metadata, Status status) {
    this(VERSION, metadata, status);
  }

  /** Reads a record of any schema version this jcrid knows. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static SandboxRecord fromJson(JsonNode json) {
    JsonNode m = RecordJson.part(json, "metadata", VERSION);
    Status s = RecordJson.read(RecordJson.part(json, "status", VERSION), Status.class);
    if (!json.has("version")) {
      s =
          new Status(
              json.path("ready").asBoolean() ? State.READY : State.NOTREADY,
              s.ip(),
              s.additionalIps(),
              s.cniResult(),
              s.networkAttached(),
              s.infraContainerId(),
              s.infraPid());
    }
    return new SandboxRecord(RecordJson.read(m, Metadata.class), s);
  }

  @Override
  public String id() {
    return metadata.id();
  }

  @Override
  public String uniqueName() {
    return uniqueName(metadata.name(), metadata.namespace(), metadata.uid(), metadata.attempt());
  }

  public boolean ready() {
    return status.state() == State.READY;
  }

  /** RunPodSandbox has not finished it (a crash interrupted it, unless it is running now). */
  public boolean creating() {
    return status.state() == State.CREATING;
  }

  SandboxRecord withReady(boolean r) {
    Status s = status;
    return new SandboxRecord(
        metadata,
        new Status(
            r ? State.READY : State.NOTREADY,
            s.ip(),
            s.additionalIps(),
            s.cniResult(),
            s.networkAttached(),
            s.infraContainerId(),
            s.infraPid()));
  }

  SandboxRecord withNetwork(
      String newIp, List<String> newAdditional, String result, boolean attached) {
    Status s = status;
    return new SandboxRecord(
        metadata,
        new Status(
            s.state(), newIp, newAdditional, result, attached, s.infraContainerId(), s.infraPid()));
  }

  SandboxRecord withInfra(String containerId, int pid) {
    Status s = status;
    return new SandboxRecord(
        metadata,
        new Status(
            s.state(),
            s.ip(),
            s.additionalIps(),
            s.cniResult(),
            s.networkAttached(),
            containerId,
            pid));
  }

  /** The unique name kubelet uses for a pod attempt. */
  static String uniqueName(String name, String namespace, String uid, int attempt) {
    return name + "_" + namespace + "_" + uid + "_" + attempt;
  }
}
