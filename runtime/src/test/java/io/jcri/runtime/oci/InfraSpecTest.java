package io.jcri.runtime.oci;

import static io.jcri.runtime.oci.Fixtures.json;
import static io.jcri.runtime.oci.Fixtures.namespace;
import static io.jcri.runtime.oci.Fixtures.options;
import static io.jcri.runtime.oci.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.PodSandboxConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class InfraSpecTest extends SpecTest {
  @Test
  void theInfraProcessHoldsANewPidNamespaceAndJoinsThePinnedOnes() throws Exception {
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
            777,
            s.cgroupParent(),
            s.resolvConf(),
            s.hostnameFile(),
            s.hostsFile(),
            s.shmPath());
    OciSpec spec =
        ContainerSpecs.infra(pod(), withInfra, f.rootfs, List.of("/catatonit", "-P"), options());
    assertEquals(List.of("/catatonit", "-P"), spec.processArgs());
    assertEquals("/run/jcri/netns/sb1", namespace(spec, "network").path("path").asText());
    assertFalse(namespace(spec, "pid").has("path"));
    assertFalse(namespace(spec, "ipc").has("path"), "it never joins itself");
    assertFalse(namespace(spec, "uts").has("path"));
    assertTrue(json(spec).at("/root/readonly").asBoolean());
    assertTrue(json(spec).at("/process/capabilities/effective").isEmpty());
    assertTrue(json(spec).at("/process/noNewPrivileges").asBoolean());
    assertEquals("/kubepods/podabc/sb1", json(spec).at("/linux/cgroupsPath").asText());
    assertEquals(-998, json(spec).at("/process/oomScoreAdj").asInt());
    assertEquals("web-0", json(spec).path("hostname").asText());
  }

  @Test
  void theInfraProcessRunsAsThePodsUserAndSharesHostNamespacesWhenAsked() throws Exception {
    PodSandboxConfig pod =
        pod().toBuilder()
            .setLinux(
                LinuxPodSandboxConfig.newBuilder()
                    .setSecurityContext(
                        LinuxSandboxSecurityContext.newBuilder()
                            .setRunAsUser(Int64Value.newBuilder().setValue(1000))))
            .build();
    SandboxContext s = f.sandbox();
    SandboxContext host =
        new SandboxContext(
            s.sandboxId(),
            s.hostname(),
            true,
            true,
            true,
            null,
            null,
            null,
            0,
            s.cgroupParent(),
            s.resolvConf(),
            s.hostnameFile(),
            s.hostsFile(),
            null);
    OciSpec spec = ContainerSpecs.infra(pod, host, f.rootfs, List.of("/pause"), options());
    assertEquals(new ResolvedUser(1000, 1000, List.of(1000L, 10L, 29L)), spec.user());
    assertNull(namespace(spec, "network"));
    assertNull(namespace(spec, "pid"));
    assertNull(namespace(spec, "ipc"));
    assertFalse(json(spec).has("hostname"));
  }
}
