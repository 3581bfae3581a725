package io.jcri.runtime.server;

import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.*;
import io.jcri.runtime.sandbox.PodResources;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.sandbox.SandboxOrchestrator;
import io.jcri.runtime.sandbox.Sandboxes;
import io.jcri.sys.Timestamps;
import java.util.List;

/**
 * The pod sandbox RPCs (Run, Stop, Remove, Status, List, Stream, UpdateResources): check, call the
 * sandbox service, map.
 */
final class PodSandboxRpcs {
  private final SandboxOrchestrator pods;
  private final Sandboxes sandboxes;
  private final VerboseInfo verbose;
  private final PodResources podResources;

  PodSandboxRpcs(RuntimeServer.Lifecycle services, VerboseInfo verbose, PodResources podResources) {
    this.pods = services.pods();
    this.sandboxes = services.sandboxes();
    this.verbose = verbose;
    this.podResources = podResources;
  }

  void runPodSandbox(RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> out) {
    Rpc.answer(
        "RunPodSandbox",
        out,
        () -> {
          PodSandboxChecks.runPodSandbox(request.getConfig(), PodSandboxChecks.KERNEL_SYSCTLS);
          return RunPodSandboxResponse.newBuilder()
              .setPodSandboxId(pods.run(request.getConfig(), request.getRuntimeHandler()))
              .build();
        });
  }

  void stopPodSandbox(StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> out) {
    Rpc.answer(
        "StopPodSandbox",
        out,
        () -> {
          pods.stop(request.getPodSandboxId());
          return StopPodSandboxResponse.getDefaultInstance();
        });
  }

  void removePodSandbox(
      RemovePodSandboxRequest request, StreamObserver<RemovePodSandboxResponse> out) {
    Rpc.answer(
        "RemovePodSandbox",
        out,
        () -> {
          pods.remove(request.getPodSandboxId());
          return RemovePodSandboxResponse.getDefaultInstance();
        });
  }

  void podSandboxStatus(
      PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> out) {
    Rpc.answer(
        "PodSandboxStatus",
        out,
        () -> {
          Sandbox s = sandboxes.require(request.getPodSandboxId());
          PodSandboxStatusResponse.Builder response =
              PodSandboxStatusResponse.newBuilder()
                  .setStatus(CriViews.podSandboxStatus(s))
                  .setTimestamp(Timestamps.nowNanos());
          if (request.getVerbose()) {
            response.putInfo("info", verbose.of(s));
            podResources.recorded(s.id()).ifPresent(r -> response.putInfo("resources", r));
          }
          return response.build();
        });
  }

  void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> out) {
    Rpc.answer(
        "ListPodSandbox",
        out,
        () ->
            ListPodSandboxResponse.newBuilder()
                .addAllItems(sandboxesMatching(request.getFilter()))
                .build());
  }

  void streamPodSandboxes(
      StreamPodSandboxesRequest request, StreamObserver<StreamPodSandboxesResponse> out) {
    Rpc.stream(
        "StreamPodSandboxes",
        out,
        sandboxesMatching(request.getFilter()),
        chunk -> StreamPodSandboxesResponse.newBuilder().addAllPodSandboxes(chunk).build());
  }

  private List<PodSandbox> sandboxesMatching(PodSandboxFilter f) {
    return sandboxes.all().stream()
        .filter(CriFilters.pods(f.getId(), f.getLabelSelectorMap()))
        .filter(s -> !f.hasState() || CriViews.state(s) == f.getState().getState())
        .map(CriViews::podSandbox)
        .toList();
  }

  /** In-place pod resize: {@link PodResources} sets the pod cgroup's limits and records them. */
  void updatePodSandboxResources(
      UpdatePodSandboxResourcesRequest request,
      StreamObserver<UpdatePodSandboxResourcesResponse> out) {
    Rpc.answer(
        "UpdatePodSandboxResources",
        out,
        () -> {
          Sandbox s = sandboxes.require(request.getPodSandboxId());
          PodResources.validate(request);
          podResources.update(
              s.id(),
              s.record().metadata().cgroupParent(),
              request.getOverhead(),
              request.getResources());
          return UpdatePodSandboxResourcesResponse.getDefaultInstance();
        });
  }
}
