package io.jcri.runtime.server;

import io.jcri.cri.v1.DNSConfig;
import io.jcri.cri.v1.IDMapping;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.LinuxPodSandboxConfig;
import io.jcri.cri.v1.LinuxSandboxSecurityContext;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetadata;
import io.jcri.cri.v1.PortMapping;
import io.jcri.cri.v1.Protocol;
import io.jcri.cri.v1.SecurityProfile;
import io.jcri.cri.v1.UserNamespace;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodSandboxChecksTest {
  private static final Refusals.Rows<PodSandboxConfig.Builder> ROWS =
      new Refusals.Rows<>(PodSandboxChecksTest::pod);

  /** The sysctls this fake kernel has, by /proc/sys path. */
  private static final Predicate<String> KERNEL =
      Set.of(
              "net/ipv4/ip_forward",
              "net/ipv4/ip_unprivileged_port_start",
              "net/ipv4/conf/all/forwarding",
              "kernel/shm_rmid_forced",
              "kernel/msgmax",
              "kernel/sem",
              "fs/mqueue/msg_max",
              "kernel/pid_max")
          ::contains;

  /** A pod as kubelet sends one, with a bit of everything that is valid. */
  private static PodSandboxConfig.Builder pod() {
    return PodSandboxConfig.newBuilder()
        .setMetadata(
            PodSandboxMetadata.newBuilder().setName("web").setNamespace("default").setUid("u-1"))
        .setHostname("web-0")
        .setLogDirectory("/var/log/pods/default_web_u-1")
        .setDnsConfig(
            DNSConfig.newBuilder()
                .addServers("10.96.0.10")
                .addServers("fd00::a")
                .addServers("::1")
                .addServers("::ffff:10.0.0.1")
                .addServers("fe80::1%eth0")
                .addSearches("default.svc.cluster.local")
                .addOptions("ndots:5"))
        .addPortMappings(
            PortMapping.newBuilder().setContainerPort(80).setHostPort(8080).setHostIp("127.0.0.1"))
        .addPortMappings(PortMapping.newBuilder().setContainerPort(53).setProtocol(Protocol.UDP))
        .addPortMappings(
            PortMapping.newBuilder()
                .setContainerPort(65535)
                .setHostPort(65535)
                .setProtocol(Protocol.SCTP))
        .setLinux(
            LinuxPodSandboxConfig.newBuilder()
                .putSysctls("net.ipv4.ip_unprivileged_port_start", "0")
                .putSysctls("net/ipv4/conf/all/forwarding", "1")
                .putSysctls("net.ipv4.conf.eth0/100.forwarding", "1")
                .putSysctls("kernel.shm_rmid_forced", "1")
                .putSysctls("kernel.sem", "250 32000 32 128")
                .putSysctls("fs.mqueue.msg_max", "10")
                .setSecurityContext(
                    LinuxSandboxSecurityContext.newBuilder()
                        .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                        .setRunAsGroup(Int64Value.newBuilder().setValue(3000))
                        .addSupplementalGroups(2000))
                .setResources(
                    LinuxContainerResources.newBuilder()
                        .setCpuPeriod(100_000)
                        .setCpuQuota(50_000)
                        .setCpuShares(512)
                        .setMemoryLimitInBytes(64 << 20)));
  }

  private static LinuxPodSandboxConfig.Builder linux(PodSandboxConfig.Builder p) {
    return p.getLinuxBuilder();
  }

  private static LinuxSandboxSecurityContext.Builder security(PodSandboxConfig.Builder p) {
    return p.getLinuxBuilder().getSecurityContextBuilder();
  }

  static Stream<Arguments> badPods() {
    return Stream.of(
        ROWS.bad(
            "metadata.name is required",
            p -> p.setMetadata(p.getMetadata().toBuilder().setName(""))),
        ROWS.bad(
            "metadata.namespace is required",
            p -> p.setMetadata(p.getMetadata().toBuilder().setNamespace(""))),
        ROWS.bad(
            "metadata.uid is required", p -> p.setMetadata(p.getMetadata().toBuilder().setUid(""))),
        ROWS.bad("hostname \"" + "h".repeat(65) + "\"", p -> p.setHostname("h".repeat(65))),
        ROWS.bad("hostname \"web 0\"", p -> p.setHostname("web 0")),
        ROWS.bad("hostname \"-web\"", p -> p.setHostname("-web")),
        ROWS.bad("log_directory \"logs\" must be an absolute path", p -> p.setLogDirectory("logs")),
        ROWS.bad(
            "port_mappings[0].host_port 70000 is outside 0-65535",
            p ->
                p.setPortMappings(
                    0, PortMapping.newBuilder().setContainerPort(80).setHostPort(70000))),
        ROWS.bad(
            "port_mappings[1].host_port -1 is outside 0-65535",
            p ->
                p.setPortMappings(
                    1, PortMapping.newBuilder().setContainerPort(80).setHostPort(-1))),
        ROWS.bad(
            "port_mappings[0].container_port 0 is outside 1-65535",
            p -> p.setPortMappings(0, PortMapping.newBuilder().setHostPort(8080))),
        ROWS.bad(
            "port_mappings[0].container_port -80 is outside 1-65535",
            p ->
                p.setPortMappings(
                    0, PortMapping.newBuilder().setContainerPort(-80).setHostPort(8080))),
        ROWS.bad(
            "port_mappings[0].container_port 65536 is outside 1-65535",
            p -> p.setPortMappings(0, PortMapping.newBuilder().setContainerPort(65536))),
        ROWS.bad(
            "port_mappings[2].protocol 7 is not TCP (0), UDP (1) or SCTP (2)",
            p ->
                p.setPortMappings(
                    2,
                    PortMapping.newBuilder()
                        .setContainerPort(80)
                        .setHostPort(80)
                        .setProtocolValue(7))),
        ROWS.bad(
            "port_mappings[0].host_ip \"localhost\" is not an IP address",
            p ->
                p.setPortMappings(
                    0,
                    PortMapping.newBuilder()
                        .setContainerPort(80)
                        .setHostPort(80)
                        .setHostIp("localhost"))),
        ROWS.bad(
            "dns_config.servers[1] \"10.0.0.256\" is not an IP address",
            p -> p.getDnsConfigBuilder().setServers(1, "10.0.0.256")),
        ROWS.bad(
            "dns_config.servers[0] \"1:2:3:4:5:6:7:8:9\" is not an IP address",
            p -> p.getDnsConfigBuilder().setServers(0, "1:2:3:4:5:6:7:8:9")),
        ROWS.bad(
            "dns_config.servers[0] \"10.0.0.1%eth0\" is not an IP address",
            p -> p.getDnsConfigBuilder().setServers(0, "10.0.0.1%eth0")),
        ROWS.bad(
            "dns_config.servers[0] \"fd00::1::2\" is not an IP address",
            p -> p.getDnsConfigBuilder().setServers(0, "fd00::1::2")),
        ROWS.bad(
            "dns_config.servers[0] \"10.0.0.1\\nnameserver 6.6.6.6\" is not an IP address",
            p -> p.getDnsConfigBuilder().setServers(0, "10.0.0.1\nnameserver 6.6.6.6")),
        ROWS.bad(
            "dns_config.searches[0]",
            p -> p.getDnsConfigBuilder().setSearches(0, "a.local\nnameserver 6.6.6.6")),
        ROWS.bad("dns_config.searches[1]", p -> p.getDnsConfigBuilder().addSearches("")),
        ROWS.bad(
            "dns_config.options[0]", p -> p.getDnsConfigBuilder().setOptions(0, "ndots:5 rotate")),
        ROWS.bad(
            "linux.sysctls[\"kernel.pid_max\"] is not a namespaced sysctl",
            p -> linux(p).putSysctls("kernel.pid_max", "9")),
        ROWS.bad(
            "linux.sysctls[\"vm.swappiness\"] is not a namespaced sysctl",
            p -> linux(p).putSysctls("vm.swappiness", "1")),
        ROWS.bad(
            "linux.sysctls[\"net.ipv4.no_such_key\"] is not a sysctl of this kernel (no /proc/sys/net/ipv4/no_such_key)",
            p -> linux(p).putSysctls("net.ipv4.no_such_key", "1")),
        ROWS.bad(
            "linux.sysctls[\"kernel.shm_nope\"] is not a sysctl of this kernel",
            p -> linux(p).putSysctls("kernel.shm_nope", "1")),
        ROWS.bad(
            "linux.sysctls[\"net/../../kernel/pid_max\"] is not a sysctl name",
            p -> linux(p).putSysctls("net/../../kernel/pid_max", "1")),
        ROWS.bad(
            "linux.sysctls[\"net..ipv4\"] is not a sysctl name",
            p -> linux(p).putSysctls("net..ipv4", "1")),
        ROWS.bad(
            "linux.sysctls[\"net.ipv4.ip_forward\"] needs the pod's own network namespace",
            p -> {
              security(p)
                  .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE));
              linux(p).clearSysctls().putSysctls("net.ipv4.ip_forward", "1");
            }),
        ROWS.bad(
            "linux.sysctls[\"kernel.msgmax\"] needs the pod's own IPC namespace",
            p -> {
              security(p)
                  .setNamespaceOptions(NamespaceOption.newBuilder().setIpc(NamespaceMode.NODE));
              linux(p).clearSysctls().putSysctls("kernel.msgmax", "8192");
            }),
        ROWS.bad(
            "linux.security_context.run_as_group is set but run_as_user is not",
            p -> security(p).clearRunAsUser()),
        ROWS.bad(
            "linux.security_context.run_as_user -1 is outside 0-4294967294",
            p -> security(p).setRunAsUser(Int64Value.newBuilder().setValue(-1))),
        ROWS.bad(
            "linux.security_context.supplemental_groups[1] -5 is outside",
            p -> security(p).addSupplementalGroups(-5)),
        ROWS.bad(
            "linux.security_context.supplemental_groups_policy 7 is not Merge or Strict",
            p -> security(p).setSupplementalGroupsPolicyValue(7)),
        ROWS.bad(
            "linux.security_context.namespace_options.pid TARGET is not a namespace mode allowed here",
            p ->
                security(p)
                    .setNamespaceOptions(
                        NamespaceOption.newBuilder()
                            .setPid(NamespaceMode.TARGET)
                            .setTargetId("c"))),
        ROWS.bad(
            "linux.security_context.namespace_options.network 9 is not a namespace mode allowed here",
            p -> security(p).setNamespaceOptions(NamespaceOption.newBuilder().setNetworkValue(9))),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.uids has 0 mappings; a pod's user namespace takes"
                + " exactly one",
            p -> userns(p, UserNamespace.newBuilder().setMode(NamespaceMode.POD))),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.uids has 2 mappings",
            p -> userns(p, pod(map(0, 1000, 65536)).addUids(map(0, 2000, 65536)))),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.gids has 0 mappings",
            p -> userns(p, pod(map(0, 1000, 65536)).clearGids())),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.uids[0].container_id 1 leaves the container's"
                + " root (ID 0) unmapped",
            p -> userns(p, pod(map(1, 1000, 65536)))),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.uids[0].host_id 0 would make the pod's root the"
                + " node's root",
            p -> userns(p, pod(map(0, 0, 65536)))),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.uids[0].length 0 from host_id 1000 must be at"
                + " least 1",
            p -> userns(p, pod(map(0, 1000, 0)))),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.uids[0].length 65536 from host_id 4294967000",
            p -> userns(p, pod(map(0, (int) 4294967000L, 65536)))),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.mode CONTAINER is not a user namespace mode;"
                + " the CRI allows POD and NODE",
            p -> userns(p, UserNamespace.newBuilder().setMode(NamespaceMode.CONTAINER))),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.mode TARGET is not a user namespace mode",
            p -> userns(p, UserNamespace.newBuilder().setMode(NamespaceMode.TARGET))),
        ROWS.bad(
            "linux.security_context.namespace_options.userns_options.uids mappings are for mode POD only",
            p -> userns(p, pod(map(0, 1000, 65536)).setMode(NamespaceMode.NODE))),
        ROWS.bad(
            "linux.security_context.namespace_options.network NODE cannot be combined with userns_options mode POD",
            p ->
                security(p)
                    .setNamespaceOptions(
                        NamespaceOption.newBuilder()
                            .setNetwork(NamespaceMode.NODE)
                            .setUsernsOptions(pod(map(0, 1000, 65536))))),
        ROWS.bad(
            "linux.security_context.namespace_options.pid NODE cannot be combined with userns_options mode POD",
            p ->
                security(p)
                    .setNamespaceOptions(
                        NamespaceOption.newBuilder()
                            .setPid(NamespaceMode.NODE)
                            .setUsernsOptions(pod(map(0, 1000, 65536))))),
        ROWS.bad(
            "linux.security_context.seccomp.localhost_ref is required",
            p ->
                security(p)
                    .setSeccomp(
                        SecurityProfile.newBuilder()
                            .setProfileType(SecurityProfile.ProfileType.Localhost))),
        ROWS.bad(
            "linux.resources.cpu_period 10 is outside 1000-1000000",
            p -> linux(p).getResourcesBuilder().setCpuPeriod(10)),
        ROWS.bad(
            "linux.overhead.memory_limit_in_bytes -1 is outside",
            p -> linux(p).getOverheadBuilder().setMemoryLimitInBytes(-1)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badPods")
  void badPodsAreRefusedNamingTheField(String expected, Consumer<PodSandboxConfig.Builder> change) {
    ROWS.assertRefused(expected, change, p -> PodSandboxChecks.runPodSandbox(p.build(), KERNEL));
  }

  private static void userns(PodSandboxConfig.Builder p, UserNamespace.Builder userns) {
    security(p).setNamespaceOptions(NamespaceOption.newBuilder().setUsernsOptions(userns));
  }

  private static UserNamespace.Builder pod(IDMapping m) {
    return UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(m).addGids(m);
  }

  private static IDMapping map(int containerId, int hostId, int length) {
    return IDMapping.newBuilder()
        .setContainerId(containerId)
        .setHostId(hostId)
        .setLength(length)
        .build();
  }

  @Test
  void podAndNodeUserNamespacesAsKubeletSendsThemPass() {
    for (UserNamespace.Builder userns :
        List.of(
            pod(map(0, 65536, 65536)),
            pod(map(0, (int) 4294901759L, 65536)),
            UserNamespace.newBuilder().setMode(NamespaceMode.NODE))) {
      PodSandboxConfig.Builder p = pod();
      userns(p, userns);
      PodSandboxChecks.runPodSandbox(p.build(), KERNEL);
    }
  }

  @Test
  void aPodAsKubeletSendsItPasses() {
    PodSandboxChecks.runPodSandbox(pod().build(), KERNEL);
    PodSandboxChecks.runPodSandbox(
        PodSandboxConfig.newBuilder()
            .setMetadata(
                PodSandboxMetadata.newBuilder()
                    .setName("bare")
                    .setNamespace("default")
                    .setUid("u-2"))
            .build(),
        KERNEL);
  }
}
