package io.jcri.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A pod, an image and a rootfs with /etc/passwd and /etc/group, shared by the spec tests. */
final class Fixtures {
  static final String PASSWD =
      """
      root:x:0:0:root:/root:/bin/sh
      daemon:x:1:1:daemon:/usr/sbin:/bin/false
      alice:x:1000:1000:Alice:/home/alice:/bin/sh
      bob:x:1001:1001::/home/bob:/bin/sh
      """;
  static final String GROUP =
      """
      root:x:0:
      wheel:x:10:alice,bob
      alice:x:1000:
      bob:x:1001:
      audio:x:29:alice
      staff:x:50:
      """;

  final Path dir;
  final Path rootfs;
  final Path volumes;

  Fixtures(Path dir) throws IOException {
    this.dir = dir;
    this.rootfs = dir.resolve("rootfs");
    this.volumes = dir.resolve("volumes");
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(rootfs.resolve("etc/passwd"), PASSWD);
    Files.writeString(rootfs.resolve("etc/group"), GROUP);
    for (String f : List.of("resolv.conf", "hostname", "hosts")) {
      Files.writeString(dir.resolve(f), f + "\n");
    }
    Files.createDirectories(dir.resolve("shm"));
  }

  SandboxContext sandbox() {
    return new SandboxContext(
        "sb1",
        "web-0",
        false,
        false,
        false,
        Path.of("/run/jcri/netns/sb1"),
        Path.of("/run/jcri/ipcns/sb1"),
        Path.of("/run/jcri/utsns/sb1"),
        0,
        "/kubepods/podabc",
        dir.resolve("resolv.conf"),
        dir.resolve("hostname"),
        dir.resolve("hosts"),
        dir.resolve("shm"));
  }

  static ImageDefaults image() {
    return new ImageDefaults(
        "",
        List.of("PATH=/usr/bin:/bin", "A=1", "B=2"),
        List.of("/entry"),
        List.of("serve", "--port=80"),
        "/srv",
        List.of(),
        "SIGTERM");
  }

  static OciOptions options() {
    return new OciOptions(
        OciOptions.DEFAULT_CAPABILITIES,
        -999,
        true,
        Path.of("/nonexistent/seccomp"),
        false,
        false,
        "cgroupfs",
        List.of(),
        List.of(),
        List.of());
  }

  static PodSandboxConfig pod() {
    return PodSandboxConfig.newBuilder()
        .setMetadata(
            PodSandboxMetadata.newBuilder().setName("web-0").setUid("abc").setNamespace("default"))
        .setHostname("web-0")
        .build();
  }

  static PodSandboxConfig privilegedPod() {
    return pod().toBuilder()
        .setLinux(
            LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setPrivileged(true)))
        .build();
  }

  static ContainerConfig.Builder container() {
    return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("app"));
  }

  static ContainerConfig.Builder container(LinuxContainerSecurityContext.Builder sc) {
    return container().setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(sc));
  }

  OciSpec build(ContainerConfig.Builder config) throws OciSpecException {
    return build(config, pod(), sandbox(), image(), options());
  }

  OciSpec build(
      ContainerConfig.Builder config,
      PodSandboxConfig pod,
      SandboxContext sandbox,
      ImageDefaults image,
      OciOptions options)
      throws OciSpecException {
    return ContainerSpecs.build(
        config.build(), pod, sandbox, image, "c0ffee", rootfs, volumes, Map.of(), options);
  }

  static OciSpecException.Reason failure(ThrowingSupplier call) {
    return assertThrows(OciSpecException.class, call::get).reason();
  }

  interface ThrowingSupplier {
    Object get() throws Exception;
  }

  /** config.json as runc reads it, parsed: what the assertions look at is what runc gets. */
  static JsonNode json(OciSpec spec) {
    try {
      return new ObjectMapper().readTree(spec.toJson());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  static List<Long> longs(JsonNode array) {
    List<Long> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asLong()));
    return out;
  }

  /** The mount at destination, or null. */
  static JsonNode mount(OciSpec spec, String destination) {
    for (JsonNode m : json(spec).path("mounts")) {
      if (m.path("destination").asText().equals(destination)) {
        return m;
      }
    }
    return null;
  }

  /** The namespace of a type, or null when the container shares the host's. */
  static JsonNode namespace(OciSpec spec, String type) {
    for (JsonNode n : json(spec).path("linux").path("namespaces")) {
      if (n.path("type").asText().equals(type)) {
        return n;
      }
    }
    return null;
  }
}
