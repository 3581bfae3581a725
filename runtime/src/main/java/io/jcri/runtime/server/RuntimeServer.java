package io.jcri.runtime.server;

import io.grpc.stub.StreamObserver;
import io.jcri.cni.CniManager;
import io.jcri.cri.v1.*;
import io.jcri.runtime.config.JcriConfig;
import io.jcri.runtime.container.ContainerCreator;
import io.jcri.runtime.container.ContainerLifecycle;
import io.jcri.runtime.container.ContainerOperations;
import io.jcri.runtime.container.Containers;
import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.sandbox.PodResources;
import io.jcri.runtime.sandbox.SandboxOrchestrator;
import io.jcri.runtime.sandbox.Sandboxes;
import io.jcri.runtime.store.Layout;
import io.jcri.runtime.streaming.StreamingServer;
import java.nio.file.Path;

/**
 * The CRI RuntimeService edge: hands each RPC to the method of the same name in the class of its
 * concern ({@link PodSandboxRpcs}, {@link ContainerRpcs}, {@link StatsRpcs}, {@link StreamingRpcs},
 * {@link DaemonRpcs}). RPCs not overridden here answer UNIMPLEMENTED, naming the method.
 */
public final class RuntimeServer extends RuntimeServiceGrpc.RuntimeServiceImplBase {
  private final PodSandboxRpcs pods;
  private final ContainerRpcs containers;
  private final StatsRpcs stats;
  private final StreamingRpcs streams;
  private final DaemonRpcs daemon;

  /** The lifecycle classes the RPCs call: each RPC's code is the method of its name there. */
  public record Lifecycle(
      SandboxOrchestrator pods,
      Sandboxes sandboxes,
      ContainerCreator creator,
      ContainerLifecycle lifecycle,
      ContainerOperations operations,
      Containers containers) {}

  public RuntimeServer(
      JcriConfig config,
      RuntimeHandlers handlers,
      CniManager network,
      Lifecycle services,
      Layout layout,
      StreamingServer streaming,
      LifecycleEvents events,
      PodStats stats) {
    VerboseInfo verbose = new VerboseInfo(layout);
    this.pods =
        new PodSandboxRpcs(
            services,
            verbose,
            new PodResources(layout, Path.of("/sys/fs/cgroup"), config.cgroupDriver()));
    this.containers = new ContainerRpcs(services, verbose, events);
    this.stats = new StatsRpcs(stats, services.containers(), services.sandboxes());
    this.streams = new StreamingRpcs(streaming, services.containers(), services.sandboxes());
    this.daemon = new DaemonRpcs(config, handlers, network);
  }

  @Override
  public void runPodSandbox(
      RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> out) {
    pods.runPodSandbox(request, out);
  }

  @Override
  public void stopPodSandbox(
      StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> out) {
    pods.stopPodSandbox(request, out);
  }

  @Override
  public void removePodSandbox(
      RemovePodSandboxRequest request, StreamObserver<RemovePodSandboxResponse> out) {
    pods.removePodSandbox(request, out);
  }

  @Override
  public void podSandboxStatus(
      PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> out) {
    pods.podSandboxStatus(request, out);
  }

  @Override
  public void listPodSandbox(
      ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> out) {
    pods.listPodSandbox(request, out);
  }

  @Override
  public void streamPodSandboxes(
      StreamPodSandboxesRequest request, StreamObserver<StreamPodSandboxesResponse> out) {
    pods.streamPodSandboxes(request, out);
  }

  @Override
  public void updatePodSandboxResources(
      UpdatePodSandboxResourcesRequest request,
      StreamObserver<UpdatePodSandboxResourcesResponse> out) {
    pods.updatePodSandboxResources(request, out);
  }

  @Override
  public void createContainer(
      CreateContainerRequest request, StreamObserver<CreateContainerResponse> out) {
    containers.createContainer(request, out);
  }

  @Override
  public void startContainer(
      StartContainerRequest request, StreamObserver<StartContainerResponse> out) {
    containers.startContainer(request, out);
  }

  @Override
  public void stopContainer(
      StopContainerRequest request, StreamObserver<StopContainerResponse> out) {
    containers.stopContainer(request, out);
  }

