package io.jcri.it.pods;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.CreateContainerRequest;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.StartContainerRequest;
import io.jcri.it.Jcrid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/** CRI requests the pod and container tests build again and again. */
public final class Pods {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Pods() {}

  /** A pod as kubelet sends one: own network and IPC, one PID namespace per container. */
  public static PodSandboxConfig.Builder pod(String name) {
    return withNamespaces(
        PodSandboxConfig.newBuilder()
            .setMetadata(
                PodSandboxMetadata.newBuilder()
                    .setName(name)
                    .setNamespace("it")
                    .setUid(UUID.randomUUID().toString())
                    .setAttempt(0))
            .setHostname(name)
            .putLabels("test", name),
        NamespaceMode.POD,
        NamespaceMode.CONTAINER,
        NamespaceMode.POD);
  }

  public static PodSandboxConfig.Builder withNamespaces(
      PodSandboxConfig.Builder pod, NamespaceMode network, NamespaceMode pid, NamespaceMode ipc) {
    return pod.setLinux(
        LinuxPodSandboxConfig.newBuilder()
            .setSecurityContext(
                LinuxSandboxSecurityContext.newBuilder()
                    .setNamespaceOptions(
                        NamespaceOption.newBuilder().setNetwork(network).setPid(pid).setIpc(ipc))));
  }

  public static String run(Jcrid d, PodSandboxConfig.Builder pod) {
    return d.runtime()
        .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build())
        .getPodSandboxId();
  }

  public static JsonNode info(Jcrid d, String sandboxId) throws IOException {
    return JSON.readTree(
        d.runtime()
            .podSandboxStatus(
                PodSandboxStatusRequest.newBuilder()
                    .setPodSandboxId(sandboxId)
                    .setVerbose(true)
                    .build())
            .getInfoMap()
            .get("info"));
  }

  /** Runs a command on the host inside the pod's network namespace; returns its output. */
  public static String inNetns(Path netns, String... cmd) throws IOException, InterruptedException {
    List<String> argv = new java.util.ArrayList<>(List.of("nsenter", "--net=" + netns));
    argv.addAll(List.of(cmd));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor() == 0, String.join(" ", argv) + " failed: " + out);
    return out;
  }

  public static String pull(Jcrid d, String image) {
    return d.images()
        .pullImage(
            PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(image)).build())
        .getImageRef();
  }

  public static ContainerConfig.Builder container(String name, String image, String... command) {
    return ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName(name))
        .setImage(ImageSpec.newBuilder().setImage(image))
        .addAllCommand(List.of(command))
        .setLogPath(name + ".log");
  }

  public static String create(
      Jcrid d, String sandboxId, PodSandboxConfig sandboxConfig, ContainerConfig.Builder c) {
    return d.runtime()
        .createContainer(
            CreateContainerRequest.newBuilder()
                .setPodSandboxId(sandboxId)
                .setConfig(c)
                .setSandboxConfig(sandboxConfig)
                .build())
        .getContainerId();
  }

  public static void start(Jcrid d, String containerId) {
    d.runtime()
        .startContainer(StartContainerRequest.newBuilder().setContainerId(containerId).build());
  }

  public static ContainerStatus status(Jcrid d, String containerId) {
    return d.runtime()
        .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build())
        .getStatus();
  }

  /** Polls until the container has exited (or 30 s pass) and returns its status. */
  public static ContainerStatus awaitExit(Jcrid d, String containerId) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    ContainerStatus s = status(d, containerId);
    while (s.getState() != io.jcri.cri.v1.ContainerState.CONTAINER_EXITED
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
      s = status(d, containerId);
    }
    return s;
  }
}
