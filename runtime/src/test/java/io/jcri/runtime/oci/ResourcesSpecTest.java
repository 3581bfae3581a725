package io.jcri.runtime.oci;

import static io.jcri.runtime.oci.Fixtures.container;
import static io.jcri.runtime.oci.Fixtures.failure;
import static io.jcri.runtime.oci.Fixtures.image;
import static io.jcri.runtime.oci.Fixtures.options;
import static io.jcri.runtime.oci.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.v1.HugepageLimit;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.PodSandboxConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourcesSpecTest extends SpecTest {
  private OciSpec withResources(LinuxContainerResources.Builder r) throws OciSpecException {
    return f.build(container().setLinux(LinuxContainerConfig.newBuilder().setResources(r)));
  }

  private static OciOptions withFloor(int floor, String driver) {
    OciOptions o = options();
    return new OciOptions(o.defaultCapabilities(), floor, o.seccompAvailable(), o.seccompProfileRoot(),
        o.apparmorAvailable(), o.selinuxAvailable(), driver, o.extraMaskedPaths(), o.extraReadonlyPaths());
  }

  @Test
  void cpuMemoryAndHugepagesReachTheSpec() throws Exception {
    JsonNode r = withResources(LinuxContainerResources.newBuilder()
        .setCpuShares(512).setCpuQuota(50000).setCpuPeriod(100000).setCpusetCpus("0-1").setCpusetMems("0")
        .setMemoryLimitInBytes(64 << 20)
        .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("2MB").setLimit(4 << 21)))
        .json().at("/linux/resources");
    assertEquals(512, r.at("/cpu/shares").asLong());
    assertEquals(50000, r.at("/cpu/quota").asLong());
    assertEquals(100000, r.at("/cpu/period").asLong());
    assertEquals("0-1", r.at("/cpu/cpus").asText());
    assertEquals("0", r.at("/cpu/mems").asText());
    assertEquals(64 << 20, r.at("/memory/limit").asLong());
    if (NodeFacts.SWAP_LIMIT) {
      assertEquals(64 << 20, r.at("/memory/swap").asLong(), "no swap beyond the memory limit");
    }
    assertEquals("2MB", r.at("/hugepageLimits/0/pageSize").asText());
    assertEquals(4 << 21, r.at("/hugepageLimits/0/limit").asLong());
  }

  @Test
  void unsetResourcesStayUnset() throws Exception {
    JsonNode r = f.build(container()).json().at("/linux/resources");
    assertFalse(r.has("cpu"));
    assertFalse(r.has("memory"));
    assertFalse(r.has("hugepageLimits"));
  }

  @Test
  void oomScoreAdjNeverGoesBelowJcridsOwn() throws Exception {
    OciOptions floor = withFloor(-500, "cgroupfs");
    LinuxContainerResources.Builder guaranteed = LinuxContainerResources.newBuilder().setOomScoreAdj(-997);
    assertEquals(-500, f.build(container().setLinux(LinuxContainerConfig.newBuilder().setResources(guaranteed)), pod(),
        f.sandbox(), image(), floor).json().at("/process/oomScoreAdj").asInt());
    assertEquals(1000, f.build(container().setLinux(LinuxContainerConfig.newBuilder()
            .setResources(LinuxContainerResources.newBuilder().setOomScoreAdj(1000))), pod(), f.sandbox(), image(), floor)
        .json().at("/process/oomScoreAdj").asInt());
    assertEquals(-997, withResources(guaranteed).json().at("/process/oomScoreAdj").asInt(), "floor -999 allows it");
  }

  @Test
  void cgroupsPathIsUnderThePodParentForEitherDriver() throws Exception {
    assertEquals("/kubepods/podabc/c0ffee", f.build(container()).json().at("/linux/cgroupsPath").asText());
    assertEquals("/jcri/c1", ContainerSpecs.cgroupsPath("", "c1", options()));
    assertEquals("kubepods-pod1.slice:jcri:c1", ContainerSpecs.cgroupsPath("kubepods-pod1.slice", "c1", withFloor(0, "systemd")));
    assertEquals("system.slice:jcri:c1", ContainerSpecs.cgroupsPath("", "c1", withFloor(0, "systemd")));
  }

  @Test
  void podSysctlsApplyAndMustNotReachTheHost() throws Exception {
    PodSandboxConfig pod = pod().toBuilder().setLinux(LinuxPodSandboxConfig.newBuilder()
        .putSysctls("net.ipv4.ip_unprivileged_port_start", "0")
        .putSysctls("net/ipv4/conf/eth0.100/forwarding", "1")
        .putSysctls("kernel.shm_rmid_forced", "1")).build();
    JsonNode sysctl = f.build(container(), pod, f.sandbox(), image(), options()).json().at("/linux/sysctl");
    assertEquals("0", sysctl.path("net.ipv4.ip_unprivileged_port_start").asText());
    assertEquals("1", sysctl.path("net.ipv4.conf.eth0/100.forwarding").asText());
    assertEquals("1", sysctl.path("kernel.shm_rmid_forced").asText());
    SandboxContext s = f.sandbox();
    SandboxContext hostNet = new SandboxContext(s.sandboxId(), s.hostname(), true, false, false, null, s.ipcNsPath(),
        s.utsNsPath(), 0, s.cgroupParent(), s.resolvConf(), s.hostnameFile(), s.hostsFile(), s.shmPath());
    assertEquals(OciSpecException.Reason.INVALID_ARGUMENT, failure(() -> f.build(container(), pod, hostNet, image(), options())));
  }

  @Test
  void resourcesJsonIsWhatRuncUpdateReads() throws Exception {
    JsonNode r = new ObjectMapper().readTree(ContainerSpecs.resourcesJson(
        LinuxContainerResources.newBuilder().setCpuQuota(20000).setMemoryLimitInBytes(128 << 20).build(), "c1"));
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
