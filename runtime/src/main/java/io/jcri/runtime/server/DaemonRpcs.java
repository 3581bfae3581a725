package io.jcri.runtime.server;

import io.grpc.stub.StreamObserver;
import io.jcri.cni.CniManager;
import io.jcri.cri.v1.*;
import io.jcri.runtime.JcriVersion;
import io.jcri.runtime.config.JcriConfig;
import io.jcri.runtime.node.HandlerFeatures;
import io.jcri.runtime.node.RuntimeHandlers;
import java.util.logging.Logger;

/** The RPCs about jcrid itself: Version, Status, RuntimeConfig, UpdateRuntimeConfig. */
final class DaemonRpcs {
  private static final Logger LOG = Logger.getLogger(DaemonRpcs.class.getName());

  private final JcriConfig config;
  private final RuntimeHandlers handlers;
  private final CniManager network;
  private final ConfigReport configReport;

  DaemonRpcs(JcriConfig config, RuntimeHandlers handlers, CniManager network) {
    this.config = config;
    this.handlers = handlers;
    this.network = network;
    this.configReport = new ConfigReport(config);
  }

  /** Needs nothing of the node: answered while jcrid is still starting ({@link StartupGate}). */
  static void version(VersionRequest request, StreamObserver<VersionResponse> out) {
    Rpc.answer(
        "Version",
        out,
        () ->
            VersionResponse.newBuilder()
                .setVersion("0.1.0")
                .setRuntimeName("jcri")
                .setRuntimeVersion(JcriVersion.VERSION)
                .setRuntimeApiVersion("v1")
                .build());
  }

  void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    Rpc.answer(
        "Status",
        out,
        () -> {
          RuntimeHandlers.Readiness rt = handlers.readiness();
          CniManager.Readiness net = network.readiness();
          StatusResponse.Builder response =
              StatusResponse.newBuilder()
                  .setStatus(
                      RuntimeStatus.newBuilder()
                          .addConditions(
                              RuntimeCondition.newBuilder()
                                  .setType("RuntimeReady")
                                  .setStatus(rt.ready())
                                  .setReason(rt.reason())
                                  .setMessage(rt.message()))
                          .addConditions(
                              RuntimeCondition.newBuilder()
                                  .setType("NetworkReady")
                                  .setStatus(net.ready())
                                  .setReason(net.reason())
                                  .setMessage(net.message())))
                  .setFeatures(RuntimeFeatures.newBuilder().setSupplementalGroupsPolicy(true))
                  .addRuntimeHandlers(runtimeHandler("", handlers.features("")));
          handlers
              .all()
              .keySet()
              .forEach(
                  name ->
                      response.addRuntimeHandlers(runtimeHandler(name, handlers.features(name))));
          if (request.getVerbose()) {
            response.putInfo("config", configReport.json());
          }
          return response.build();
        });
  }

  /** user_namespaces stays false: jcri does not run pods in user namespaces. */
  private static RuntimeHandler runtimeHandler(String name, HandlerFeatures features) {
    return RuntimeHandler.newBuilder()
        .setName(name)
        .setFeatures(
            RuntimeHandlerFeatures.newBuilder()
                .setRecursiveReadOnlyMounts(features.recursiveReadOnlyMounts())
                .setUserNamespaces(features.userNamespaces()))
        .build();
  }

  void runtimeConfig(RuntimeConfigRequest request, StreamObserver<RuntimeConfigResponse> out) {
    Rpc.answer(
        "RuntimeConfig",
        out,
        () ->
            RuntimeConfigResponse.newBuilder()
                .setLinux(
                    LinuxRuntimeConfiguration.newBuilder()
                        .setCgroupDriver(
                            config.cgroupDriver().equals("systemd")
                                ? CgroupDriver.SYSTEMD
                                : CgroupDriver.CGROUPFS))
                .build());
  }

  void updateRuntimeConfig(
      UpdateRuntimeConfigRequest request, StreamObserver<UpdateRuntimeConfigResponse> out) {
    Rpc.answer(
        "UpdateRuntimeConfig",
        out,
        () -> {
          String cidr = request.getRuntimeConfig().getNetworkConfig().getPodCidr();
          if (!cidr.isEmpty()) {
            network.setPodCidr(cidr);
            LOG.info("event=pod_cidr_updated cidr=" + cidr);
          }
          return UpdateRuntimeConfigResponse.getDefaultInstance();
        });
  }
}
