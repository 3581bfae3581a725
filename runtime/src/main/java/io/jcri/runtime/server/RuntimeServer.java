package io.jcri.runtime.server;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.*;
import io.jcri.runtime.container.Container;
import io.jcri.runtime.container.ContainerService;
import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.monitor.ExecResult;
import io.jcri.runtime.sandbox.PodResources;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.sandbox.SandboxService;
import io.jcri.runtime.store.Steps;
import io.jcri.runtime.streaming.StreamRequests;
import io.jcri.runtime.streaming.StreamingServer;
import java.nio.file.Path;
import java.util.List;
import io.jcri.cni.CniManager;
import io.jcri.cri.v1.CgroupDriver;
import io.jcri.cri.v1.LinuxRuntimeConfiguration;
import io.jcri.cri.v1.RuntimeCondition;
import io.jcri.cri.v1.RuntimeConfigRequest;
import io.jcri.cri.v1.RuntimeConfigResponse;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.RuntimeStatus;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.StatusResponse;
import io.jcri.cri.v1.UpdateRuntimeConfigRequest;
import io.jcri.cri.v1.UpdateRuntimeConfigResponse;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import io.jcri.runtime.JcriVersion;
import io.jcri.runtime.config.JcriConfig;
import io.jcri.runtime.node.HandlerFeatures;
import io.jcri.runtime.node.RuntimeHandlers;
import java.util.logging.Logger;

/**
 * The CRI RuntimeService edge: each RPC validates, calls one service and maps the answer.
 * RPCs not overridden here answer UNIMPLEMENTED, naming the method.
 */
public final class RuntimeServer extends RuntimeServiceGrpc.RuntimeServiceImplBase {
  private static final Logger LOG = Logger.getLogger(RuntimeServer.class.getName());

  private final JcriConfig config;
  private final RuntimeHandlers handlers;
  private final CniManager network;
  private final SandboxService sandboxes;
  private final ContainerService containers;
  private final StreamingServer streaming;
  private final PodStats stats;
  private final LifecycleEvents events;
  private final ConfigReport configReport;
  private final CriMetrics criMetrics;
  private final PodResources podResources;

  public RuntimeServer(JcriConfig config, RuntimeHandlers handlers, CniManager network, SandboxService sandboxes,
      ContainerService containers, StreamingServer streaming, LifecycleEvents events, PodStats stats) {
    this.events = events;
    this.streaming = streaming;
    this.stats = stats;
    this.config = config;
    this.handlers = handlers;
    this.network = network;
    this.sandboxes = sandboxes;
    this.containers = containers;
    this.configReport = new ConfigReport(config);
    this.criMetrics = new CriMetrics(sandboxes, containers, stats);
    this.podResources = new PodResources(config.root().resolve("sandboxes"), Path.of("/sys/fs/cgroup"),
        config.cgroupDriver());
  }

  // ---- pod sandboxes ----

  @Override
  public void runPodSandbox(RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> out) {
    Rpc.answer("RunPodSandbox", out, () -> {
      PodSandboxChecks.runPodSandbox(request.getConfig(), PodSandboxChecks.KERNEL_SYSCTLS);
      return RunPodSandboxResponse.newBuilder()
          .setPodSandboxId(sandboxes.run(request.getConfig(), request.getRuntimeHandler())).build();
    });
  }

  @Override
  public void stopPodSandbox(StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> out) {
    Rpc.answer("StopPodSandbox", out, () -> {
      sandboxes.stop(request.getPodSandboxId());
      return StopPodSandboxResponse.getDefaultInstance();
    });
  }

  @Override
  public void removePodSandbox(RemovePodSandboxRequest request, StreamObserver<RemovePodSandboxResponse> out) {
    Rpc.answer("RemovePodSandbox", out, () -> {
      sandboxes.remove(request.getPodSandboxId());
      return RemovePodSandboxResponse.getDefaultInstance();
    });
  }

