package io.jcri.runtime.server;

import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.*;
import io.jcri.runtime.container.Containers;
import io.jcri.runtime.sandbox.Sandboxes;
import java.util.List;

/** The statistics and metrics RPCs of containers and pods. */
final class StatsRpcs {
  private final PodStats stats;
  private final Containers containers;
  private final Sandboxes sandboxes;
  private final CriMetrics criMetrics;

  StatsRpcs(PodStats stats, Containers containers, Sandboxes sandboxes) {
    this.stats = stats;
    this.containers = containers;
    this.sandboxes = sandboxes;
    this.criMetrics = new CriMetrics(sandboxes, containers, stats);
  }

  void containerStats(ContainerStatsRequest request, StreamObserver<ContainerStatsResponse> out) {
    Rpc.answer(
        "ContainerStats",
        out,
        () ->
            ContainerStatsResponse.newBuilder()
                .setStats(stats.container(containers.require(request.getContainerId())))
                .build());
  }

  void listContainerStats(
      ListContainerStatsRequest request, StreamObserver<ListContainerStatsResponse> out) {
    Rpc.answer(
        "ListContainerStats",
        out,
        () ->
            ListContainerStatsResponse.newBuilder()
                .addAllStats(containerStatsMatching(request.getFilter()))
                .build());
  }

  void streamContainerStats(
      StreamContainerStatsRequest request, StreamObserver<StreamContainerStatsResponse> out) {
    Rpc.stream(
        "StreamContainerStats",
        out,
        containerStatsMatching(request.getFilter()),
        chunk -> StreamContainerStatsResponse.newBuilder().addAllContainerStats(chunk).build());
  }

  private List<io.jcri.cri.v1.ContainerStats> containerStatsMatching(ContainerStatsFilter f) {
    return containers.all().stream()
        .filter(CriFilters.containers(f.getId(), f.getPodSandboxId(), f.getLabelSelectorMap()))
        .map(stats::container)
        .toList();
  }

  void podSandboxStats(
      PodSandboxStatsRequest request, StreamObserver<PodSandboxStatsResponse> out) {
    Rpc.answer(
        "PodSandboxStats",
        out,
        () ->
            PodSandboxStatsResponse.newBuilder()
                .setStats(stats.pod(sandboxes.require(request.getPodSandboxId())))
                .build());
  }

  void listPodSandboxStats(
      ListPodSandboxStatsRequest request, StreamObserver<ListPodSandboxStatsResponse> out) {
    Rpc.answer(
        "ListPodSandboxStats",
        out,
        () ->
            ListPodSandboxStatsResponse.newBuilder()
                .addAllStats(podStatsMatching(request.getFilter()))
                .build());
  }

  void streamPodSandboxStats(
      StreamPodSandboxStatsRequest request, StreamObserver<StreamPodSandboxStatsResponse> out) {
    Rpc.stream(
        "StreamPodSandboxStats",
        out,
        podStatsMatching(request.getFilter()),
        chunk -> StreamPodSandboxStatsResponse.newBuilder().addAllPodSandboxStats(chunk).build());
  }

  private List<io.jcri.cri.v1.PodSandboxStats> podStatsMatching(PodSandboxStatsFilter f) {
    return sandboxes.all().stream()
        .filter(CriFilters.pods(f.getId(), f.getLabelSelectorMap()))
        .map(stats::pod)
        .toList();
  }

  /** The cAdvisor-named metrics of {@link CriMetrics}. */
  void listMetricDescriptors(
      ListMetricDescriptorsRequest request, StreamObserver<ListMetricDescriptorsResponse> out) {
    Rpc.answer(
        "ListMetricDescriptors",
        out,
        () ->
            ListMetricDescriptorsResponse.newBuilder()
                .addAllDescriptors(CriMetrics.descriptors())
                .build());
  }

  void listPodSandboxMetrics(
      ListPodSandboxMetricsRequest request, StreamObserver<ListPodSandboxMetricsResponse> out) {
    Rpc.answer(
        "ListPodSandboxMetrics",
        out,
        () ->
            ListPodSandboxMetricsResponse.newBuilder().addAllPodMetrics(criMetrics.all()).build());
  }

  void streamPodSandboxMetrics(
      StreamPodSandboxMetricsRequest request, StreamObserver<StreamPodSandboxMetricsResponse> out) {
    Rpc.stream(
        "StreamPodSandboxMetrics",
        out,
        criMetrics.all(),
        chunk ->
            StreamPodSandboxMetricsResponse.newBuilder().addAllPodSandboxMetrics(chunk).build());
  }
}
