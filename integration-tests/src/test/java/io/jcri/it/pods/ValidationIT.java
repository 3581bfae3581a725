package io.jcri.it.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.CreateContainerRequest;
import io.jcri.cri.v1.DNSConfig;
import io.jcri.cri.v1.ImageFilter;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PortMapping;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.cri.v1.UpdateContainerResourcesRequest;
import io.jcri.it.Jcrid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Malformed requests on the real daemon: each is INVALID_ARGUMENT naming the field, and leaves no
 * sandbox, container, directory or mount behind. Every case fails before CNI is asked.
 */
class ValidationIT {
  private static Jcrid d;

  @BeforeAll
  static void start() throws Exception {
    d = Jcrid.start();
  }

  @AfterAll
  static void stop() throws Exception {
    d.close();
  }

  private static void assertInvalid(String expectedStart, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call, expectedStart);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(
        e.getStatus().getDescription().startsWith(expectedStart), e.getStatus().getDescription());
  }

  private static void runPod(String expectedStart, Consumer<PodSandboxConfig.Builder> change) {
    PodSandboxConfig.Builder pod = Pods.pod("invalid");
    change.accept(pod);
    assertInvalid(expectedStart, () -> Pods.run(d, pod));
  }

  private static List<Path> entries(Path dir) throws Exception {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  private static String mountsUnder(Path dir) throws Exception {
    return String.join(
        "\n",
        Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
            .filter(l -> l.split(" ")[4].startsWith(dir.toString()))
            .toList());
  }

  @Test
  void badPodsAreRefusedBeforeAnythingIsMade() throws Exception {
    runPod(
        "port_mappings[0].host_port 70000 is outside 0-65535",
        p -> p.addPortMappings(PortMapping.newBuilder().setContainerPort(80).setHostPort(70000)));
    runPod(
        "port_mappings[0].host_port -1 is outside 0-65535",
        p -> p.addPortMappings(PortMapping.newBuilder().setContainerPort(80).setHostPort(-1)));
    runPod(
        "port_mappings[1].container_port 0 is outside 1-65535",
        p ->
            p.addPortMappings(PortMapping.newBuilder().setContainerPort(80).setHostPort(8080))
                .addPortMappings(PortMapping.newBuilder().setHostPort(8081)));
    runPod(
        "port_mappings[0].container_port -8080 is outside 1-65535",
        p -> p.addPortMappings(PortMapping.newBuilder().setContainerPort(-8080)));
    runPod(
        "port_mappings[0].container_port 70000 is outside 1-65535",
        p -> p.addPortMappings(PortMapping.newBuilder().setContainerPort(70000).setHostPort(8080)));
    runPod(
        "port_mappings[0].protocol 7 is not TCP (0), UDP (1) or SCTP (2)",
        p ->
            p.addPortMappings(
                PortMapping.newBuilder()
                    .setContainerPort(80)
                    .setHostPort(8080)
                    .setProtocolValue(7)));
    runPod(
        "linux.sysctls[\"kernel.pid_max\"] is not a namespaced sysctl",
        p -> p.getLinuxBuilder().putSysctls("kernel.pid_max", "4194304"));
    runPod(
        "linux.sysctls[\"net.ipv4.no_such_sysctl\"] is not a sysctl of this kernel",
        p -> p.getLinuxBuilder().putSysctls("net.ipv4.no_such_sysctl", "1"));
    runPod(
        "linux.sysctls[\"net.ipv4.ip_forward\"] needs the pod's own network namespace",
        p ->
            Pods.withNamespaces(p, NamespaceMode.NODE, NamespaceMode.CONTAINER, NamespaceMode.POD)
                .getLinuxBuilder()
                .putSysctls("net.ipv4.ip_forward", "1"));
    runPod(
        "linux.security_context.run_as_group is set but run_as_user is not",
        p ->
            p.getLinuxBuilder()
                .getSecurityContextBuilder()
                .setRunAsGroup(Int64Value.newBuilder().setValue(1000)));
    runPod("metadata.name is required", p -> p.getMetadataBuilder().setName(""));
    runPod("metadata.uid is required", p -> p.getMetadataBuilder().setUid(""));
    runPod("hostname \"bad host\" is not a host name", p -> p.setHostname("bad host"));
    runPod(
        "log_directory \"logs/pod\" must be an absolute path", p -> p.setLogDirectory("logs/pod"));
    runPod(
        "dns_config.servers[0] \"10.0.0.1\\nnameserver 6.6.6.6\" is not an IP address",
        p -> p.setDnsConfig(DNSConfig.newBuilder().addServers("10.0.0.1\nnameserver 6.6.6.6")));
    runPod(
        "dns_config.searches[0] \"a b\" must be a non-empty word",
        p -> p.setDnsConfig(DNSConfig.newBuilder().addSearches("a b")));
    runPod(
        "linux.resources.cpu_period 10 is outside 1000-1000000",
        p -> p.getLinuxBuilder().getResourcesBuilder().setCpuPeriod(10));

    assertEquals(
        List.of(),
        d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList());
    assertEquals(List.of(), entries(d.state().resolve("sandboxes")), "no sandbox state directory");
    assertEquals(
        List.of(),
        entries(d.root().resolve("sandboxes")).stream()
            .filter(p -> !p.getFileName().toString().equals("records"))
            .toList(),
        "no sandbox directory");
    assertEquals(List.of(), entries(d.root().resolve("sandboxes/records")), "no sandbox record");
    assertEquals("", mountsUnder(d.state()), "no namespace pin or shm mount");
    // the name the refused pods used is free
    String ok =
        Pods.run(
            d,
            Pods.withNamespaces(
                Pods.pod("invalid"),
                NamespaceMode.NODE,
                NamespaceMode.CONTAINER,
                NamespaceMode.POD));
    d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(ok).build());
    d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(ok).build());
  }

  @Test
  void badImageReferencesAreInvalidArgumentsInEveryImageRpc() {
    ImageSpec bad = ImageSpec.newBuilder().setImage("busybox@sha256:12").build();
    String expected = "image.image: invalid image reference \"busybox@sha256:12\": bad digest";
    int before = d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesCount();
    assertInvalid(
        expected, () -> d.images().pullImage(PullImageRequest.newBuilder().setImage(bad).build()));
    assertInvalid(
        expected,
        () -> d.images().imageStatus(ImageStatusRequest.newBuilder().setImage(bad).build()));
    assertInvalid(
        expected,
        () -> d.images().removeImage(RemoveImageRequest.newBuilder().setImage(bad).build()));
    assertInvalid(
        "filter.image.image: invalid image reference \"busybox@sha256:12\"",
        () ->
            d.images()
                .listImages(
                    ListImagesRequest.newBuilder()
                        .setFilter(ImageFilter.newBuilder().setImage(bad))
                        .build()));
    assertInvalid(
        "image.image is required",
        () -> d.images().pullImage(PullImageRequest.getDefaultInstance()));
    assertEquals(
        before, d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesCount());
  }

  @Test
  void badContainersAreRefusedInARunningPodBeforeAnythingIsMade() throws Exception {
    // host network: no CNI; no shared PID namespace: no infra process, so no image is needed either
    PodSandboxConfig pod =
        Pods.withNamespaces(
                Pods.pod("containers-invalid"),
                NamespaceMode.NODE,
                NamespaceMode.CONTAINER,
                NamespaceMode.POD)
            .setLogDirectory(d.home().resolve("logs").toString())
            .build();
    String podId = Pods.run(d, pod.toBuilder());
    try {
      create(
          podId,
          pod,
          "linux.security_context.run_as_group is set but run_as_user or run_as_username is not",
          c ->
              c.setLinux(
                  LinuxContainerConfig.newBuilder()
                      .setSecurityContext(
                          LinuxContainerSecurityContext.newBuilder()
                              .setRunAsGroup(Int64Value.newBuilder().setValue(1000)))));
      create(
          podId,
          pod,
          "image.image: invalid image reference \"busybox@sha256:12\": bad digest",
          c -> c.setImage(ImageSpec.newBuilder().setImage("busybox@sha256:12")));
      create(
          podId,
          pod,
          "mounts[1].container_path \"/data\" is also the destination of mounts[0]",
          c ->
              c.addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath("/tmp"))
                  .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath("/var/tmp")));
      create(
          podId,
          pod,
          "mounts[0].container_path \"data\" must be an absolute path",
          c -> c.addMounts(Mount.newBuilder().setContainerPath("data").setHostPath("/tmp")));
      create(
          podId,
          pod,
          "log_path \"/tmp/app.log\" must be a relative path",
          c -> c.setLogPath("/tmp/app.log"));
      create(
          podId,
          pod,
          "log_path \"../../app.log\" leaves its directory",
          c -> c.setLogPath("../../app.log"));
      create(
          podId, pod, "working_dir \"srv\" must be an absolute path", c -> c.setWorkingDir("srv"));
      create(
          podId,
          pod,
          "linux.resources.cpu_quota -5 is outside 1000-",
          c ->
              c.setLinux(
                  LinuxContainerConfig.newBuilder()
                      .setResources(LinuxContainerResources.newBuilder().setCpuQuota(-5))));
      create(
          podId,
          pod,
          "linux.resources.oom_score_adj 2000 is outside -1000-1000",
          c ->
              c.setLinux(
                  LinuxContainerConfig.newBuilder()
                      .setResources(LinuxContainerResources.newBuilder().setOomScoreAdj(2000))));
      create(podId, pod, "metadata.name is required", c -> c.getMetadataBuilder().setName(""));
      // the request is checked before the pod is looked up
      assertInvalid(
          "image.image: invalid image reference",
          () ->
              d.runtime()
                  .createContainer(
                      CreateContainerRequest.newBuilder()
                          .setPodSandboxId("f".repeat(64))
                          .setConfig(Pods.container("c", "busybox@sha256:12", "true"))
                          .build()));
      assertInvalid(
          "linux.cpu_period 10 is outside 1000-1000000",
          () ->
              d.runtime()
                  .updateContainerResources(
                      UpdateContainerResourcesRequest.newBuilder()
                          .setContainerId("f".repeat(64))
                          .setLinux(LinuxContainerResources.newBuilder().setCpuPeriod(10))
                          .build()));

      assertEquals(
          List.of(),
          d.runtime()
              .listContainers(ListContainersRequest.getDefaultInstance())
              .getContainersList());
      assertEquals(List.of(), entries(d.state().resolve("containers")), "no bundle");
      assertEquals(List.of(), entries(d.root().resolve("containers/layers")), "no writable layer");
      assertEquals(List.of(), entries(d.home().resolve("logs")), "no log file");
      assertEquals("", mountsUnder(d.state().resolve("containers")), "no rootfs mount");
    } finally {
      d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      d.runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }
  }

  /**
   * A container that would be valid but for change: image present or not, it never gets that far.
   */
  private static void create(
      String podId,
      PodSandboxConfig pod,
      String expectedStart,
      Consumer<ContainerConfig.Builder> change) {
    ContainerConfig.Builder c = Pods.container("invalid", "busybox", "true");
    change.accept(c);
    assertInvalid(expectedStart, () -> Pods.create(d, podId, pod, c));
  }
}
