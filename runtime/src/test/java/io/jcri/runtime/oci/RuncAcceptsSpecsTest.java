package io.jcri.runtime.oci;

import static io.jcri.runtime.oci.Fixtures.container;
import static io.jcri.runtime.oci.Fixtures.image;
import static io.jcri.runtime.oci.Fixtures.json;
import static io.jcri.runtime.oci.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.SecurityProfile;
import io.jcri.sys.AtomicFiles;
import io.jcri.sys.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated specs run under the real runc on this node, and the process gets what the spec
 * says.
 */
class RuncAcceptsSpecsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path tmp;
  Fixtures f;
  SandboxContext sandbox;

  @BeforeEach
  void setUp() throws Exception {
    f = new Fixtures(tmp);
    Path bin = Files.createDirectories(f.rootfs.resolve("bin"));
    Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
    for (String tool : List.of("sh", "id", "cat", "grep", "hostname", "touch", "echo")) {
      Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
    }
    for (String dir : List.of("proc", "sys", "dev", "tmp")) {
      Files.createDirectories(f.rootfs.resolve(dir));
    }
    for (String file : List.of("etc/resolv.conf", "etc/hostname", "etc/hosts")) {
      Files.createFile(f.rootfs.resolve(file));
    }
    SandboxContext s = f.sandbox();
    // host network: no pinned netns to prepare; IPC and UTS are the container's own
    sandbox =
        new SandboxContext(
            s.sandboxId(),
            "oci-test",
            true,
            false,
            false,
            null,
            null,
            null,
            0,
            "/jcri-oci-test",
            s.resolvConf(),
            s.hostnameFile(),
            s.hostsFile(),
            s.shmPath());
  }

  /** runc leaves the parent cgroup it made for the test's containers. */
  @AfterAll
  static void removeTestCgroups() throws Exception {
    try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
      for (Path h : hierarchies.toList()) {
        Files.deleteIfExists(h.resolve("jcri-oci-test"));
      }
    }
  }

  private String run(String id, ContainerConfig.Builder config) throws Exception {
    return run(id, config, pod());
  }

  private String run(String id, ContainerConfig.Builder config, PodSandboxConfig pod)
      throws Exception {
    OciOptions node = OciOptions.defaults();
    return run(
        id,
        ContainerSpecs.build(
            config.build(), pod, sandbox, image(), id, f.rootfs, f.volumes, Map.of(), node));
  }

  private String run(String id, OciSpec spec) throws Exception {
    Path bundle = Files.createDirectories(tmp.resolve("bundle-" + id));
    AtomicFiles.write(bundle.resolve("config.json"), spec.toJson());
    try {
      Command.Result r =
          Command.run(
              List.of(
                  "runc",
                  "--root",
                  tmp.resolve("runc").toString(),
                  "run",
                  "--bundle",
                  bundle.toString(),
                  id),
              TIMEOUT);
      assertEquals(0, r.exitCode(), r.err() + r.out());
      return r.out();
    } finally {
      Command.run(
          List.of("runc", "--root", tmp.resolve("runc").toString(), "delete", "--force", id),
          TIMEOUT);
    }
  }

  @Test
  void aConfinedNonRootContainerRunsWithTheIdentityAndLimitsOfItsSpec() throws Exception {
    ContainerConfig.Builder config =
        container()
            .addCommand("/bin/sh")
            .addCommand("-c")
            .addCommand(
                "id -u; id -G; grep CapEff /proc/self/status; grep Seccomp: /proc/self/status; "
                    + "hostname x 2>/dev/null && echo sethostname-allowed || echo sethostname-denied; "
                    + "touch /rootfs-write 2>/dev/null && echo rootfs-writable || echo rootfs-readonly")
            .setLinux(
                LinuxContainerConfig.newBuilder()
                    .setResources(
                        LinuxContainerResources.newBuilder()
                            .setMemoryLimitInBytes(64 << 20)
                            .setCpuShares(256))
                    .setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder()
                            .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                            .setReadonlyRootfs(true)
                            .setNoNewPrivs(true)
                            .setSeccomp(
                                SecurityProfile.newBuilder()
                                    .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))));
    List<String> lines = run("oci-confined", config).lines().toList();
    assertEquals("1000", lines.get(0));
    assertEquals("1000 10 29", lines.get(1));
    assertEquals("CapEff:\t0000000000000000", lines.get(2));
    assertEquals("Seccomp:\t2", lines.get(3));
    assertEquals("sethostname-denied", lines.get(4));
    assertEquals("rootfs-readonly", lines.get(5));
  }

  @Test
  void anInfraSpecRunsAsThePodsUserWithNothingToEscalate() throws Exception {
    PodSandboxConfig pod =
        pod().toBuilder()
            .setLinux(
                LinuxPodSandboxConfig.newBuilder()
                    .setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder()
                            .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                            .setSeccomp(
                                SecurityProfile.newBuilder()
                                    .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))))
            .build();
    OciSpec spec =
        ContainerSpecs.infra(
            pod,
            sandbox,
            f.rootfs,
            List.of(
                "/bin/sh",
                "-c",
                "id -u; grep CapEff /proc/self/status; grep NoNewPrivs /proc/self/status; grep Seccomp: /proc/self/status; "
                    + "echo $$; touch /rootfs-write 2>/dev/null && echo rootfs-writable || echo rootfs-readonly"),
            OciOptions.defaults());
    List<String> lines = run("oci-infra", spec).lines().toList();
    assertEquals("1000", lines.get(0));
    assertEquals("CapEff:\t0000000000000000", lines.get(1));
    assertEquals("NoNewPrivs:\t1", lines.get(2));
    assertEquals("Seccomp:\t2", lines.get(3));
    assertEquals("1", lines.get(4), "the first process of its own PID namespace");
    assertEquals("rootfs-readonly", lines.get(5));
  }

  @Test
  void aPrivilegedContainerGetsEveryCapabilityTheNodeHasAndItsDevices() throws Exception {
    ContainerConfig.Builder config =
        container()
            .addCommand("/bin/sh")
            .addCommand("-c")
            .addCommand(
                "grep CapEff /proc/self/status; grep Seccomp: /proc/self/status; test -c /dev/null && echo has-null")
            .setLinux(
                LinuxContainerConfig.newBuilder()
                    .setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder().setPrivileged(true)));
    OciSpec spec =
        ContainerSpecs.build(
            config.build(),
            Fixtures.privilegedPod(),
            sandbox,
            image(),
            "oci-priv",
            f.rootfs,
            f.volumes,
            Map.of(),
            OciOptions.defaults());
    long mask = 0;
    for (String cap : Fixtures.texts(json(spec).at("/process/capabilities/effective"))) {
      mask |= 1L << Capabilities.ALL.indexOf(cap);
    }
    List<String> lines = run("oci-priv", config, Fixtures.privilegedPod()).lines().toList();
    assertEquals(String.format("CapEff:\t%016x", mask), lines.get(0));
    assertEquals("Seccomp:\t0", lines.get(1));
    assertEquals("has-null", lines.get(2));
  }

  @Test
  void aRootContainerWithAddedCapabilitiesCanUseThem() throws Exception {
    ContainerConfig.Builder config =
        container()
            .addCommand("/bin/sh")
            .addCommand("-c")
            .addCommand("hostname renamed && hostname")
            .setLinux(
                LinuxContainerConfig.newBuilder()
                    .setSecurityContext(
                        LinuxContainerSecurityContext.newBuilder()
                            .setCapabilities(
                                io.jcri.cri.v1.Capability.newBuilder()
                                    .addAddCapabilities("SYS_ADMIN"))
                            .setSeccomp(
                                SecurityProfile.newBuilder()
                                    .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))));
    String out = run("oci-admin", config);
    assertTrue(out.contains("renamed"), out);
  }
}