  @Override
  public void removeContainer(
      RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> out) {
    containers.removeContainer(request, out);
  }

  @Override
  public void containerStatus(
      ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
    containers.containerStatus(request, out);
  }

  @Override
  public void listContainers(
      ListContainersRequest request, StreamObserver<ListContainersResponse> out) {
    containers.listContainers(request, out);
  }

  @Override
  public void streamContainers(
      StreamContainersRequest request, StreamObserver<StreamContainersResponse> out) {
    containers.streamContainers(request, out);
  }

  @Override
  public void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> out) {
    containers.execSync(request, out);
  }

  @Override
  public void updateContainerResources(
      UpdateContainerResourcesRequest request,
      StreamObserver<UpdateContainerResourcesResponse> out) {
    containers.updateContainerResources(request, out);
  }

  @Override
  public void reopenContainerLog(
      ReopenContainerLogRequest request, StreamObserver<ReopenContainerLogResponse> out) {
    containers.reopenContainerLog(request, out);
  }

  @Override
  public void checkpointContainer(
      CheckpointContainerRequest request, StreamObserver<CheckpointContainerResponse> out) {
    containers.checkpointContainer(request, out);
  }

  @Override
  public void getContainerEvents(
      GetEventsRequest request, StreamObserver<ContainerEventResponse> out) {
    containers.getContainerEvents(request, out);
  }

  @Override
  public void containerStats(
      ContainerStatsRequest request, StreamObserver<ContainerStatsResponse> out) {
    stats.containerStats(request, out);
  }

  @Override
  public void listContainerStats(
      ListContainerStatsRequest request, StreamObserver<ListContainerStatsResponse> out) {
    stats.listContainerStats(request, out);
  }

  @Override
  public void streamContainerStats(
      StreamContainerStatsRequest request, StreamObserver<StreamContainerStatsResponse> out) {
    stats.streamContainerStats(request, out);
  }

  @Override
  public void podSandboxStats(
      PodSandboxStatsRequest request, StreamObserver<PodSandboxStatsResponse> out) {
    stats.podSandboxStats(request, out);
  }

  @Override
  public void listPodSandboxStats(
      ListPodSandboxStatsRequest request, StreamObserver<ListPodSandboxStatsResponse> out) {
    stats.listPodSandboxStats(request, out);
  }

  @Override
  public void streamPodSandboxStats(
      StreamPodSandboxStatsRequest request, StreamObserver<StreamPodSandboxStatsResponse> out) {
    stats.streamPodSandboxStats(request, out);
  }

  @Override
  public void listMetricDescriptors(
      ListMetricDescriptorsRequest request, StreamObserver<ListMetricDescriptorsResponse> out) {
    stats.listMetricDescriptors(request, out);
  }

  @Override
  public void listPodSandboxMetrics(
      ListPodSandboxMetricsRequest request, StreamObserver<ListPodSandboxMetricsResponse> out) {
    stats.listPodSandboxMetrics(request, out);
  }

  @Override
  public void streamPodSandboxMetrics(
      StreamPodSandboxMetricsRequest request, StreamObserver<StreamPodSandboxMetricsResponse> out) {
    stats.streamPodSandboxMetrics(request, out);
  }

  @Override
  public void exec(ExecRequest request, StreamObserver<ExecResponse> out) {
    streams.exec(request, out);
  }

  @Override
  public void attach(AttachRequest request, StreamObserver<AttachResponse> out) {
    streams.attach(request, out);
  }

  @Override
  public void portForward(PortForwardRequest request, StreamObserver<PortForwardResponse> out) {
    streams.portForward(request, out);
  }

  @Override
  public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
    DaemonRpcs.version(request, out);
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    daemon.status(request, out);
  }

  @Override
  public void runtimeConfig(
      RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> out) {
    daemon.runtimeConfig(request, out);
  }

  @Override
  public void updateRuntimeConfig(
      UpdateRuntimeConfigRequest request, StreamObserver<UpdateRuntimeConfigResponse> out) {
    daemon.updateRuntimeConfig(request, out);
  }
}
