package io.jcri.runtime.server;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.*;
import io.jcri.runtime.container.Container;
import io.jcri.runtime.container.ContainerCreator;
import io.jcri.runtime.container.ContainerLifecycle;
import io.jcri.runtime.container.ContainerOperations;
import io.jcri.runtime.container.Containers;
import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.monitor.ExecResult;
import io.jcri.runtime.sandbox.Sandboxes;
import io.jcri.sys.Failure;
import java.util.List;

/**
 * The container RPCs (Create, Start, Stop, Remove, Status, List, Stream, ExecSync, UpdateResources,
 * ReopenLog, Checkpoint) and GetContainerEvents: check, call the container service, map.
 */
final class ContainerRpcs {
  private final ContainerCreator creator;
  private final ContainerLifecycle lifecycle;
  private final ContainerOperations operations;
  private final Containers containers;
  private final Sandboxes sandboxes;
  private final VerboseInfo verbose;
  private final LifecycleEvents events;

  ContainerRpcs(RuntimeServer.Lifecycle services, VerboseInfo verbose, LifecycleEvents events) {
    this.creator = services.creator();
    this.lifecycle = services.lifecycle();
    this.operations = services.operations();
    this.containers = services.containers();
    this.sandboxes = services.sandboxes();
    this.verbose = verbose;
    this.events = events;
  }

  void createContainer(
      CreateContainerRequest request, StreamObserver<CreateContainerResponse> out) {
    Rpc.answer(
        "CreateContainer",
        out,
        () -> {
          ContainerChecks.createContainer(request.getConfig(), request.getSandboxConfig());
          return CreateContainerResponse.newBuilder()
              .setContainerId(creator.create(request.getPodSandboxId(), request.getConfig()))
              .build();
        });
  }

  void startContainer(StartContainerRequest request, StreamObserver<StartContainerResponse> out) {
    Rpc.answer(
        "StartContainer",
        out,
        () -> {
          lifecycle.start(request.getContainerId());
          return StartContainerResponse.getDefaultInstance();
        });
  }

  void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> out) {
    Rpc.answer(
        "StopContainer",
        out,
        () -> {
          lifecycle.stop(request.getContainerId(), request.getTimeout());
          return StopContainerResponse.getDefaultInstance();
        });
  }

  void removeContainer(
      RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> out) {
    Rpc.answer(
        "RemoveContainer",
        out,
        () -> {
          lifecycle.remove(request.getContainerId());
          return RemoveContainerResponse.getDefaultInstance();
        });
  }

  void containerStatus(
      ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
    Rpc.answer(
        "ContainerStatus",
        out,
        () -> {
          Container c = containers.require(request.getContainerId());
          ContainerStatusResponse.Builder response =
              ContainerStatusResponse.newBuilder().setStatus(CriViews.containerStatus(c));
          if (request.getVerbose()) {
            response.putInfo("info", verbose.of(c));
          }
          return response.build();
        });
  }

  void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> out) {
    Rpc.answer(
        "ListContainers",
        out,
        () ->
            ListContainersResponse.newBuilder()
                .addAllContainers(containersMatching(request.getFilter()))
                .build());
  }

  void streamContainers(
      StreamContainersRequest request, StreamObserver<StreamContainersResponse> out) {
    Rpc.stream(
        "StreamContainers",
        out,
        containersMatching(request.getFilter()),
        chunk -> StreamContainersResponse.newBuilder().addAllContainers(chunk).build());
  }

  private List<io.jcri.cri.v1.Container> containersMatching(ContainerFilter f) {
    return containers.all().stream()
        .filter(CriFilters.containers(f.getId(), f.getPodSandboxId(), f.getLabelSelectorMap()))
        .filter(c -> !f.hasState() || CriViews.state(c.record()) == f.getState().getState())
        .map(CriViews::container)
        .toList();
  }

  void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> out) {
    Rpc.answer(
        "ExecSync",
        out,
        () -> {
          ExecResult r =
              operations.execSync(
                  request.getContainerId(), request.getCmdList(), request.getTimeout());
          return ExecSyncResponse.newBuilder()
              .setExitCode(r.exitCode())
              .setStdout(ByteString.copyFrom(r.stdout()))
              .setStderr(ByteString.copyFrom(r.stderr()))
              .build();
        });
  }

  void updateContainerResources(
      UpdateContainerResourcesRequest request,
      StreamObserver<UpdateContainerResourcesResponse> out) {
    Rpc.answer(
        "UpdateContainerResources",
        out,
        () -> {
          ResourceChecks.resources("linux", request.getLinux());
          operations.updateResources(request.getContainerId(), request.getLinux());
          return UpdateContainerResourcesResponse.getDefaultInstance();
        });
  }

  void reopenContainerLog(
      ReopenContainerLogRequest request, StreamObserver<ReopenContainerLogResponse> out) {
    Rpc.answer(
        "ReopenContainerLog",
        out,
        () -> {
          operations.reopenLog(request.getContainerId());
          return ReopenContainerLogResponse.getDefaultInstance();
        });
  }

  /**
   * Not offered: CRIU 3.17 (Debian 12) cannot checkpoint on kernels from 6.13 on ("Unexpected rt
   * vDSO area bounds", fixed upstream in CRIU 4.1). Saying so beats a checkpoint that always fails.
   */
  void checkpointContainer(
      CheckpointContainerRequest request, StreamObserver<CheckpointContainerResponse> out) {
    Rpc.answer(
        "CheckpointContainer",
        out,
        () -> {
          throw Failure.unimplemented(
              "CheckpointContainer is not supported by jcri: it needs "
                  + "CRIU >= 4.1 on this kernel (CRIU 3.17 fails with \"Unexpected rt vDSO area bounds\")");
        });
  }

  /**
   * A stream of lifecycle events until the client cancels; each carries the pod's status when it
   * happened. A subscriber that stops reading is cut off (see {@link EventStream}).
   */
  void getContainerEvents(GetEventsRequest request, StreamObserver<ContainerEventResponse> out) {
    EventStream stream =
        new EventStream((io.grpc.stub.ServerCallStreamObserver<ContainerEventResponse>) out);
    stream.start(events.subscribe(e -> stream.accept(eventResponse(e))));
  }

  private ContainerEventResponse eventResponse(LifecycleEvents.Event e) {
    ContainerEventResponse.Builder b =
        ContainerEventResponse.newBuilder()
            .setContainerId(e.containerId())
            .setContainerEventType(ContainerEventType.forNumber(e.kind().ordinal()))
            .setCreatedAt(e.atNanos());
    sandboxes
        .find(e.sandboxId())
        .ifPresent(
            s -> {
              b.setPodSandboxStatus(CriViews.podSandboxStatus(s));
              containers.all().stream()
                  .filter(c -> c.record().metadata().sandboxId().equals(s.id()))
                  .forEach(c -> b.addContainersStatuses(CriViews.containerStatus(c)));
            });
    return b.build();
  }
}
