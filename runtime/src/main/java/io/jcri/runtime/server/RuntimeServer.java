package io.jcri.runtime.server;

import io.grpc.stub.StreamObserver;
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
  private final ConfigReport configReport;

  public RuntimeServer(JcriConfig config, RuntimeHandlers handlers, CniManager network) {
    this.config = config;
    this.handlers = handlers;
    this.network = network;
    this.configReport = new ConfigReport(config);
  }

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
              .setReason(net.reason()).setMessage(net.message())));
      if (request.getVerbose()) {
        response.putInfo("config", configReport.json());
      }
      return response.build();
    });
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
