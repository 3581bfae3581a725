package io.jcri.runtime.oci;

import static io.jcri.runtime.oci.Fixtures.container;
import static io.jcri.runtime.oci.Fixtures.failure;
import static io.jcri.runtime.oci.Fixtures.image;
import static io.jcri.runtime.oci.Fixtures.json;
import static io.jcri.runtime.oci.Fixtures.namespace;
import static io.jcri.runtime.oci.Fixtures.options;
import static io.jcri.runtime.oci.Fixtures.pod;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.sys.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class NamespacesSpecTest extends SpecTest {
  private static io.jcri.cri.v1.ContainerConfig.Builder pidMode(NamespaceMode mode, String target) {
    return container(
        LinuxContainerSecurityContext.newBuilder()
            .setNamespaceOptions(NamespaceOption.newBuilder().setPid(mode).setTargetId(target)));
  }

  private SandboxContext sandbox(
      boolean hostNetwork, boolean hostIpc, boolean hostPid, int infraPid, boolean pinned) {
    SandboxContext s = f.sandbox();
    return new SandboxContext(
        s.sandboxId(),
        s.hostname(),
        hostNetwork,
        hostIpc,
        hostPid,
        hostNetwork ? null : s.netnsPath(),
        pinned ? s.ipcNsPath() : null,
        pinned ? s.utsNsPath() : null,
        infraPid,
        s.cgroupParent(),
        s.resolvConf(),
        s.hostnameFile(),
        s.hostsFile(),
        hostIpc ? null : s.shmPath());
  }

  @Test
  void containersJoinThePodsPinnedNamespaces() throws Exception {
    OciSpec spec = f.build(pidMode(NamespaceMode.CONTAINER, ""));
    assertEquals("/run/jcri/netns/sb1", namespace(spec, "network").path("path").asText());
    assertEquals("/run/jcri/ipcns/sb1", namespace(spec, "ipc").path("path").asText());
    assertEquals("/run/jcri/utsns/sb1", namespace(spec, "uts").path("path").asText());
    assertFalse(namespace(spec, "mount").has("path"), "a new mount namespace of its own");
    assertFalse(namespace(spec, "pid").has("path"), "CONTAINER: a new PID namespace");
  }

  @Test
  void unpinnedNamespacesAreTheInfraProcesss() throws Exception {
    OciSpec spec =
        f.build(
            pidMode(NamespaceMode.POD, ""),
            pod(),
            sandbox(false, false, false, 4321, false),
            image(),
            options());
    assertEquals("/proc/4321/ns/ipc", namespace(spec, "ipc").path("path").asText());
    assertEquals("/proc/4321/ns/uts", namespace(spec, "uts").path("path").asText());
    assertEquals("/proc/4321/ns/pid", namespace(spec, "pid").path("path").asText());
  }

  @Test
  void withoutAnInfraProcessPodPidModeMeansANewNamespace() throws Exception {
    OciSpec spec =
        f.build(
            pidMode(NamespaceMode.POD, ""),
            pod(),
            sandbox(false, false, false, 0, true),
            image(),
            options());
    assertFalse(namespace(spec, "pid").has("path"));
  }

  @Test
  void hostNamespacesAreLeftOut() throws Exception {
    OciSpec spec =
        f.build(
            pidMode(NamespaceMode.NODE, ""),
            pod(),
            sandbox(true, true, true, 0, false),
            image(),
            options());
    assertNull(namespace(spec, "network"));
    assertNull(namespace(spec, "ipc"));
    assertNull(namespace(spec, "uts"), "host network keeps the node's hostname");
    assertNull(namespace(spec, "pid"));
    assertFalse(json(spec).has("hostname"), "no hostname can be set in the host UTS namespace");
    assertEquals("/dev/shm", Fixtures.mount(spec, "/dev/shm").path("source").asText());
  }

  @Test
  void targetJoinsTheRunningTargetContainersPidNamespace() throws Exception {
    // A real cgroup, named as the spec names the target's, holding a real process.
    String parent = "/jcri-oci-test-" + System.nanoTime();
    SandboxContext s = f.sandbox();
    SandboxContext sandbox =
        new SandboxContext(
            s.sandboxId(),
            s.hostname(),
            false,
            false,
            false,
            s.netnsPath(),
            s.ipcNsPath(),
            s.utsNsPath(),
            0,
            parent,
            s.resolvConf(),
            s.hostnameFile(),
            s.hostsFile(),
            s.shmPath());
    Path hierarchy = Path.of(NodeFacts.CGROUP_V2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/pids");
    Path cgroup = hierarchy.resolve(Cgroups.path(parent, "target1", options()).substring(1));
    Process sleeper = Command.start(new ProcessBuilder("sleep", "60"));
    try {
      Files.createDirectories(cgroup);
      Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(sleeper.pid()));
      OciSpec spec =
          f.build(pidMode(NamespaceMode.TARGET, "target1"), pod(), sandbox, image(), options());
      assertEquals(
          "/proc/" + sleeper.pid() + "/ns/pid", namespace(spec, "pid").path("path").asText());
      assertEquals(
          OciSpecException.Reason.NOT_FOUND,
          failure(
              () ->
                  f.build(
                      pidMode(NamespaceMode.TARGET, "gone"), pod(), sandbox, image(), options())));
    } finally {
      sleeper.destroyForcibly().waitFor();
      // a cgroup can only go once it is empty; its parent was made by this test too
      Files.deleteIfExists(cgroup);
      Files.deleteIfExists(cgroup.getParent());
    }
  }

  @Test
  void systemdCgroupPathsNestTheSlices() {
    assertEquals(
        "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podabc.slice/jcri-c1.scope",
        Cgroups.systemdPath("kubepods-besteffort-podabc.slice:jcri:c1"));
    assertEquals("/system.slice/jcri-c1.scope", Cgroups.systemdPath(":jcri:c1"));
  }

  @Test
  void hostnameIsThePods() throws Exception {
    OciSpec spec = f.build(container());
    assertEquals("web-0", json(spec).path("hostname").asText());
    assertNotNull(namespace(spec, "uts"));
    assertTrue(
        List.of("mount", "network", "ipc", "uts", "pid").stream()
            .allMatch(t -> namespace(spec, t) != null));
  }
}