  @Override
  public void podSandboxStatus(PodSandboxStatusRequest request, StreamObserver<PodSandboxStatusResponse> out) {
    Rpc.answer("PodSandboxStatus", out, () -> {
      Sandbox s = sandboxes.require(request.getPodSandboxId());
      PodSandboxStatusResponse.Builder response = PodSandboxStatusResponse.newBuilder()
          .setStatus(CriViews.podSandboxStatus(s)).setTimestamp(Steps.nowNanos());
      if (request.getVerbose()) {
        response.putInfo("info", sandboxes.verboseInfo(s));
        podResources.recorded(s.id()).ifPresent(r -> response.putInfo("resources", r));
      }
      return response.build();
    });
  }

  @Override
  public void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> out) {
    Rpc.answer("ListPodSandbox", out, () -> ListPodSandboxResponse.newBuilder()
        .addAllItems(listSandboxes(request.getFilter())).build());
  }

  @Override
  public void streamPodSandboxes(StreamPodSandboxesRequest request, StreamObserver<StreamPodSandboxesResponse> out) {
    Rpc.stream("StreamPodSandboxes", out, listSandboxes(request.getFilter()),
        chunk -> StreamPodSandboxesResponse.newBuilder().addAllPodSandboxes(chunk).build());
  }

  private List<PodSandbox> listSandboxes(PodSandboxFilter f) {
    return sandboxes.all().stream()
        .filter(s -> f.getId().isEmpty() || s.id().startsWith(f.getId()))
        .filter(s -> !f.hasState() || CriViews.state(s) == f.getState().getState())
        .filter(s -> CriViews.matches(f.getLabelSelectorMap(), s.config().getLabelsMap()))
        .map(CriViews::podSandbox).toList();
  }

  // ---- containers ----

  @Override
  public void createContainer(CreateContainerRequest request, StreamObserver<CreateContainerResponse> out) {
    Rpc.answer("CreateContainer", out, () -> {
      ContainerChecks.createContainer(request.getConfig());
      return CreateContainerResponse.newBuilder()
          .setContainerId(containers.create(request.getPodSandboxId(), request.getConfig())).build();
    });
  }

  @Override
  public void startContainer(StartContainerRequest request, StreamObserver<StartContainerResponse> out) {
    Rpc.answer("StartContainer", out, () -> {
      containers.start(request.getContainerId());
      return StartContainerResponse.getDefaultInstance();
    });
  }

  @Override
  public void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> out) {
    Rpc.answer("StopContainer", out, () -> {
      containers.stop(request.getContainerId(), request.getTimeout());
      return StopContainerResponse.getDefaultInstance();
    });
  }

  @Override
  public void removeContainer(RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> out) {
    Rpc.answer("RemoveContainer", out, () -> {
      containers.remove(request.getContainerId());
      return RemoveContainerResponse.getDefaultInstance();
    });
  }

  @Override
  public void containerStatus(ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
    Rpc.answer("ContainerStatus", out, () -> {
      Container c = containers.require(request.getContainerId());
      ContainerStatusResponse.Builder response = ContainerStatusResponse.newBuilder()
          .setStatus(CriViews.containerStatus(c));
      if (request.getVerbose()) {
        response.putInfo("info", containers.verboseInfo(c));
      }
      return response.build();
    });
  }

  @Override
  public void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> out) {
    Rpc.answer("ListContainers", out, () -> ListContainersResponse.newBuilder()
        .addAllContainers(listContainers(request.getFilter())).build());
  }

  @Override
  public void streamContainers(StreamContainersRequest request, StreamObserver<StreamContainersResponse> out) {
    Rpc.stream("StreamContainers", out, listContainers(request.getFilter()),
        chunk -> StreamContainersResponse.newBuilder().addAllContainers(chunk).build());
  }

  private List<io.jcri.cri.v1.Container> listContainers(ContainerFilter f) {
    return containers.all().stream()
        .filter(c -> f.getId().isEmpty() || c.id().startsWith(f.getId()))
        .filter(c -> f.getPodSandboxId().isEmpty() || c.record().sandboxId().startsWith(f.getPodSandboxId()))
        .filter(c -> !f.hasState() || CriViews.state(c.record()) == f.getState().getState())
        .filter(c -> CriViews.matches(f.getLabelSelectorMap(), c.config().getLabelsMap()))
        .map(CriViews::container).toList();
  }

  @Override
  public void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> out) {
    Rpc.answer("ExecSync", out, () -> {
      ExecResult r = containers.execSync(request.getContainerId(), request.getCmdList(), request.getTimeout());
      return ExecSyncResponse.newBuilder().setExitCode(r.exitCode()).setStdout(ByteString.copyFrom(r.stdout()))
          .setStderr(ByteString.copyFrom(r.stderr())).build();
    });
  }

  @Override
  public void updateContainerResources(UpdateContainerResourcesRequest request,
      StreamObserver<UpdateContainerResourcesResponse> out) {
    Rpc.answer("UpdateContainerResources", out, () -> {
      ContainerChecks.resources("linux", request.getLinux());
      containers.updateResources(request.getContainerId(), request.getLinux());
      return UpdateContainerResourcesResponse.getDefaultInstance();
    });
  }

  @Override
  public void reopenContainerLog(ReopenContainerLogRequest request, StreamObserver<ReopenContainerLogResponse> out) {
    Rpc.answer("ReopenContainerLog", out, () -> {
      containers.reopenLog(request.getContainerId());
      return ReopenContainerLogResponse.getDefaultInstance();
    });
  }

  // ---- statistics ----

  @Override
  public void containerStats(ContainerStatsRequest request, StreamObserver<ContainerStatsResponse> out) {
    Rpc.answer("ContainerStats", out, () -> ContainerStatsResponse.newBuilder()
        .setStats(stats.container(containers.require(request.getContainerId()))).build());
  }

  @Override
  public void listContainerStats(ListContainerStatsRequest request, StreamObserver<ListContainerStatsResponse> out) {
    Rpc.answer("ListContainerStats", out, () -> ListContainerStatsResponse.newBuilder()
        .addAllStats(listContainerStats(request.getFilter())).build());
  }

  @Override
  public void streamContainerStats(StreamContainerStatsRequest request,
      StreamObserver<StreamContainerStatsResponse> out) {
    Rpc.stream("StreamContainerStats", out, listContainerStats(request.getFilter()),
        chunk -> StreamContainerStatsResponse.newBuilder().addAllContainerStats(chunk).build());
  }

  private List<io.jcri.cri.v1.ContainerStats> listContainerStats(ContainerStatsFilter f) {
    return containers.all().stream()
        .filter(c -> f.getId().isEmpty() || c.id().startsWith(f.getId()))
        .filter(c -> f.getPodSandboxId().isEmpty() || c.record().sandboxId().startsWith(f.getPodSandboxId()))
        .filter(c -> CriViews.matches(f.getLabelSelectorMap(), c.config().getLabelsMap()))
        .map(stats::container).toList();
  }

  @Override
  public void podSandboxStats(PodSandboxStatsRequest request, StreamObserver<PodSandboxStatsResponse> out) {
    Rpc.answer("PodSandboxStats", out, () -> PodSandboxStatsResponse.newBuilder()
        .setStats(stats.pod(sandboxes.require(request.getPodSandboxId()))).build());
  }

  @Override
  public void listPodSandboxStats(ListPodSandboxStatsRequest request, StreamObserver<ListPodSandboxStatsResponse> out) {
    Rpc.answer("ListPodSandboxStats", out, () -> ListPodSandboxStatsResponse.newBuilder()
        .addAllStats(listPodStats(request.getFilter())).build());
  }

  @Override
  public void streamPodSandboxStats(StreamPodSandboxStatsRequest request,
      StreamObserver<StreamPodSandboxStatsResponse> out) {
    Rpc.stream("StreamPodSandboxStats", out, listPodStats(request.getFilter()),
        chunk -> StreamPodSandboxStatsResponse.newBuilder().addAllPodSandboxStats(chunk).build());
  }

  private List<io.jcri.cri.v1.PodSandboxStats> listPodStats(PodSandboxStatsFilter f) {
    return sandboxes.all().stream()
        .filter(s -> f.getId().isEmpty() || s.id().startsWith(f.getId()))
        .filter(s -> CriViews.matches(f.getLabelSelectorMap(), s.config().getLabelsMap()))
        .map(stats::pod).toList();
  }

  // ---- checkpoint ----

  /**
   * Not offered: CRIU 3.17 (Debian 12) cannot checkpoint on kernels from 6.13 on ("Unexpected rt
   * vDSO area bounds", fixed upstream in CRIU 4.1). Saying so beats a checkpoint that always fails.
   */
  @Override
  public void checkpointContainer(CheckpointContainerRequest request, StreamObserver<CheckpointContainerResponse> out) {
    out.onError(io.grpc.Status.UNIMPLEMENTED.withDescription("CheckpointContainer is not supported by jcri: it needs "
        + "CRIU >= 4.1 on this kernel (CRIU 3.17 fails with \"Unexpected rt vDSO area bounds\")").asRuntimeException());
  }

  // ---- events ----

  /** A stream of lifecycle events until the client cancels; each carries the pod's current status. */
  @Override
  public void getContainerEvents(GetEventsRequest request, StreamObserver<ContainerEventResponse> out) {
    var call = (io.grpc.stub.ServerCallStreamObserver<ContainerEventResponse>) out;
    Runnable unsubscribe = events.subscribe(e -> {
      synchronized (call) {
        if (!call.isCancelled()) {
          call.onNext(eventResponse(e));
        }
      }
    });
    call.setOnCancelHandler(unsubscribe);
  }

  private ContainerEventResponse eventResponse(LifecycleEvents.Event e) {
    ContainerEventResponse.Builder b = ContainerEventResponse.newBuilder().setContainerId(e.containerId())
        .setContainerEventType(ContainerEventType.forNumber(e.kind().ordinal())).setCreatedAt(e.atNanos());
    sandboxes.find(e.sandboxId()).ifPresent(s -> {
      b.setPodSandboxStatus(CriViews.podSandboxStatus(s));
      containers.all().stream().filter(c -> c.record().sandboxId().equals(s.id()))
          .forEach(c -> b.addContainersStatuses(CriViews.containerStatus(c)));
    });
    return b.build();
  }

  // ---- metrics and pod resources ----

  /** The cAdvisor-named metrics of {@link CriMetrics}. */
  @Override
  public void listMetricDescriptors(ListMetricDescriptorsRequest request,
      StreamObserver<ListMetricDescriptorsResponse> out) {
    Rpc.answer("ListMetricDescriptors", out, () -> ListMetricDescriptorsResponse.newBuilder()
        .addAllDescriptors(CriMetrics.descriptors()).build());
  }

  @Override
  public void listPodSandboxMetrics(ListPodSandboxMetricsRequest request,
      StreamObserver<ListPodSandboxMetricsResponse> out) {
    Rpc.answer("ListPodSandboxMetrics", out, () -> ListPodSandboxMetricsResponse.newBuilder()
        .addAllPodMetrics(criMetrics.all()).build());
  }

  @Override
  public void streamPodSandboxMetrics(StreamPodSandboxMetricsRequest request,
      StreamObserver<StreamPodSandboxMetricsResponse> out) {
    Rpc.stream("StreamPodSandboxMetrics", out, criMetrics.all(),
        chunk -> StreamPodSandboxMetricsResponse.newBuilder().addAllPodSandboxMetrics(chunk).build());
  }

  /** In-place pod resize: {@link PodResources} sets the pod cgroup's limits and records them. */
  @Override
  public void updatePodSandboxResources(UpdatePodSandboxResourcesRequest request,
      StreamObserver<UpdatePodSandboxResourcesResponse> out) {
    Rpc.answer("UpdatePodSandboxResources", out, () -> {
      Sandbox s = sandboxes.require(request.getPodSandboxId());
      PodResources.validate(request);
      podResources.update(s.id(), s.record().cgroupParent(), request.getOverhead(), request.getResources());
      return UpdatePodSandboxResourcesResponse.getDefaultInstance();
    });
  }

  // ---- streaming: each RPC hands out a one-time URL of the streaming server ----

  @Override
  public void exec(ExecRequest request, StreamObserver<ExecResponse> out) {
    Rpc.answer("Exec", out, () -> {
      StreamRequests.validate(request, this::isRunning);
      return ExecResponse.newBuilder().setUrl(streaming.execUrl(request)).build();
    });
  }

  @Override
  public void attach(AttachRequest request, StreamObserver<AttachResponse> out) {
    Rpc.answer("Attach", out, () -> {
      StreamRequests.validate(request, this::isRunning);
      return AttachResponse.newBuilder().setUrl(streaming.attachUrl(request)).build();
    });
  }

  @Override
  public void portForward(PortForwardRequest request, StreamObserver<PortForwardResponse> out) {
    Rpc.answer("PortForward", out, () -> {
      StreamRequests.validate(request, id -> sandboxes.require(id).ready());
      return PortForwardResponse.newBuilder().setUrl(streaming.portForwardUrl(request)).build();
    });
  }

  private boolean isRunning(String containerId) {
    return containers.require(containerId).running();
  }

  // ---- runtime ----

  @Override
  public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
    Rpc.answer("Version", out, () -> VersionResponse.newBuilder()
        .setVersion("0.1.0")
        .setRuntimeName("jcri")
        .setRuntimeVersion(JcriVersion.VERSION)
        .setRuntimeApiVersion("v1")
        .build());
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    Rpc.answer("Status", out, () -> {
      RuntimeHandlers.Readiness rt = handlers.readiness();
      CniManager.Readiness net = network.readiness();
      StatusResponse.Builder response = StatusResponse.newBuilder().setStatus(RuntimeStatus.newBuilder()
          .addConditions(RuntimeCondition.newBuilder().setType("RuntimeReady").setStatus(rt.ready())
              .setReason(rt.reason()).setMessage(rt.message()))
          .addConditions(RuntimeCondition.newBuilder().setType("NetworkReady").setStatus(net.ready())
              .setReason(net.reason()).setMessage(net.message())))
          .setFeatures(RuntimeFeatures.newBuilder().setSupplementalGroupsPolicy(true))
          .addRuntimeHandlers(runtimeHandler("", handlers.features("")));
      handlers.all().keySet().forEach(name -> response.addRuntimeHandlers(runtimeHandler(name, handlers.features(name))));
      if (request.getVerbose()) {
        response.putInfo("config", configReport.json());
      }
      return response.build();
    });
  }

  /** user_namespaces stays false: jcri does not run pods in user namespaces. */
  private static RuntimeHandler runtimeHandler(String name, HandlerFeatures features) {
    return RuntimeHandler.newBuilder().setName(name).setFeatures(RuntimeHandlerFeatures.newBuilder()
        .setRecursiveReadOnlyMounts(features.recursiveReadOnlyMounts()).setUserNamespaces(false)).build();
  }

  @Override
  public void runtimeConfig(RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> out) {
    Rpc.answer("RuntimeConfig", out, () -> RuntimeConfigResponse.newBuilder()
        .setLinux(LinuxRuntimeConfiguration.newBuilder().setCgroupDriver(
            config.cgroupDriver().equals("systemd") ? CgroupDriver.SYSTEMD : CgroupDriver.CGROUPFS))
        .build());
  }

  @Override
  public void updateRuntimeConfig(UpdateRuntimeConfigRequest request, StreamObserver<UpdateRuntimeConfigResponse> out) {
    Rpc.answer("UpdateRuntimeConfig", out, () -> {
      String cidr = request.getRuntimeConfig().getNetworkConfig().getPodCidr();
      if (!cidr.isEmpty()) {
        network.setPodCidr(cidr);
        LOG.info("event=pod_cidr_updated cidr=" + cidr);
      }
      return UpdateRuntimeConfigResponse.getDefaultInstance();
    });
  }
}
