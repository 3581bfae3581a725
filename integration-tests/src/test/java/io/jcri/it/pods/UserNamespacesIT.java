package io.jcri.it.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.IDMapping;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.UserNamespace;
import io.jcri.it.Jcrid;
import io.jcri.it.registry.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pods in user namespaces of their own (userns_options mode POD) on the real daemon with runc
 * 1.1.5, which cannot ID-map mounts: jcrid makes the user namespace and the ID-mapped rootfs and
 * volumes. Also NODE mode, and the requests the CRI says must fail.
 */
class UserNamespacesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int HOST_ID = 300_000;
  private static final int LENGTH = 65_536;
  private static Jcrid d;
  private static String image;
  private static final List<String> pods = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    d = Jcrid.start("[runtimes.handlers.oldrunc]\npath = \"" + oldRunc() + "\"\n");
    d.writeBridgeNetwork();
    image = TestImages.busybox();
    Pods.pull(d, image);
  }

  /** A runc as old as 1.0.3 to the feature probe (no `features`), real runc otherwise. */
  private static Path oldRunc() throws Exception {
    Path f = Files.createTempFile("old-runc", ".sh");
    Files.writeString(
        f,
        """
        #!/bin/sh
        case "$1" in
          features) exit 1 ;;
          --version) echo "runc version 1.0.3"; exit 0 ;;
        esac
        exec runc "$@"
        """);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    return f;
  }

  @AfterAll
  static void stop() throws Exception {
    for (String id : pods) {
      d.runtime()
          .stopPodSandbox(
              io.jcri.cri.v1.StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      d.runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }
    d.close();
  }

  private static UserNamespace.Builder podUserns(int hostId) {
    IDMapping m =
        IDMapping.newBuilder().setContainerId(0).setHostId(hostId).setLength(LENGTH).build();
    return UserNamespace.newBuilder().setMode(NamespaceMode.POD).addUids(m).addGids(m);
  }

  private static PodSandboxConfig userPod(
      String name, UserNamespace.Builder userns, NamespaceMode pid) {
    PodSandboxConfig.Builder p =
        Pods.withNamespaces(Pods.pod(name), NamespaceMode.POD, pid, NamespaceMode.POD)
            .setLogDirectory(d.home().resolve("logs").toString());
    p.getLinuxBuilder()
        .getSecurityContextBuilder()
        .getNamespaceOptionsBuilder()
        .setUsernsOptions(userns);
    return p.build();
  }

  private static String run(PodSandboxConfig pod) {
    String id = Pods.run(d, pod.toBuilder());
    pods.add(id);
    return id;
  }

  /**
   * A container as kubelet sends it in such a pod: the pod's namespace options, user namespace
   * included.
   */
  private static ContainerConfig.Builder container(
      PodSandboxConfig pod, String name, String... cmd) {
    ContainerConfig.Builder c = Pods.container(name, image, cmd);
    c.getLinuxBuilder()
        .getSecurityContextBuilder()
        .setNamespaceOptions(pod.getLinux().getSecurityContext().getNamespaceOptions());
    return c;
  }

  private static String exec(String id, String... cmd) {
    ExecSyncResponse r =
        d.runtime()
            .execSync(
                ExecSyncRequest.newBuilder()
                    .setContainerId(id)
                    .addAllCmd(List.of(cmd))
                    .setTimeout(10)
                    .build());
    assertEquals(0, r.getExitCode(), String.join(" ", cmd) + ": " + r.getStderr().toStringUtf8());
    return r.getStdout().toStringUtf8().strip();
  }

  private static String words(String s) {
    return s.strip().replaceAll("\\s+", " ");
  }

  @Test
  void aPodOfItsOwnUserNamespaceSeesItsMappingOwnsItsFilesAndIsNotTheNodesRoot() throws Exception {
    Path volume = Files.createDirectories(d.home().resolve("userns-volume"));
    Files.setPosixFilePermissions(volume, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(volume.resolve("nodes-root"), "of the node's root\n");
    Path secret = Files.writeString(volume.resolve("secret"), "not for the pod\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Files.setAttribute(
        secret, "unix:uid", LENGTH + 10); // on disk outside 0..LENGTH-1: no ID of the pod's
    PodSandboxConfig pod = userPod("userns-pod", podUserns(HOST_ID), NamespaceMode.CONTAINER);
    String podId = run(pod);
    String id =
        Pods.create(
            d,
            podId,
            pod,
            container(pod, "mapped", "sleep", "300")
                .addMounts(
                    Mount.newBuilder().setHostPath(volume.toString()).setContainerPath("/vol")));
    Pods.start(d, id);

    assertEquals("0 " + HOST_ID + " " + LENGTH, words(exec(id, "cat", "/proc/self/uid_map")));
    assertEquals("0 " + HOST_ID + " " + LENGTH, words(exec(id, "cat", "/proc/self/gid_map")));
    // the image's files are the pod's root's, and so is what it writes in the rootfs
    assertEquals("0:0 0:0", words(exec(id, "stat", "-c", "%u:%g", "/bin/busybox", "/")));
    exec(id, "sh", "-c", "echo new > /made-in-pod && chown 1000:1000 /made-in-pod");
    assertEquals("1000:1000", exec(id, "stat", "-c", "%u:%g", "/made-in-pod"));
    // the volume: the node's root's file is the pod's root's; what the pod writes is the node's
    // root's on disk
    assertEquals("0:0", exec(id, "stat", "-c", "%u:%g", "/vol/nodes-root"));
    exec(id, "sh", "-c", "echo from-pod > /vol/from-pod");
    assertEquals("root", Files.getOwner(volume.resolve("from-pod")).getName());
    // the pod's files: host name, resolv.conf, /dev/shm
    assertEquals("userns-pod", exec(id, "hostname"));
    exec(
        id,
        "sh",
        "-c",
        "cat /etc/resolv.conf > /dev/null && touch /dev/shm/x && echo userns-pod > /etc/hostname");
    assertEquals(
        "0:0 0:0 0:0",
        words(
            exec(
                id,
                "stat",
                "-c",
                "%u:%g",
                "/etc/resolv.conf",
                "/etc/hostname",
                "/dev/shm"))); // the ID-mapped binds

    // not the node's root: a file of a user outside the mapping stays closed, and on the node the
    // container's root is the unprivileged HOST_ID
    ExecSyncResponse denied =
        d.runtime()
            .execSync(
                ExecSyncRequest.newBuilder()
                    .setContainerId(id)
                    .addAllCmd(List.of("cat", "/vol/secret"))
                    .setTimeout(10)
                    .build());
    assertNotEquals(0, denied.getExitCode());
    assertTrue(
        denied.getStderr().toStringUtf8().contains("Permission denied"),
        denied.getStderr().toStringUtf8());
    int pid =
        JSON.readTree(
                d.runtime()
                    .containerStatus(
                        ContainerStatusRequest.newBuilder()
                            .setContainerId(id)
                            .setVerbose(true)
                            .build())
                    .getInfoMap()
                    .get("info"))
            .path("pid")
            .asInt();
    String uidLine =
        Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
            .filter(l -> l.startsWith("Uid:"))
            .findFirst()
            .orElseThrow();
    assertEquals("Uid: " + HOST_ID + " " + HOST_ID + " " + HOST_ID + " " + HOST_ID, words(uidLine));
  }

  @Test
  void aSharedPidPodRunsItsInfraProcessInThePodsUserNamespaceToo() throws Exception {
    PodSandboxConfig pod =
        userPod("userns-shared-pid", podUserns(HOST_ID + LENGTH), NamespaceMode.POD);
    String podId = run(pod);
    String id =
        Pods.create(
            d, podId, pod, container(pod, "uidmap", "sh", "-c", "cat /proc/self/uid_map; ps"));
    Pods.start(d, id);
    assertEquals(0, Pods.awaitExit(d, id).getExitCode());
    String log = Files.readString(d.home().resolve("logs").resolve("uidmap.log"));
    assertTrue(
        log.contains("0 " + (HOST_ID + LENGTH) + " " + LENGTH)
            || words(log).contains("0 " + (HOST_ID + LENGTH) + " " + LENGTH),
        log);
    assertTrue(
        log.contains("catatonit") || log.contains("pause"),
        "the infra process shares the PID namespace: " + log);
  }

  @Test
  void nodeModeRunsInTheNodesUserNamespace() throws Exception {
    PodSandboxConfig pod =
        userPod(
            "userns-node",
            UserNamespace.newBuilder().setMode(NamespaceMode.NODE),
            NamespaceMode.CONTAINER);
    String podId = run(pod);
    String id = Pods.create(d, podId, pod, container(pod, "node", "sleep", "300"));
    Pods.start(d, id);
    assertEquals(
        words(Files.readString(Path.of("/proc/self/uid_map"))),
        words(exec(id, "cat", "/proc/self/uid_map")));
  }

  @Test
  void theRequestsTheCriSaysMustFailAreRefusedNamingTheField() {
    IDMapping m =
        IDMapping.newBuilder().setContainerId(0).setHostId(HOST_ID).setLength(LENGTH).build();
    assertRefused(
        "userns_options.uids has 2 mappings",
        podUserns(HOST_ID).addUids(m.toBuilder().setHostId(1_000_000)),
        "");
    assertRefused(
        "userns_options.uids[0].container_id 1 leaves the container's root (ID 0) unmapped",
        UserNamespace.newBuilder()
            .setMode(NamespaceMode.POD)
            .addUids(m.toBuilder().setContainerId(1))
            .addGids(m),
        "");
    assertRefused(
        "userns_options.mode CONTAINER",
        UserNamespace.newBuilder().setMode(NamespaceMode.CONTAINER),
        "");
    assertRefused(
        "userns_options.mode TARGET", UserNamespace.newBuilder().setMode(NamespaceMode.TARGET), "");
    assertRefused(
        "userns_options.mode: runtime handler \"oldrunc\" cannot run pods in a user namespace",
        podUserns(HOST_ID),
        "oldrunc");
  }

  @Test
  void aContainerCannotLeaveItsPodsUserNamespaceNorMountAnImage() {
    PodSandboxConfig pod =
        userPod("userns-mismatch", podUserns(HOST_ID + 2 * LENGTH), NamespaceMode.CONTAINER);
    String podId = run(pod);
    ContainerConfig.Builder c = container(pod, "host-userns", "true");
    c.getLinuxBuilder()
        .getSecurityContextBuilder()
        .getNamespaceOptionsBuilder()
        .setUsernsOptions(UserNamespace.newBuilder().setMode(NamespaceMode.NODE));
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> Pods.create(d, podId, pod, c));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getMessage());
    assertTrue(
        e.getStatus()
            .getDescription()
            .contains(
                "userns_options: the container asks for the node's user"
                    + " namespace but its pod runs in a user namespace of its own"),
        e.getMessage());

    ContainerConfig.Builder withImageVolume =
        container(pod, "image-volume", "true")
            .addMounts(
                Mount.newBuilder()
                    .setContainerPath("/img")
                    .setImage(io.jcri.cri.v1.ImageSpec.newBuilder().setImage(image)));
    e =
        assertThrows(
            StatusRuntimeException.class, () -> Pods.create(d, podId, pod, withImageVolume));
    assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode(), e.getMessage());
    assertTrue(
        e.getStatus().getDescription().contains("mounts[0].image: image volumes are not supported"),
        e.getMessage());
  }

  private static void assertRefused(String message, UserNamespace.Builder userns, String handler) {
    PodSandboxConfig pod = userPod("userns-refused", userns, NamespaceMode.CONTAINER);
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                d.runtime()
                    .runPodSandbox(
                        RunPodSandboxRequest.newBuilder()
                            .setConfig(pod)
                            .setRuntimeHandler(handler)
                            .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getMessage());
    assertTrue(e.getStatus().getDescription().contains(message), e.getMessage());
  }
}
