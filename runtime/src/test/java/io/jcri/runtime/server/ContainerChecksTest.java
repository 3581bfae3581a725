package io.jcri.runtime.server;

import static io.jcri.runtime.server.Refusals.assertInvalid;

import com.google.protobuf.ByteString;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.Device;
import io.jcri.cri.v1.HugepageLimit;
import io.jcri.cri.v1.IDMapping;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.KeyValue;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.MountPropagation;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.Signal;
import io.jcri.cri.v1.UserNamespace;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ContainerChecksTest {
  private static final Refusals.Rows<ContainerConfig.Builder> ROWS =
      new Refusals.Rows<>(ContainerChecksTest::container);

  /** A container as kubelet sends one, with a bit of everything that is valid. */
  private static ContainerConfig.Builder container() {
    return ContainerConfig.newBuilder()
        .setMetadata(ContainerMetadata.newBuilder().setName("app"))
        .setImage(
            ImageSpec.newBuilder()
                .setImage("registry.local:5000/team/app@sha256:" + "a".repeat(64)))
        .setWorkingDir("/srv")
        .addEnvs(KeyValue.newBuilder().setKey("MODE").setValue(ByteString.copyFromUtf8("a=b")))
        .addMounts(
            Mount.newBuilder()
                .setContainerPath("/data")
                .setHostPath("/var/lib/kubelet/pods/x/volumes/data")
                .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))
        .addMounts(
            Mount.newBuilder()
                .setContainerPath("/etc/hosts")
                .setHostPath("/var/lib/kubelet/pods/x/etc-hosts"))
        .addDevices(Device.newBuilder().setHostPath("/dev/fuse").setPermissions("rw"))
        .setLogPath("app/0.log")
        .setLinux(
            LinuxContainerConfig.newBuilder()
                .setResources(
                    LinuxContainerResources.newBuilder()
                        .setCpuPeriod(100_000)
                        .setCpuQuota(-1)
                        .setCpuShares(2)
                        .setMemoryLimitInBytes(128 << 20)
                        .setMemorySwapLimitInBytes(256 << 20)
                        .setOomScoreAdj(-997)
                        .setCpusetCpus("0-1,3")
                        .setCpusetMems("0")
                        .addHugepageLimits(
                            HugepageLimit.newBuilder().setPageSize("2MB").setLimit(0))
                        .putUnified("memory.high", "max")
                        .putUnified("hugetlb.2MB.max", "0"))
                .setSecurityContext(
                    LinuxContainerSecurityContext.newBuilder()
                        .setRunAsUsername("app")
                        .setRunAsGroup(Int64Value.newBuilder().setValue(3000))
                        .setNamespaceOptions(
                            NamespaceOption.newBuilder()
                                .setPid(NamespaceMode.TARGET)
                                .setTargetId("c1"))));
  }

  private static LinuxContainerResources.Builder resources(ContainerConfig.Builder c) {
    return c.getLinuxBuilder().getResourcesBuilder();
  }

  private static LinuxContainerSecurityContext.Builder security(ContainerConfig.Builder c) {
    return c.getLinuxBuilder().getSecurityContextBuilder();
  }

  static Stream<Arguments> badContainers() {
    return Stream.of(
        ROWS.bad(
            "metadata.name is required",
            c -> c.setMetadata(ContainerMetadata.newBuilder().setAttempt(1))),
        ROWS.bad("image.image is required", c -> c.setImage(ImageSpec.getDefaultInstance())),
        ROWS.bad(
            "image.image: invalid image reference \"busybox@sha256:12\": bad digest",
            c -> c.setImage(ImageSpec.newBuilder().setImage("busybox@sha256:12"))),
        ROWS.bad(
            "image.image: invalid image reference \"Busybox\"",
            c -> c.setImage(ImageSpec.newBuilder().setImage("Busybox"))),
        ROWS.bad("working_dir \"srv\" must be an absolute path", c -> c.setWorkingDir("srv")),
        ROWS.bad(
            "envs[1].key \"A=B\" must be non-empty",
            c -> c.addEnvs(KeyValue.newBuilder().setKey("A=B"))),
        ROWS.bad("envs[1].key \"\" must be non-empty", c -> c.addEnvs(KeyValue.newBuilder())),
        ROWS.bad(
            "mounts[2].container_path \"data\" must be an absolute path",
            c -> c.addMounts(Mount.newBuilder().setContainerPath("data").setHostPath("/tmp"))),
        ROWS.bad(
            "mounts[2].host_path \"tmp\" must be an absolute path",
            c -> c.addMounts(Mount.newBuilder().setContainerPath("/tmp").setHostPath("tmp"))),
        ROWS.bad(
            "mounts[2].container_path \"/data/\" is also the destination of mounts[0]",
            c -> c.addMounts(Mount.newBuilder().setContainerPath("/data/").setHostPath("/tmp"))),
        ROWS.bad(
            "mounts[2].uidMappings: [0:100000:65536] is not possible: the pod runs in the node's user namespace",
            c ->
                c.addMounts(
                    Mount.newBuilder()
                        .setContainerPath("/ids")
                        .setHostPath("/tmp")
                        .addUidMappings(
                            IDMapping.newBuilder()
                                .setContainerId(0)
                                .setHostId(100000)
                                .setLength(65536)))),
        ROWS.bad(
            "mounts[2].gidMappings: [0:100000:65536] is not possible: the pod runs in the node's user namespace",
            c ->
                c.addMounts(
                    Mount.newBuilder()
                        .setContainerPath("/ids")
                        .setHostPath("/tmp")
                        .addGidMappings(
                            IDMapping.newBuilder()
                                .setContainerId(0)
                                .setHostId(100000)
                                .setLength(65536)))),
        ROWS.bad(
            "mounts[0].propagation 5 is not a mount propagation of the CRI",
            c -> c.setMounts(0, c.getMounts(0).toBuilder().setPropagationValue(5))),
        ROWS.bad(
            "mounts[2].recursive_read_only needs readonly set as well",
            c ->
                c.addMounts(
                    Mount.newBuilder()
                        .setContainerPath("/ro")
                        .setHostPath("/tmp")
                        .setRecursiveReadOnly(true))),
        ROWS.bad(
            "mounts[2].recursive_read_only needs propagation PROPAGATION_PRIVATE, not PROPAGATION_HOST_TO_CONTAINER",
            c ->
                c.addMounts(
                    Mount.newBuilder()
                        .setContainerPath("/ro")
                        .setHostPath("/tmp")
                        .setRecursiveReadOnly(true)
                        .setReadonly(true)
                        .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))),
        ROWS.bad("stop_signal 99 is not a signal of the CRI", c -> c.setStopSignalValue(99)),
        ROWS.bad(
            "devices[1].host_path \"dev/fuse\" must be an absolute path",
            c -> c.addDevices(Device.newBuilder().setHostPath("dev/fuse"))),
        ROWS.bad(
            "devices[1].container_path \"fuse\" must be an absolute path",
            c ->
                c.addDevices(
                    Device.newBuilder().setHostPath("/dev/fuse").setContainerPath("fuse"))),
        ROWS.bad(
            "devices[0].permissions \"rwx\" must be made of r, w and m",
            c ->
                c.setDevices(
                    0, Device.newBuilder().setHostPath("/dev/fuse").setPermissions("rwx"))),
        ROWS.bad(
            "log_path \"/var/log/app.log\" must be a relative path",
            c -> c.setLogPath("/var/log/app.log")),
        ROWS.bad(
            "log_path \"app/../../other/0.log\" leaves its directory",
            c -> c.setLogPath("app/../../other/0.log")),
        ROWS.bad(
            "linux.resources.cpu_period 999 is outside 1000-1000000",
            c -> resources(c).setCpuPeriod(999)),
        ROWS.bad(
            "linux.resources.cpu_period 1000001 is outside 1000-1000000",
            c -> resources(c).setCpuPeriod(1_000_001)),
        ROWS.bad(
            "linux.resources.cpu_quota -5 is outside 1000-", c -> resources(c).setCpuQuota(-5)),
        ROWS.bad(
            "linux.resources.cpu_quota 10 is outside 1000-", c -> resources(c).setCpuQuota(10)),
        ROWS.bad(
            "linux.resources.cpu_shares 1 is outside 2-262144", c -> resources(c).setCpuShares(1)),
        ROWS.bad(
            "linux.resources.cpu_shares -2 is outside 2-262144",
            c -> resources(c).setCpuShares(-2)),
        ROWS.bad(
            "linux.resources.memory_limit_in_bytes -1 is outside 0-",
            c -> resources(c).setMemoryLimitInBytes(-1)),
        ROWS.bad(
            "linux.resources.memory_swap_limit_in_bytes -2 is outside -1-",
            c -> resources(c).setMemorySwapLimitInBytes(-2)),
        ROWS.bad(
            "linux.resources.memory_swap_limit_in_bytes 1048576 is below memory_limit_in_bytes 134217728",
            c -> resources(c).setMemorySwapLimitInBytes(1 << 20)),
        ROWS.bad(
            "linux.resources.oom_score_adj 1001 is outside -1000-1000",
            c -> resources(c).setOomScoreAdj(1001)),
        ROWS.bad(
            "linux.resources.oom_score_adj -1001 is outside -1000-1000",
            c -> resources(c).setOomScoreAdj(-1001)),
        ROWS.bad(
            "linux.resources.cpuset_cpus \"3-1\" is not a list",
            c -> resources(c).setCpusetCpus("3-1")),
        ROWS.bad(
            "linux.resources.cpuset_mems \"zero\" is not a list",
            c -> resources(c).setCpusetMems("zero")),
        ROWS.bad(
            "linux.resources.hugepage_limits[1].page_size \"2M\" is not of the form",
            c -> resources(c).addHugepageLimits(HugepageLimit.newBuilder().setPageSize("2M"))),
        ROWS.bad(
            "linux.resources.unified[\"../../cgroup.procs\"] is not a cgroup v2 file name",
            c -> resources(c).putUnified("../../cgroup.procs", "1")),
        ROWS.bad(
            "linux.resources.unified[\"memory\"] is not a cgroup v2 file name",
            c -> resources(c).putUnified("memory", "1")),
        ROWS.bad(
            "linux.security_context.run_as_group is set but run_as_user or run_as_username is not",
            c -> security(c).clearRunAsUsername()),
        ROWS.bad(
            "linux.security_context.run_as_username cannot be set together with run_as_user",
            c -> security(c).setRunAsUser(Int64Value.newBuilder().setValue(1000))),
        ROWS.bad(
            "linux.security_context.run_as_group -3 is outside 0-4294967294",
            c -> security(c).setRunAsGroup(Int64Value.newBuilder().setValue(-3))),
        ROWS.bad(
            "linux.security_context.supplemental_groups_policy 2 is not Merge or Strict",
            c -> security(c).setSupplementalGroupsPolicyValue(2)),
        ROWS.bad(
            "linux.security_context.namespace_options.target_id is required with pid mode TARGET",
            c -> security(c).getNamespaceOptionsBuilder().clearTargetId()),
        ROWS.bad(
            "linux.security_context.namespace_options.ipc TARGET is not a namespace mode allowed here",
            c -> security(c).getNamespaceOptionsBuilder().setIpc(NamespaceMode.TARGET)),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.uids has 0 mappings",
            c ->
                security(c)
                    .getNamespaceOptionsBuilder()
                    .getUsernsOptionsBuilder()
                    .setMode(NamespaceMode.POD)),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.mode CONTAINER is not a user namespace mode",
            c ->
                security(c)
                    .getNamespaceOptionsBuilder()
                    .getUsernsOptionsBuilder()
                    .setMode(NamespaceMode.CONTAINER)),
        ROWS.bad(
            "linux.security_context.seccomp.profile_type 4 is not a profile type of the CRI",
            c -> security(c).getSeccompBuilder().setProfileTypeValue(4)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badContainers")
  void badContainersAreRefusedNamingTheField(
      String expected, Consumer<ContainerConfig.Builder> change) {
    ROWS.assertRefused(expected, change, c -> ContainerChecks.createContainer(c.build(), NODE_POD));
  }

  @Test
  void aContainerAsKubeletSendsItPasses() {
    ContainerChecks.createContainer(container().build(), NODE_POD);
    ContainerChecks.createContainer(
        ContainerConfig.newBuilder()
            .setMetadata(ContainerMetadata.newBuilder().setName("c"))
            .setImage(ImageSpec.newBuilder().setImage("sha256:" + "b".repeat(64)))
            .build(),
        NODE_POD);
    ContainerChecks.createContainer(
        container()
            .setStopSignal(Signal.SIGUSR1)
            .addMounts(
                Mount.newBuilder()
                    .setContainerPath("/ro")
                    .setHostPath("/tmp")
                    .setReadonly(true)
                    .setRecursiveReadOnly(true))
            .build(),
        NODE_POD);
  }

  private static final PodSandboxConfig NODE_POD = PodSandboxConfig.getDefaultInstance();
  private static final IDMapping POD_MAP =
      IDMapping.newBuilder().setContainerId(0).setHostId(65536 * 3).setLength(65536).build();

  /** A pod or container of its own user namespace (POD mode) mapped by POD_MAP. */
  private static NamespaceOption.Builder podUserns(NamespaceOption.Builder ns) {
    return ns.setUsernsOptions(
        UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(POD_MAP).addGids(POD_MAP));
  }

  private static PodSandboxConfig usernsPod() {
    PodSandboxConfig.Builder pod = PodSandboxConfig.newBuilder();
    podUserns(pod.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder());
    return pod.build();
  }

  private static ContainerConfig.Builder withMappedMount(IDMapping uids, IDMapping gids) {
    return container()
        .addMounts(
            Mount.newBuilder()
                .setContainerPath("/ids")
                .setHostPath("/tmp")
                .addUidMappings(uids)
                .addGidMappings(gids));
  }

  /** kubelet 1.30+ sends the pod's userns mappings on every mount of a hostUsers:false pod. */
  @Test
  void mountMappingsEqualToThePodsUserNamespaceArePassed() {
    ContainerChecks.createContainer(withMappedMount(POD_MAP, POD_MAP).build(), usernsPod());
    ContainerConfig.Builder own = withMappedMount(POD_MAP, POD_MAP);
    podUserns(security(own).getNamespaceOptionsBuilder());
    ContainerChecks.createContainer(own.build(), NODE_POD);
  }

  @Test
  void otherMountMappingsAreRefusedNamingTheMount() {
    IDMapping other = POD_MAP.toBuilder().setHostId(65536 * 4).build();
    assertInvalid(
        "mounts[2].uidMappings: [0:262144:65536] is not the pod's user namespace mapping [0:196608:65536]",
        () ->
            ContainerChecks.createContainer(withMappedMount(other, POD_MAP).build(), usernsPod()));
    assertInvalid(
        "mounts[2].gidMappings: [0:196608:1] is not the pod's user namespace mapping [0:196608:65536]",
        () ->
            ContainerChecks.createContainer(
                withMappedMount(POD_MAP, POD_MAP.toBuilder().setLength(1).build()).build(),
                usernsPod()));
    assertInvalid(
        "mounts[2].uidMappings: [0:196608:65536] is not possible: the pod runs in the node's user namespace",
        () -> ContainerChecks.createContainer(withMappedMount(POD_MAP, POD_MAP).build(), NODE_POD));
  }

  @Test
  void updateContainerResourcesNamesTheRequestField() {
    assertInvalid(
        "linux.cpu_quota -7 is outside 1000-",
        () ->
            ResourceChecks.resources(
                "linux", LinuxContainerResources.newBuilder().setCpuQuota(-7).build()));
    ResourceChecks.resources("linux", LinuxContainerResources.getDefaultInstance());
  }
}
