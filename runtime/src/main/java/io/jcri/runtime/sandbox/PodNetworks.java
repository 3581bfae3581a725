package io.jcri.runtime.sandbox;

import static io.jcri.runtime.store.Steps.perform;

import io.jcri.cni.PodNetwork;
import io.jcri.cni.PodNetworkResult;
import io.jcri.cni.PortMapping;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.runtime.store.Rollback;
import io.jcri.sys.Failure;
import io.jcri.sys.NamedStep;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A pod's network attachment: CNI ADD into its pinned network namespace (recorded before ADD, so a
 * crash inside ADD still gets its DEL), and CNI DEL when it stops.
 */
public final class PodNetworks {
  private final Sandboxes sandboxes;
  private final PodNetworking cni;

  public PodNetworks(Sandboxes sandboxes, PodNetworking cni) {
    this.sandboxes = sandboxes;
    this.cni = cni;
  }

  /** CNI ADD for a pod with its own network namespace; the result goes into its record. */
  public void attach(Sandbox sandbox, Rollback rollback) {
    PodNetwork network = podNetwork(sandbox);
    PodSandboxConfig pod = sandbox.config();
    // recorded before ADD: if jcrid dies inside ADD, Stop still runs DEL for whatever it made
    NamedStep.RUN_POD_SANDBOX_RECORD_CNI_INTENT.run(
        () -> sandboxes.save(sandbox, sandbox.record().withNetwork("", List.of(), "", true)));
    PodNetworkResult result;
    try {
      result = NamedStep.RUN_POD_SANDBOX_CNI_ADD.call(() -> cni.setUp(network));
    } catch (IOException e) {
      throw new Failure(
          Failure.Kind.UNKNOWN,
          "RunPodSandbox: CNI ADD for "
              + pod.getMetadata().getNamespace()
              + "/"
              + pod.getMetadata().getName()
              + " failed: "
              + e.getMessage(),
          e);
    }
    rollback.onFailure(() -> cni.tearDown(network));
    NamedStep.RUN_POD_SANDBOX_RECORD_NETWORK.run(
        () ->
            sandboxes.save(
                sandbox,
                sandbox
                    .record()
                    .withNetwork(
                        result.primaryIp(), result.additionalIps(), result.resultJson(), true)));
  }

  /**
   * CNI DEL when the pod's network is (or may be) attached; the IPs stay in the record for status.
   */
  public void detach(Sandbox sandbox) {
    SandboxRecord r = sandbox.record();
    if (r.status().networkAttached()) {
      NamedStep.STOP_POD_SANDBOX_CNI_DEL.run(
          () ->
              perform(
                  "tear down the pod network (CNI DEL)", () -> cni.tearDown(podNetwork(sandbox))));
      NamedStep.STOP_POD_SANDBOX_RECORD_NETWORK.run(
          () ->
              sandboxes.save(
                  sandbox,
                  sandbox
                      .record()
                      .withNetwork(
                          r.status().ip(),
                          r.status().additionalIps(),
                          r.status().cniResult(),
                          false)));
    }
  }

  private static PodNetwork podNetwork(Sandbox sandbox) {
    SandboxRecord r = sandbox.record();
    PodSandboxConfig pod = sandbox.config();
    List<PortMapping> ports =
        pod.getPortMappingsList().stream()
            .filter(p -> p.getHostPort() > 0)
            .map(
                p ->
                    new PortMapping(
                        p.getProtocol().name(),
                        p.getContainerPort(),
                        p.getHostPort(),
                        p.getHostIp()))
            .toList();
    return new PodNetwork(
        r.id(),
        Path.of(r.metadata().netnsPath()),
        r.metadata().name(),
        r.metadata().namespace(),
        r.metadata().uid(),
        ports,
        pod.getAnnotationsMap().get("kubernetes.io/ingress-bandwidth"),
        pod.getAnnotationsMap().get("kubernetes.io/egress-bandwidth"),
        pod.getDnsConfig().getServersList(),
        pod.getDnsConfig().getSearchesList(),
        pod.getDnsConfig().getOptionsList());
  }
}
