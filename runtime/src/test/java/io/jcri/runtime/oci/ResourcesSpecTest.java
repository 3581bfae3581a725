package io.jcri.runtime.oci;

import static io.jcri.runtime.oci.Fixtures.container;
import static io.jcri.runtime.oci.Fixtures.failure;
import static io.jcri.runtime.oci.Fixtures.image;
import static io.jcri.runtime.oci.Fixtures.json;
import static io.jcri.runtime.oci.Fixtures.options;
import static io.jcri.runtime.oci.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.v1.HugepageLimit;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.sys.MountInfo;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResourcesSpecTest extends SpecTest {
  private OciSpec withResources(LinuxContainerResources.Builder r) throws OciSpecException {
    return f.build(container().setLinux(LinuxContainerConfig.newBuilder().setResources(r)));
  }

  private static OciOptions withFloor(int floor, String driver) {
    OciOptions o = options();
    return new OciOptions(
        o.defaultCapabilities(),
        floor,
        o.seccompAvailable(),
        o.seccompProfileRoot(),
        o.apparmorAvailable(),
        o.selinuxAvailable(),
        driver,
        o.extraMaskedPaths(),
        o.extraReadonlyPaths(),
        o.cdiSpecDirs());
  }

  private static final CgroupControllers V1_ALL =
      new CgroupControllers(
          false, Set.of("cpu", "cpuacct", "cpuset", "memory", "hugetlb", "pids", "devices"));

  /** This VM: v1 hierarchies for most controllers, hugetlb only on the unified one. */
  private static final CgroupControllers HYBRID =
      CgroupControllers.of(
          false,
          "",
          MountInfo.parse(
              List.of(
                  "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
                  "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
                  "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset",
                  "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                  "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
                  "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw")),
          CgroupControllers.kernelControllers(
              List.of(
                  "#subsys_name\thierarchy\tnum_cgroups\tenabled",
                  "cpuset\t3\t1\t1",
                  "cpu\t1\t1\t1",
                  "cpuacct\t2\t1\t1",
                  "memory\t4\t45\t1",
                  "hugetlb\t0\t1\t1",
                  "net_cls\t0\t1\t0")));

  /** What kubelet sends for a Burstable container on a node with 2 MB and 1 GB pages. */
  private static LinuxContainerResources kubeletResources() {
    return LinuxContainerResources.newBuilder()
        .setCpuShares(512)
        .setCpuQuota(50000)
        .setCpuPeriod(100000)
        .setCpusetCpus("0-1")
        .setCpusetMems("0")
        .setMemoryLimitInBytes(64 << 20)
        .setOomScoreAdj(900)
        .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("2MB").setLimit(4 << 21))
        .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("1GB").setLimit(0))
        .putUnified("memory.high", "50000000")
        .build();
  }

  private static SpecResources resources(LinuxContainerResources r, CgroupControllers cgroups) {
    return ResourceSpecs.limits(r, "c1", cgroups);
  }

  @Test
  void cpuMemoryAndHugepagesReachTheSpecWhereRuncCanSetThem() {
    SpecResources r = resources(kubeletResources(), V1_ALL);
    assertEquals(new SpecResources.Cpu(512L, 50000L, 100000L, "0-1", "0"), r.cpu());
    assertEquals(64 << 20, r.memory().limit());
    if (NodeFacts.SWAP_LIMIT) {
      assertEquals(64L << 20, r.memory().swap(), "no swap beyond the memory limit");
    }
    assertEquals(
        List.of(
            new SpecResources.HugepageLimit("2MB", 4 << 21),
            new SpecResources.HugepageLimit("1GB", 0)),
        r.hugepageLimits());
    assertNull(r.unified(), "runc's v1 manager refuses unified keys");
    assertNull(r.devices(), "limits alone leave the device rules as they are");
  }

  @Test
  void hybridNodeLeavesOutHugepagesThatOnlyTheUnifiedHierarchyHas() {
    assertEquals(Set.of("cpu", "cpuacct", "cpuset", "memory"), HYBRID.available());
    SpecResources r = resources(kubeletResources(), HYBRID);
    assertNull(r.hugepageLimits(), "runc's v1 manager fails the create: cannot set hugetlb limit");
    assertNull(r.unified());
    assertEquals(512L, r.cpu().shares());
    assertEquals("0-1", r.cpu().cpus());
    assertEquals(64 << 20, r.memory().limit());
  }

  @Test
  void v1NodeWithoutCpusetOrMemoryKeepsTheRest() {
    SpecResources r =
        resources(kubeletResources(), new CgroupControllers(false, Set.of("cpu", "hugetlb")));
    assertEquals(512L, r.cpu().shares());
    assertNull(r.cpu().cpus());
    assertNull(r.cpu().mems());
    assertNull(r.memory());
    assertEquals("2MB", r.hugepageLimits().get(0).pageSize());
    SpecResources noCpu =
        resources(kubeletResources(), new CgroupControllers(false, Set.of("cpuset")));
    assertEquals("0-1", noCpu.cpu().cpus());
    assertNull(noCpu.cpu().shares());
    assertNull(noCpu.cpu().quota());
  }

  @Test
  void v2NodeTakesUnifiedKeysAndTheControllersItsRootOffers() {
    CgroupControllers v2 =
        CgroupControllers.of(true, "cpuset cpu io memory pids\n", List.of(), Set.of());
    assertEquals(Set.of("cpuset", "cpu", "io", "memory", "pids"), v2.available());
    SpecResources r = resources(kubeletResources(), v2);
    assertEquals(java.util.Map.of("memory.high", "50000000"), r.unified());
    assertNull(r.hugepageLimits(), "no hugetlb in cgroup.controllers");
    SpecResources withHugetlb =
        resources(
            kubeletResources(),
            CgroupControllers.of(true, "cpu memory hugetlb", List.of(), Set.of()));
    assertEquals(2, withHugetlb.hugepageLimits().size());
  }

  @Test
  void unsetResourcesStayUnset() throws Exception {
    JsonNode r = json(f.build(container())).at("/linux/resources");
    assertFalse(r.has("cpu"));
    assertFalse(r.has("memory"));
    assertFalse(r.has("hugepageLimits"));
  }

  @Test
  void oomScoreAdjNeverGoesBelowJcridsOwn() throws Exception {
    OciOptions floor = withFloor(-500, "cgroupfs");
    LinuxContainerResources.Builder guaranteed =
        LinuxContainerResources.newBuilder().setOomScoreAdj(-997);
    assertEquals(
        -500,
        json(f.build(
                container().setLinux(LinuxContainerConfig.newBuilder().setResources(guaranteed)),
                pod(),
                f.sandbox(),
                image(),
                floor))
            .at("/process/oomScoreAdj")
            .asInt());
    assertEquals(
        1000,
        json(f.build(
                container()
                    .setLinux(
                        LinuxContainerConfig.newBuilder()
                            .setResources(
                                LinuxContainerResources.newBuilder().setOomScoreAdj(1000))),
                pod(),
                f.sandbox(),
                image(),
                floor))
            .at("/process/oomScoreAdj")
            .asInt());
    assertEquals(
        -997,
        json(withResources(guaranteed)).at("/process/oomScoreAdj").asInt(),
        "floor -999 allows it");
  }

  @Test
  void cgroupsPathIsUnderThePodParentForEitherDriver() throws Exception {
    assertEquals(
        "/kubepods/podabc/c0ffee", json(f.build(container())).at("/linux/cgroupsPath").asText());
    assertEquals("/jcri/c1", Cgroups.path("", "c1", options()));
    assertEquals(
        "kubepods-pod1.slice:jcri:c1",
        Cgroups.path("kubepods-pod1.slice", "c1", withFloor(0, "systemd")));
    assertEquals("system.slice:jcri:c1", Cgroups.path("", "c1", withFloor(0, "systemd")));
  }

  @Test
  void podSysctlsApplyAndMustNotReachTheHost() throws Exception {
    PodSandboxConfig pod =
        pod().toBuilder()
            .setLinux(
                LinuxPodSandboxConfig.newBuilder()
                    .putSysctls("net.ipv4.ip_unprivileged_port_start", "0")
                    .putSysctls("net/ipv4/conf/eth0.100/forwarding", "1")
                    .putSysctls("kernel.shm_rmid_forced", "1"))
            .build();
    JsonNode sysctl =
        json(f.build(container(), pod, f.sandbox(), image(), options())).at("/linux/sysctl");
    assertEquals("0", sysctl.path("net.ipv4.ip_unprivileged_port_start").asText());
    assertEquals("1", sysctl.path("net.ipv4.conf.eth0/100.forwarding").asText());
    assertEquals("1", sysctl.path("kernel.shm_rmid_forced").asText());
    SandboxContext s = f.sandbox();
    SandboxContext hostNet =
        new SandboxContext(
            s.sandboxId(),
            s.hostname(),
            true,
            false,
            false,
            null,
            s.ipcNsPath(),
            s.utsNsPath(),
            0,
            s.cgroupParent(),
            s.resolvConf(),
            s.hostnameFile(),
            s.hostsFile(),
            s.shmPath());
    assertEquals(
        OciSpecException.Reason.INVALID_ARGUMENT,
        failure(() -> f.build(container(), pod, hostNet, image(), options())));
  }

  @Test
  void aDottedSysctlWithASlashInAComponentStaysDotted() throws Exception {
    PodSandboxConfig pod =
        pod().toBuilder()
            .setLinux(
                LinuxPodSandboxConfig.newBuilder()
                    .putSysctls("net.ipv4.conf.eth0/100.forwarding", "1"))
            .build();
    JsonNode sysctl =
        json(f.build(container(), pod, f.sandbox(), image(), options())).at("/linux/sysctl");
    assertEquals(List.of("net.ipv4.conf.eth0/100.forwarding"), iterable(sysctl));
  }

  @Test
  void resourcesJsonIsWhatRuncUpdateReads() throws Exception {
    JsonNode r =
        new ObjectMapper()
            .readTree(
                ContainerSpecs.resourcesJson(
                    LinuxContainerResources.newBuilder()
                        .setCpuQuota(20000)
                        .setMemoryLimitInBytes(128 << 20)
                        .build(),
                    "c1"));
    assertEquals(20000, r.at("/cpu/quota").asLong());
    assertEquals(128 << 20, r.at("/memory/limit").asLong());
    assertEquals(List.of("cpu", "memory"), List.copyOf(iterable(r)));
  }

  private static List<String> iterable(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
