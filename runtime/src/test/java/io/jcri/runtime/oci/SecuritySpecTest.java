package io.jcri.runtime.oci;

import static io.jcri.runtime.oci.Fixtures.container;
import static io.jcri.runtime.oci.Fixtures.failure;
import static io.jcri.runtime.oci.Fixtures.image;
import static io.jcri.runtime.oci.Fixtures.json;
import static io.jcri.runtime.oci.Fixtures.mount;
import static io.jcri.runtime.oci.Fixtures.options;
import static io.jcri.runtime.oci.Fixtures.pod;
import static io.jcri.runtime.oci.Fixtures.privilegedPod;
import static io.jcri.runtime.oci.Fixtures.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcri.cri.v1.Capability;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.SELinuxOption;
import io.jcri.cri.v1.SecurityProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecuritySpecTest extends SpecTest {
  private static LinuxContainerSecurityContext.Builder caps(List<String> add, List<String> drop) {
    return LinuxContainerSecurityContext.newBuilder()
        .setCapabilities(
            Capability.newBuilder().addAllAddCapabilities(add).addAllDropCapabilities(drop));
  }

  private static List<String> effective(OciSpec spec) {
    return texts(json(spec).at("/process/capabilities/effective"));
  }

  private static List<String> grantable(List<String> caps) {
    return caps.stream().filter(NodeFacts.BOUNDING_CAPABILITIES::contains).toList();
  }

  private static LinuxContainerSecurityContext.Builder seccomp(
      SecurityProfile.ProfileType type, String ref) {
    return LinuxContainerSecurityContext.newBuilder()
        .setSeccomp(SecurityProfile.newBuilder().setProfileType(type).setLocalhostRef(ref));
  }

  private static List<String> allowed(OciSpec spec) {
    List<String> names = new ArrayList<>();
    for (JsonNode rule : json(spec).at("/linux/seccomp/syscalls")) {
      if (rule.path("action").asText().equals("SCMP_ACT_ALLOW") && !rule.has("args")) {
        names.addAll(texts(rule.path("names")));
      }
    }
    return names;
  }

  @Test
  void defaultCapabilitiesWithAddAndDropInAnySpelling() throws Exception {
    assertEquals(
        grantable(OciOptions.DEFAULT_CAPABILITIES), effective(f.build(Fixtures.container())));
    List<String> caps =
        effective(
            f.build(
                container(
                    caps(List.of("NET_ADMIN", "cap_sys_time"), List.of("CHOWN", "CAP_KILL")))));
    assertTrue(caps.containsAll(List.of("CAP_NET_ADMIN", "CAP_SYS_TIME")));
    assertFalse(caps.contains("CAP_CHOWN"));
    assertFalse(caps.contains("CAP_KILL"));
    OciSpec spec = f.build(container(caps(List.of("NET_ADMIN"), List.of())));
    assertEquals(effective(spec), texts(json(spec).at("/process/capabilities/bounding")));
    assertEquals(effective(spec), texts(json(spec).at("/process/capabilities/permitted")));
    assertTrue(json(spec).at("/process/capabilities/inheritable").isEmpty());
  }

  @Test
  void allInAddOrDrop() throws Exception {
    List<String> all = effective(f.build(container(caps(List.of("ALL"), List.of("CHOWN")))));
    List<String> expected = new ArrayList<>(grantable(Capabilities.ALL));
    expected.remove("CAP_CHOWN");
    assertEquals(Set.copyOf(expected), Set.copyOf(all));
    assertEquals(
        List.of("CAP_NET_RAW"),
        effective(f.build(container(caps(List.of("NET_RAW"), List.of("ALL"))))));
    assertEquals(List.of(), effective(f.build(container(caps(List.of(), List.of("all"))))));
  }

  @Test
  void capabilitiesTheNodeCannotGrantAreLeftOut() throws Exception {
    List<String> caps =
        effective(f.build(container(caps(List.of("SYS_RESOURCE", "SYS_ADMIN"), List.of()))));
    assertEquals(
        NodeFacts.BOUNDING_CAPABILITIES.contains("CAP_SYS_RESOURCE"),
        caps.contains("CAP_SYS_RESOURCE"));
    assertTrue(caps.contains("CAP_SYS_ADMIN"));
  }

  @Test
  void unknownCapabilitiesAreInvalid() {
    assertEquals(
        OciSpecException.Reason.INVALID_ARGUMENT,
        failure(() -> f.build(container(caps(List.of("CAP_FLY"), List.of())))));
  }

  @Test
  void privilegedGetsEverythingAndNoConfinement() throws Exception {
    LinuxContainerSecurityContext.Builder sc =
        LinuxContainerSecurityContext.newBuilder()
            .setPrivileged(true)
            .setSeccomp(
                SecurityProfile.newBuilder()
                    .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))
            .addMaskedPaths("/proc/kcore");
    OciSpec spec = f.build(container(sc), privilegedPod(), f.sandbox(), image(), options());
    assertEquals(Set.copyOf(grantable(Capabilities.ALL)), Set.copyOf(effective(spec)));
    JsonNode linux = json(spec).path("linux");
    assertFalse(linux.has("maskedPaths"));
    assertFalse(linux.has("readonlyPaths"));
    assertFalse(linux.has("seccomp"));
    assertTrue(texts(mount(spec, "/sys").path("options")).contains("rw"));
    assertTrue(texts(mount(spec, "/sys/fs/cgroup").path("options")).contains("rw"));
    assertTrue(linux.at("/resources/devices/0/allow").asBoolean(), "every device allowed");
    List<String> devices = new ArrayList<>();
    linux.path("devices").forEach(d -> devices.add(d.path("path").asText()));
    assertTrue(devices.contains("/dev/null"), devices.toString());
  }

  @Test
  void aPrivilegedContainerNeedsAPrivilegedPod() {
    assertEquals(
        OciSpecException.Reason.INVALID_ARGUMENT,
        failure(
            () ->
                f.build(
                    container(LinuxContainerSecurityContext.newBuilder().setPrivileged(true)))));
  }

  @Test
  void noNewPrivsAndReadonlyRootfs() throws Exception {
    OciSpec spec =
        f.build(
            container(
                LinuxContainerSecurityContext.newBuilder()
                    .setNoNewPrivs(true)
                    .setReadonlyRootfs(true)));
    assertTrue(json(spec).at("/process/noNewPrivileges").asBoolean());
    assertTrue(json(spec).at("/root/readonly").asBoolean());
    assertFalse(json(f.build(container())).at("/process/noNewPrivileges").asBoolean());
  }

  @Test
  void maskedAndReadonlyPathsAreTheDefaultsOnlyWithoutASecurityContext() throws Exception {
    OciSpec defaults = f.build(container());
    assertEquals(
        ContainerSpecs.DEFAULT_MASKED_PATHS, texts(json(defaults).at("/linux/maskedPaths")));
    assertEquals(
        ContainerSpecs.DEFAULT_READONLY_PATHS, texts(json(defaults).at("/linux/readonlyPaths")));
    // procMount Unmasked: kubelet sends a security context with both lists empty, meaning none.
    OciSpec unmasked =
        f.build(container(LinuxContainerSecurityContext.newBuilder().setNoNewPrivs(true)));
    assertTrue(json(unmasked).at("/linux/maskedPaths").isArray());
    assertEquals(List.of(), texts(json(unmasked).at("/linux/maskedPaths")));
    assertEquals(List.of(), texts(json(unmasked).at("/linux/readonlyPaths")));
    OciOptions extra =
        new OciOptions(
            OciOptions.DEFAULT_CAPABILITIES,
            -999,
            true,
            tmp,
            false,
            false,
            "cgroupfs",
            List.of("/proc/extra"),
            List.of("/proc/ro-extra"),
            List.of());
    OciSpec spec =
        f.build(
            container(
                LinuxContainerSecurityContext.newBuilder()
                    .addMaskedPaths("/proc/kcore")
                    .addReadonlyPaths("/proc/sys")),
            pod(),
            f.sandbox(),
            image(),
            extra);
    assertEquals(List.of("/proc/kcore", "/proc/extra"), texts(json(spec).at("/linux/maskedPaths")));
    assertEquals(
        List.of("/proc/sys", "/proc/ro-extra"), texts(json(spec).at("/linux/readonlyPaths")));
    OciSpec unmaskedWithExtra =
        f.build(
            container(LinuxContainerSecurityContext.newBuilder()),
            pod(),
            f.sandbox(),
            image(),
            extra);
    assertEquals(List.of("/proc/extra"), texts(json(unmaskedWithExtra).at("/linux/maskedPaths")));
  }

  @Test
  void runtimeDefaultSeccompIsAnAllowlistThatFollowsCapabilities() throws Exception {
    OciSpec spec = f.build(container(seccomp(SecurityProfile.ProfileType.RuntimeDefault, "")));
    JsonNode s = json(spec).at("/linux/seccomp");
    assertEquals("SCMP_ACT_ERRNO", s.path("defaultAction").asText());
    assertEquals(1, s.path("defaultErrnoRet").asInt());
    assertEquals(
        List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
        texts(s.path("architectures")));
    List<String> names = allowed(spec);
    assertTrue(
        names.containsAll(List.of("read", "write", "execve", "futex", "arch_prctl", "chroot")));
    assertFalse(names.contains("mount"));
    assertFalse(names.contains("sethostname"));
    assertFalse(names.contains("reboot"));
    OciSpec admin =
        f.build(
            container(
                seccomp(SecurityProfile.ProfileType.RuntimeDefault, "")
                    .setCapabilities(Capability.newBuilder().addAddCapabilities("SYS_ADMIN"))));
    assertTrue(allowed(admin).containsAll(List.of("mount", "sethostname", "unshare", "clone")));
    assertTrue(new LinkedHashSet<>(allowed(admin)).size() > 300);
  }

  @Test
  void legacyProfilePathStillSelectsTheDefault() throws Exception {
    OciSpec spec =
        f.build(
            container(
                LinuxContainerSecurityContext.newBuilder()
                    .setSeccompProfilePath("runtime/default")));
    assertEquals("SCMP_ACT_ERRNO", json(spec).at("/linux/seccomp/defaultAction").asText());
    assertFalse(
        json(f.build(container())).path("linux").has("seccomp"), "no profile asked: unconfined");
    assertFalse(
        json(f.build(container(seccomp(SecurityProfile.ProfileType.Unconfined, ""))))
            .path("linux")
            .has("seccomp"));
  }

  @Test
  void localhostProfilesAreReadFromTheFile() throws Exception {
    Path profile = tmp.resolve("deny-hostname.json");
    Files.writeString(
        profile,
        """
        {"defaultAction": "SCMP_ACT_ALLOW",
         "syscalls": [{"names": ["sethostname"], "action": "SCMP_ACT_ERRNO"},
                      {"names": ["reboot"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_BOOT"]}}]}
        """);
    OciSpec spec =
        f.build(container(seccomp(SecurityProfile.ProfileType.Localhost, profile.toString())));
    JsonNode s = json(spec).at("/linux/seccomp");
    assertEquals("SCMP_ACT_ALLOW", s.path("defaultAction").asText());
    assertEquals(1, s.path("syscalls").size(), "the CAP_SYS_BOOT rule does not apply");
    assertEquals(List.of("sethostname"), texts(s.at("/syscalls/0/names")));
    // relative references are under the profile root
    OciOptions rooted =
        new OciOptions(
            OciOptions.DEFAULT_CAPABILITIES,
            -999,
            true,
            tmp,
            false,
            false,
            "cgroupfs",
            List.of(),
            List.of(),
            List.of());
    OciSpec relative =
        f.build(
            container(seccomp(SecurityProfile.ProfileType.Localhost, "deny-hostname.json")),
            pod(),
            f.sandbox(),
            image(),
            rooted);
    assertEquals(s, json(relative).at("/linux/seccomp"));
  }

  @Test
  void aMissingLocalhostProfileIsNotFoundAndNamesThePath() {
    OciSpecException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            OciSpecException.class,
            () ->
                f.build(
                    container(
                        seccomp(SecurityProfile.ProfileType.Localhost, "/no/such/profile.json"))));
    assertEquals(OciSpecException.Reason.NOT_FOUND, e.reason());
    assertEquals(io.jcri.sys.Failure.Kind.NOT_FOUND, e.kind());
    assertTrue(e.getMessage().contains("/no/such/profile.json"), e.getMessage());
  }

  @Test
  void anInvalidLocalhostProfileIsInvalid() throws Exception {
    Path profile = Files.writeString(tmp.resolve("bad.json"), "{not json");
    assertEquals(
        OciSpecException.Reason.INVALID_ARGUMENT,
        failure(
            () ->
                f.build(
                    container(
                        seccomp(SecurityProfile.ProfileType.Localhost, profile.toString())))));
  }

  @Test
  void securityModulesTheKernelLacksAreIgnored() throws Exception {
    LinuxContainerSecurityContext.Builder sc =
        LinuxContainerSecurityContext.newBuilder()
            .setApparmor(
                SecurityProfile.newBuilder()
                    .setProfileType(SecurityProfile.ProfileType.Localhost)
                    .setLocalhostRef("k8s-deny"))
            .setSelinuxOptions(SELinuxOption.newBuilder().setType("spc_t").setLevel("s0:c1,c2"));
    OciOptions noSeccomp =
        new OciOptions(
            OciOptions.DEFAULT_CAPABILITIES,
            -999,
            false,
            tmp,
            false,
            false,
            "cgroupfs",
            List.of(),
            List.of(),
            List.of());
    JsonNode none =
        json(
            f.build(
                container(
                    sc.setSeccomp(
                        SecurityProfile.newBuilder()
                            .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))),
                pod(),
                f.sandbox(),
                image(),
                noSeccomp));
    assertFalse(none.path("process").has("apparmorProfile"));
    assertFalse(none.path("process").has("selinuxLabel"));
    assertFalse(none.path("linux").has("seccomp"));
    OciOptions withLsms =
        new OciOptions(
            OciOptions.DEFAULT_CAPABILITIES,
            -999,
            true,
            tmp,
            true,
            true,
            "cgroupfs",
            List.of(),
            List.of(),
            List.of());
    JsonNode applied = json(f.build(container(sc), pod(), f.sandbox(), image(), withLsms));
    assertEquals("k8s-deny", applied.at("/process/apparmorProfile").asText());
    assertEquals("system_u:system_r:spc_t:s0:c1,c2", applied.at("/process/selinuxLabel").asText());
  }
}
