package io.jcri.runtime.oci;

import static io.jcri.runtime.oci.Fixtures.container;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.jcri.cri.v1.CDIDevice;
import io.jcri.cri.v1.Capability;
import io.jcri.cri.v1.Device;
import io.jcri.cri.v1.HugepageLimit;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.KeyValue;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.MountPropagation;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.SELinuxOption;
import io.jcri.cri.v1.SecurityProfile;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The JSON of a representative container spec, infra spec and resources object is, byte for byte,
 * what the generator produced before the spec was modelled with records (fixtures captured from
 * that code, temporary paths written as /TMP). What depends on the node is kept out of the
 * requests: no privileged devices, no RuntimeDefault seccomp (its architectures are the node's),
 * explicit swap.
 */
class SpecJsonFixtureTest extends SpecTest {
  private static final String PROFILE =
      """
      {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
       "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                    {"name": "socket", "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 40, "op": "SCMP_CMP_NE"}]},
                    {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
                    {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]}
      """;
  private static final String CDI =
      """
      {"cdiVersion": "0.6.0", "kind": "example.com/gpu",
       "containerEdits": {"env": ["GPU_DRIVER=1.2"],
         "hooks": [{"hookName": "createContainer", "path": "/usr/bin/gpu-hook", "args": ["gpu-hook", "update"], "timeout": 5},
                   {"hookName": "createContainer", "path": "/usr/bin/other-hook"}]},
       "devices": [{"name": "gpu1", "containerEdits": {"env": ["GPU=1"],
         "deviceNodes": [{"path": "/dev/gpu1", "type": "c", "major": 195, "minor": 1, "fileMode": 432, "gid": 44}],
         "mounts": [{"hostPath": "/usr/lib/gpu", "containerPath": "/usr/lib/gpu", "options": ["ro", "nosuid"]}]}}]}
      """;

  private OciOptions options() throws Exception {
    Path cdi = Files.createDirectories(tmp.resolve("cdi"));
    Files.writeString(cdi.resolve("gpu.json"), CDI);
    return new OciOptions(
        OciOptions.DEFAULT_CAPABILITIES,
        -999,
        true,
        tmp,
        true,
        true,
        "cgroupfs",
        List.of("/proc/extra"),
        List.of(),
        List.of(cdi));
  }

  private String normalised(byte[] json) throws Exception {
    String text = new String(json, StandardCharsets.UTF_8);
    return text.replace(tmp.toRealPath().toString(), "/TMP").replace(tmp.toString(), "/TMP");
  }

  private static LinuxContainerResources resources() {
    return LinuxContainerResources.newBuilder()
        .setCpuShares(512)
        .setCpuQuota(50000)
        .setCpuPeriod(100000)
        .setCpusetCpus("0-1")
        .setCpusetMems("0")
        .setMemoryLimitInBytes(64 << 20)
        .setMemorySwapLimitInBytes(128 << 20)
        .setOomScoreAdj(900)
        .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("2MB").setLimit(4 << 21))
        .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("1GB").setLimit(0))
        .putUnified("memory.high", "50000000")
        .putUnified("pids.max", "100")
        .build();
  }

  /**
   * The fixture was captured on a cgroup v1 node; a v2 node adds one namespace at the end, and only
   * that.
   */
  private static byte[] withoutCgroupNamespace(byte[] json) throws Exception {
    if (!NodeFacts.CGROUP_V2) {
      return json;
    }
    ObjectMapper mapper = new ObjectMapper();
    ObjectNode tree = (ObjectNode) mapper.readTree(json);
    com.fasterxml.jackson.databind.node.ArrayNode namespaces =
        (com.fasterxml.jackson.databind.node.ArrayNode) tree.at("/linux/namespaces");
    assertEquals("{\"type\":\"cgroup\"}", namespaces.get(namespaces.size() - 1).toString());
    namespaces.remove(namespaces.size() - 1);
    return mapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree);
  }

  /** The fixture, or (to capture it) the actual output written under target/ and a failure. */
  private void assertFixture(String name, String actual) throws Exception {
    Path out = Path.of("target", "oci-specs", name);
    Files.createDirectories(out.getParent());
    Files.writeString(out, actual);
    try (InputStream in = getClass().getResourceAsStream("/oci-specs/" + name)) {
      assertNotNull(
          in, "fixture " + name + " missing; this run's output is in " + out.toAbsolutePath());
      assertEquals(
          new String(in.readAllBytes(), StandardCharsets.UTF_8),
          actual,
          "differs from " + out.toAbsolutePath());
    }
  }

  @Test
  void aContainerSpecIsTheJsonTheGeneratorAlwaysMade() throws Exception {
    Files.writeString(tmp.resolve("profile.json"), PROFILE);
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.createDirectories(f.rootfs.resolve("var/lib/data"));
    Files.writeString(f.rootfs.resolve("var/lib/data/seed"), "seed");
    PodSandboxConfig pod =
        Fixtures.pod().toBuilder()
            .setLinux(
                LinuxPodSandboxConfig.newBuilder()
                    .putSysctls("net.ipv4.ip_unprivileged_port_start", "0")
                    .putSysctls("kernel.shm_rmid_forced", "1"))
            .build();
    LinuxContainerSecurityContext.Builder sc =
        LinuxContainerSecurityContext.newBuilder()
            .setRunAsUser(Int64Value.newBuilder().setValue(1000))
            .addSupplementalGroups(5000)
            .setCapabilities(
                Capability.newBuilder()
                    .addAddCapabilities("NET_ADMIN")
                    .addDropCapabilities("KILL")
                    .addAddAmbientCapabilities("NET_BIND_SERVICE"))
            .setNoNewPrivs(true)
            .setApparmor(
                SecurityProfile.newBuilder()
                    .setProfileType(SecurityProfile.ProfileType.Localhost)
                    .setLocalhostRef("k8s-prof"))
            .setSelinuxOptions(SELinuxOption.newBuilder().setType("spc_t").setLevel("s0:c1,c2"))
            .setSeccomp(
                SecurityProfile.newBuilder()
                    .setProfileType(SecurityProfile.ProfileType.Localhost)
                    .setLocalhostRef("profile.json"))
            .addMaskedPaths("/proc/kcore")
            .addReadonlyPaths("/proc/sys")
            .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.POD));
    var config =
        container()
            .addCommand("/bin/app")
            .addArgs("--flag")
            .addEnvs(
                KeyValue.newBuilder().setKey("A").setValue(ByteString.copyFromUtf8("from-config")))
            .setWorkingDir("/work")
            .addMounts(
                Mount.newBuilder()
                    .setHostPath(data.toString())
                    .setContainerPath("/data")
                    .setReadonly(true))
            .addMounts(
                Mount.newBuilder()
                    .setHostPath(data.toString())
                    .setContainerPath("/slave")
                    .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))
            .addDevices(
                Device.newBuilder()
                    .setHostPath("/dev/null")
                    .setContainerPath("/dev/mynull")
                    .setPermissions("rw"))
            .addCDIDevices(CDIDevice.newBuilder().setName("example.com/gpu=gpu1"))
            .putAnnotations("io.example/a", "1")
            .putAnnotations("io.example/b", "2")
            .setLinux(
                LinuxContainerConfig.newBuilder()
                    .setSecurityContext(sc)
                    .setResources(
                        LinuxContainerResources.newBuilder()
                            .setCpuShares(256)
                            .setCpuQuota(20000)
                            .setCpuPeriod(100000)
                            .setMemoryLimitInBytes(64 << 20)
                            .setMemorySwapLimitInBytes(96 << 20)
                            .setOomScoreAdj(500)));
    ImageDefaults i = Fixtures.image();
    ImageDefaults image =
        new ImageDefaults(
            "", i.env(), i.entrypoint(), i.cmd(), i.workingDir(), List.of("/var/lib/data"), "");
    SandboxContext s = f.sandbox();
    SandboxContext withInfra =
        new SandboxContext(
            s.sandboxId(),
            s.hostname(),
            false,
            false,
            false,
            s.netnsPath(),
            null,
            null,
            4321,
            s.cgroupParent(),
            s.resolvConf(),
            s.hostnameFile(),
            s.hostsFile(),
            s.shmPath());
    OciSpec spec =
        ContainerSpecs.build(
            config.build(),
            pod,
            withInfra,
            image,
            "c0ffee",
            f.rootfs,
            f.volumes,
            Map.of(),
            options());
    assertFixture("container.json", normalised(withoutCgroupNamespace(spec.toJson())));
  }

  @Test
  void anInfraSpecIsTheJsonTheGeneratorAlwaysMade() throws Exception {
    Files.writeString(tmp.resolve("profile.json"), PROFILE);
    PodSandboxConfig pod =
        Fixtures.pod().toBuilder()
            .setLinux(
                LinuxPodSandboxConfig.newBuilder()
                    .putSysctls("net.ipv4.ip_unprivileged_port_start", "0")
                    .setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder()
                            .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                            .setRunAsGroup(Int64Value.newBuilder().setValue(50))
                            .setSeccomp(
                                SecurityProfile.newBuilder()
                                    .setProfileType(SecurityProfile.ProfileType.Localhost)
                                    .setLocalhostRef("profile.json"))))
            .build();
    SandboxContext s = f.sandbox();
    SandboxContext unpinned =
        new SandboxContext(
            s.sandboxId(),
            s.hostname(),
            false,
            false,
            false,
            s.netnsPath(),
            null,
            null,
            4321,
            s.cgroupParent(),
            s.resolvConf(),
            s.hostnameFile(),
            s.hostsFile(),
            s.shmPath());
    OciSpec spec =
        ContainerSpecs.infra(pod, unpinned, f.rootfs, List.of("/pause", "-v"), options());
    assertFixture("infra.json", normalised(spec.toJson()));
  }

  @Test
  void resourcesAreTheJsonTheGeneratorAlwaysMade() throws Exception {
    SpecResources v1 =
        ResourceSpecs.limits(
            resources(),
            "c1",
            new CgroupControllers(false, java.util.Set.of("cpu", "cpuset", "memory", "hugetlb")));
    SpecResources v2 =
        ResourceSpecs.limits(
            resources(),
            "c1",
            CgroupControllers.of(true, "cpu memory hugetlb", List.of(), java.util.Set.of()));
    assertFixture("resources-v1.json", new String(SpecJson.pretty(v1), StandardCharsets.UTF_8));
    assertFixture("resources-v2.json", new String(SpecJson.pretty(v2), StandardCharsets.UTF_8));
  }
}
