package io.jcri.runtime.server;

import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.LinuxPodSandboxStatus;
import io.jcri.cri.v1.Namespace;
import io.jcri.cri.v1.PodIP;
import io.jcri.cri.v1.PodSandbox;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PodSandboxNetworkStatus;
import io.jcri.cri.v1.PodSandboxState;
import io.jcri.cri.v1.PodSandboxStatus;
import io.jcri.runtime.container.Container;
import io.jcri.runtime.container.ContainerRecord;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.sandbox.SandboxRecord;

/** jcri's records as the CRI messages kubelet reads. */
final class CriViews {
  private CriViews() {}

  static PodSandboxMetadata metadata(SandboxRecord r) {
    return PodSandboxMetadata.newBuilder()
        .setName(r.metadata().name())
        .setNamespace(r.metadata().namespace())
        .setUid(r.metadata().uid())
        .setAttempt(r.metadata().attempt())
        .build();
  }

  static PodSandboxState state(Sandbox s) {
    return s.ready() ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
  }

  static PodSandbox podSandbox(Sandbox s) {
    SandboxRecord r = s.record();
    return PodSandbox.newBuilder()
        .setId(r.id())
        .setMetadata(metadata(r))
        .setState(state(s))
        .setCreatedAt(r.metadata().createdAtNanos())
        .putAllLabels(s.config().getLabelsMap())
        .putAllAnnotations(s.config().getAnnotationsMap())
        .setRuntimeHandler(r.metadata().runtimeHandler())
        .build();
  }

  static PodSandboxStatus podSandboxStatus(Sandbox s) {
    SandboxRecord r = s.record();
    PodSandboxNetworkStatus.Builder net =
        PodSandboxNetworkStatus.newBuilder().setIp(r.status().ip());
    r.status().additionalIps().forEach(ip -> net.addAdditionalIps(PodIP.newBuilder().setIp(ip)));
    return PodSandboxStatus.newBuilder()
        .setId(r.id())
        .setMetadata(metadata(r))
        .setState(state(s))
        .setCreatedAt(r.metadata().createdAtNanos())
        .setNetwork(net)
        .setLinux(
            LinuxPodSandboxStatus.newBuilder()
                .setNamespaces(
                    Namespace.newBuilder()
                        .setOptions(
                            s.config().getLinux().getSecurityContext().getNamespaceOptions())))
        .putAllLabels(s.config().getLabelsMap())
        .putAllAnnotations(s.config().getAnnotationsMap())
        .setRuntimeHandler(r.metadata().runtimeHandler())
        .build();
  }

  static ContainerState state(ContainerRecord r) {
    return switch (r.state()) {
      case ContainerRecord.State.CREATED -> ContainerState.CONTAINER_CREATED;
      case ContainerRecord.State.RUNNING -> ContainerState.CONTAINER_RUNNING;
      case ContainerRecord.State.EXITED -> ContainerState.CONTAINER_EXITED;
      default -> ContainerState.CONTAINER_UNKNOWN;
    };
  }

  static ContainerMetadata metadata(ContainerRecord r) {
    return ContainerMetadata.newBuilder()
        .setName(r.metadata().name())
        .setAttempt(r.metadata().attempt())
        .build();
  }

  /**
   * A container in ListContainers. Its image_ref is the image ID, as containerd gives it: kubelets
   * before 1.30 (no image_id field) match it against ListImages' IDs to know which images are in
   * use, so a digested reference there would let their image GC try to remove every image that
   * runs. ContainerStatus keeps the digested reference, which kubelet shows as the container's
   * imageID.
   */
  static io.jcri.cri.v1.Container container(Container c) {
    ContainerRecord r = c.record();
    return io.jcri.cri.v1.Container.newBuilder()
        .setId(r.id())
        .setPodSandboxId(r.metadata().sandboxId())
        .setMetadata(metadata(r))
        .setImage(ImageSpec.newBuilder().setImage(r.metadata().imageName()))
        .setImageRef(r.metadata().imageId())
        .setImageId(r.metadata().imageId())
        .setState(state(r))
        .setCreatedAt(r.metadata().createdAtNanos())
        .putAllLabels(c.config().getLabelsMap())
        .putAllAnnotations(c.config().getAnnotationsMap())
        .build();
  }

  static ContainerStatus containerStatus(Container c) {
    ContainerRecord r = c.record();
    var config = c.config();
    ContainerStatus.Builder b =
        ContainerStatus.newBuilder()
            .setId(r.id())
            .setMetadata(metadata(r))
            .setState(state(r))
            .setCreatedAt(r.metadata().createdAtNanos())
            .setStartedAt(r.status().startedAtNanos())
            .setFinishedAt(r.status().finishedAtNanos())
            .setExitCode(r.status().exitCode())
            .setImage(ImageSpec.newBuilder().setImage(r.metadata().imageName()))
            .setImageRef(r.metadata().imageRef())
            .setImageId(r.metadata().imageId())
            .setReason(r.status().reason())
            .setMessage(r.status().message())
            .putAllLabels(config.getLabelsMap())
            .putAllAnnotations(config.getAnnotationsMap())
            .addAllMounts(config.getMountsList())
            .setLogPath(r.metadata().logPath())
            .setUser(
                io.jcri.cri.v1.ContainerUser.newBuilder()
                    .setLinux(
                        io.jcri.cri.v1.LinuxContainerUser.newBuilder()
                            .setUid(r.metadata().uid())
                            .setGid(r.metadata().gid())
                            .addAllSupplementalGroups(r.metadata().supplementalGroups())))
            .setStopSignal(c.stopSignal());
    if (config.getLinux().hasResources() || r.status().resourcesBase64() != null) {
      b.setResources(io.jcri.cri.v1.ContainerResources.newBuilder().setLinux(c.resources()));
    }
    return b.build();
  }
}
