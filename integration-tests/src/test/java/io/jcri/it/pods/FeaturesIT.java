package io.jcri.it.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.CDIDevice;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.LinuxContainerUser;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.MountPropagation;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RemoveContainerRequest;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.RuntimeHandler;
import io.jcri.cri.v1.Signal;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.StatusResponse;
import io.jcri.cri.v1.StopContainerRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.cri.v1.SupplementalGroupsPolicy;
import io.jcri.it.Jcrid;
import io.jcri.it.registry.LocalRegistry;
import io.jcri.it.registry.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The features kubelet 1.30+ asks a runtime about: what Status advertises per handler, recursive
 * read-only mounts, supplemental groups policy with ContainerStatus.user, stop signals, idempotent
 * StopContainer, procMount Unmasked, CDI devices, image volumes (user namespaces:
 * UserNamespacesIT).
 */
class FeaturesIT {
  /**
   * A runc that predates `runc features` and rro: answers as runc 1.0.3 would, runs containers with
   * the real runc.
   */
  private static final String OLD_RUNC =
      """
      #!/bin/sh
      case "$1" in
        features) echo "runc: unknown command features" >&2; exit 1 ;;
        --version) echo "runc version 1.0.3"; exit 0 ;;
      esac
      exec runc "$@"
      """;

  private static Jcrid d;
  private static Path cdiDir;
  private static String image;
  private static PodSandboxConfig pod;
  private static String podId;
  private static PodSandboxConfig oldPod;
  private static String oldPodId;

  @BeforeAll
  static void start() throws Exception {
    Path bin = Files.createTempDirectory("jcri-features-it");
    Path oldRunc = Files.writeString(bin.resolve("old-runc"), OLD_RUNC);
    Files.setPosixFilePermissions(oldRunc, PosixFilePermissions.fromString("rwxr-xr-x"));
    cdiDir = Files.createDirectories(bin.resolve("cdi"));
    d =
        Jcrid.start(
            "[runtimes.handlers.oldrunc]\npath = \""
                + oldRunc
                + "\"\n"
                + "[cdi]\nspec_dirs = [\""
                + cdiDir
                + "\"]\n");
    d.writeBridgeNetwork();
    image = TestImages.busybox();
    Pods.pull(d, image);
    pod = Pods.pod("features").setLogDirectory(d.home().resolve("logs").toString()).build();
    podId = Pods.run(d, pod.toBuilder());
    oldPod = Pods.pod("old-runc").setLogDirectory(d.home().resolve("logs").toString()).build();
    oldPodId =
        d.runtime()
            .runPodSandbox(
                RunPodSandboxRequest.newBuilder()
                    .setConfig(oldPod)
                    .setRuntimeHandler("oldrunc")
                    .build())
            .getPodSandboxId();
  }

  @AfterAll
  static void stop() throws Exception {
    for (String id : List.of(podId, oldPodId)) {
      d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      d.runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }
    d.close();
  }

  private static String run(ContainerConfig.Builder c) {
    String id = Pods.create(d, podId, pod, c);
    Pods.start(d, id);
    return id;
  }

  private static void remove(String id) {
    d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
  }

  private static ExecSyncResponse exec(String id, String... cmd) {
    return d.runtime()
        .execSync(
            ExecSyncRequest.newBuilder()
                .setContainerId(id)
                .addAllCmd(List.of(cmd))
                .setTimeout(10)
                .build());
  }

  private static void assertInvalid(
      String field, String sandboxId, PodSandboxConfig sandbox, ContainerConfig.Builder c) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> Pods.create(d, sandboxId, sandbox, c));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getMessage());
    assertTrue(e.getStatus().getDescription().contains(field), e.getMessage());
  }

  private static void sh(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", argv) + ": " + out);
  }

  @Test
  void statusAdvertisesEachHandlerWithWhatItsRuntimeSupports() {
    StatusResponse s = d.runtime().status(StatusRequest.getDefaultInstance());
    assertTrue(s.getFeatures().getSupplementalGroupsPolicy());
    Map<String, RuntimeHandler> byName =
        s.getRuntimeHandlersList().stream()
            .collect(Collectors.toMap(RuntimeHandler::getName, h -> h));
    assertEquals(
        s.getRuntimeHandlersCount(),
        byName.size(),
        "names are unique: " + s.getRuntimeHandlersList());
    assertTrue(
        byName.keySet().containsAll(List.of("", "runc", "oldrunc")), byName.keySet().toString());
    // this node: kernel >= 5.12 and runc 1.1 with "rro" among `runc features` mount options
    assertTrue(byName.get("").getFeatures().getRecursiveReadOnlyMounts());
    assertTrue(byName.get("runc").getFeatures().getRecursiveReadOnlyMounts());
    assertEquals(false, byName.get("oldrunc").getFeatures().getRecursiveReadOnlyMounts());
    // user namespaces: this kernel ID-maps overlay layers and tmpfs, and runc lists "user" in `runc
    // features`;
    // a runc that predates both is not trusted with them (UserNamespacesIT runs the pods)
    assertTrue(byName.get("").getFeatures().getUserNamespaces());
    assertTrue(byName.get("runc").getFeatures().getUserNamespaces());
    assertEquals(false, byName.get("oldrunc").getFeatures().getUserNamespaces());
  }

  @Test
  void recursiveReadOnlyMountsMakeSubmountsReadOnlyToo() throws Exception {
    Path host = Files.createDirectories(d.home().resolve("rro-volume"));
    Path sub = Files.createDirectories(host.resolve("sub"));
    sh("mount", "-t", "tmpfs", "tmpfs", sub.toString());
    try {
      Mount.Builder ro = Mount.newBuilder().setHostPath(host.toString()).setReadonly(true);
      String id =
          run(
              Pods.container("rro", image, "sleep", "300")
                  .addMounts(ro.clone().setContainerPath("/ro"))
                  .addMounts(ro.clone().setContainerPath("/rro").setRecursiveReadOnly(true)));
      try {
        assertNotEquals(
            0, exec(id, "touch", "/ro/x").getExitCode(), "the mount itself is read-only");
        assertEquals(
            0, exec(id, "touch", "/ro/sub/x").getExitCode(), "plain ro leaves submounts writable");
        ExecSyncResponse rro = exec(id, "touch", "/rro/sub/y");
        assertNotEquals(0, rro.getExitCode(), "rro reaches the submount");
        assertTrue(
            rro.getStderr().toStringUtf8().contains("Read-only file system"),
            rro.getStderr().toStringUtf8());
        assertTrue(
            Pods.status(d, id).getMountsList().stream().anyMatch(Mount::getRecursiveReadOnly));
      } finally {
        remove(id);
      }
    } finally {
      sh("umount", sub.toString());
    }
  }

  @Test
  void recursiveReadOnlyMountsAreRefusedWhenTheRulesOrTheHandlerSayNo() throws Exception {
    Path host = Files.createDirectories(d.home().resolve("rro-refused"));
    Mount.Builder rro =
        Mount.newBuilder()
            .setHostPath(host.toString())
            .setContainerPath("/rro")
            .setRecursiveReadOnly(true);
    assertInvalid(
        "mounts[0].recursive_read_only",
        podId,
        pod,
        Pods.container("rw", image, "true").addMounts(rro.clone()));
    assertInvalid(
        "mounts[0].recursive_read_only",
        podId,
        pod,
        Pods.container("slave", image, "true")
            .addMounts(
                rro.clone()
                    .setReadonly(true)
                    .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER)));
    ContainerConfig.Builder onOld =
        Pods.container("old", image, "true").addMounts(rro.clone().setReadonly(true));
    assertInvalid("does not support recursive read-only mounts", oldPodId, oldPod, onOld);
    // the refusal left nothing behind: the same name is free, and the old runtime runs a plain
    // read-only mount
    String id =
        Pods.create(
            d,
            oldPodId,
            oldPod,
            Pods.container("old", image, "true")
                .addMounts(rro.clone().setReadonly(true).setRecursiveReadOnly(false)));
    remove(id);
  }

  private static ContainerConfig.Builder asJcri(String name, SupplementalGroupsPolicy policy) {
    return Pods.container(name, image, "sleep", "300")
        .setLinux(
            LinuxContainerConfig.newBuilder()
                .setSecurityContext(
                    LinuxContainerSecurityContext.newBuilder()
                        .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                        .addSupplementalGroups(4242)
                        .setSupplementalGroupsPolicy(policy)));
  }

  @Test
  void mergeAddsTheImagesGroupsStrictKeepsOnlyWhatWasAsked() {
    // the image's /etc/group makes jcri (1000) a member of audio (29)
    String merge = run(asJcri("merge", SupplementalGroupsPolicy.Merge));
    String strict = run(asJcri("strict", SupplementalGroupsPolicy.Strict));
    try {
      assertEquals("1000 29 4242", exec(merge, "id", "-G").getStdout().toStringUtf8().strip());
      assertEquals("1000 4242", exec(strict, "id", "-G").getStdout().toStringUtf8().strip());
      assertEquals(
          LinuxContainerUser.newBuilder()
              .setUid(1000)
              .setGid(1000)
              .addAllSupplementalGroups(List.of(1000L, 29L, 4242L))
              .build(),
          Pods.status(d, merge).getUser().getLinux());
      assertEquals(
          LinuxContainerUser.newBuilder()
              .setUid(1000)
              .setGid(1000)
              .addAllSupplementalGroups(List.of(1000L, 4242L))
              .build(),
          Pods.status(d, strict).getUser().getLinux());
    } finally {
      remove(merge);
      remove(strict);
    }
    ContainerConfig.Builder bad = asJcri("bad-policy", SupplementalGroupsPolicy.Merge);
    bad.getLinuxBuilder().getSecurityContextBuilder().setSupplementalGroupsPolicyValue(5);
    assertInvalid("linux.security_context.supplemental_groups_policy", podId, pod, bad);
  }

  /**
   * How many bytes /proc/timer_list gives, and whether /proc/sys is a mount of its own (the
   * read-only bind).
   */
  private static final String PROC_VIEW =
      "echo $(cat /proc/timer_list | wc -c) $(grep -c ' /proc/sys ' /proc/mounts)";

  private static String procView(ContainerConfig.Builder c) {
    String id = run(c);
    try {
      ExecSyncResponse r = exec(id, "sh", "-c", PROC_VIEW);
      assertEquals(0, r.getExitCode(), r.getStderr().toStringUtf8());
      return r.getStdout().toStringUtf8().strip();
    } finally {
      remove(id);
    }
  }

  @Test
  void procMountUnmaskedLeavesProcUnmaskedWhereTheDefaultMasksIt() {
    // what kubelet sends for procMount Default (its own copy of the default lists) and for Unmasked
    // (empty lists)
    LinuxContainerSecurityContext.Builder kubeletDefault =
        LinuxContainerSecurityContext.newBuilder()
            .addAllMaskedPaths(
                List.of(
                    "/proc/asound",
                    "/proc/acpi",
                    "/proc/kcore",
                    "/proc/keys",
                    "/proc/latency_stats",
                    "/proc/timer_list",
                    "/proc/timer_stats",
                    "/proc/sched_debug",
                    "/proc/scsi",
                    "/sys/firmware",
                    "/sys/devices/virtual/powercap"))
            .addAllReadonlyPaths(
                List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"));
    String masked =
        procView(
            Pods.container("proc-default", image, "sleep", "300")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(kubeletDefault)));
    String unmasked =
        procView(
            Pods.container("proc-unmasked", image, "sleep", "300")
                .setLinux(
                    LinuxContainerConfig.newBuilder()
                        .setSecurityContext(LinuxContainerSecurityContext.newBuilder())));
    String noContext = procView(Pods.container("proc-no-context", image, "sleep", "300"));
    assertEquals("0 1", masked, "timer_list is /dev/null, /proc/sys a read-only bind");
    assertEquals("0 1", noContext, "without a security context the runtime's defaults apply");
    String[] view = unmasked.split(" ");
    assertTrue(Integer.parseInt(view[0]) > 0, "timer_list readable: " + unmasked);
    assertEquals("0", view[1], "no read-only bind over /proc/sys: " + unmasked);
  }

  @Test
  void cdiDevicesInjectTheirSpecsEnvAndMountsAndUnknownOnesAreRefused() throws Exception {
    Path lib = Files.createDirectories(d.home().resolve("cdi-lib"));
    Files.writeString(lib.resolve("hello"), "from the CDI mount\n");
    Files.writeString(
        cdiDir.resolve("example.json"),
        """
        {"cdiVersion": "0.6.0", "kind": "example.com/widget",
         "containerEdits": {"env": ["WIDGET_VENDOR=example"]},
         "devices": [{"name": "w0", "containerEdits": {
           "env": ["WIDGET=w0"],
           "mounts": [{"hostPath": "%s", "containerPath": "/opt/widget", "options": ["ro"]}]}}]}
        """
            .formatted(lib));
    String id =
        run(
            Pods.container("cdi", image, "sleep", "300")
                .addCDIDevices(CDIDevice.newBuilder().setName("example.com/widget=w0")));
    try {
      ExecSyncResponse r =
          exec(
              id,
              "sh",
              "-c",
              "echo $WIDGET_VENDOR $WIDGET; cat /opt/widget/hello; touch /opt/widget/x");
      assertEquals("example w0\nfrom the CDI mount\n", r.getStdout().toStringUtf8());
      assertNotEquals(0, r.getExitCode(), "the mount is read-only as the spec asks");
    } finally {
      remove(id);
    }
    assertInvalid(
        "CDI_devices[1] \"example.com/widget=w9\" is defined by no CDI spec",
        podId,
        pod,
        Pods.container("cdi-unknown", image, "true")
            .addCDIDevices(CDIDevice.newBuilder().setName("example.com/widget=w0"))
            .addCDIDevices(CDIDevice.newBuilder().setName("example.com/widget=w9")));
  }

  @Test
  void aYamlCdiSpecBringsANodeAMountAndEnvAndConflictingSpecsAreRefused() throws Exception {
    Path lib = Files.createDirectories(d.home().resolve("cdi-yaml-lib"));
    Files.writeString(lib.resolve("firmware"), "fpga firmware\n");
    Files.writeString(
        cdiDir.resolve("fpga.yaml"),
        """
        cdiVersion: "0.6.0"
        kind: vendor.example/fpga
        containerEdits:
          env: [FPGA_VENDOR=vendor]
        devices:
          - name: fpga0
            containerEdits:
              env: [FPGA=0]
              deviceNodes:
                - path: /dev/fpga0
                  hostPath: /dev/null
              mounts:
                - hostPath: %s
                  containerPath: /opt/fpga
                  options: [ro]
          - name: fpga1
        """
            .formatted(lib));
    String id =
        run(
            Pods.container("cdi-yaml", image, "sleep", "300")
                .addCDIDevices(CDIDevice.newBuilder().setName("vendor.example/fpga=fpga0")));
    try {
      ExecSyncResponse r =
          exec(
              id,
              "sh",
              "-c",
              "echo $FPGA_VENDOR $FPGA; cat /opt/fpga/firmware; "
                  + "test -c /dev/fpga0 && echo written > /dev/fpga0 && echo node ok; ls -l /dev/fpga0");
      assertEquals(0, r.getExitCode(), r.getStderr().toStringUtf8());
      String out = r.getStdout().toStringUtf8();
      assertTrue(out.startsWith("vendor 0\nfpga firmware\nnode ok\n"), out);
      assertTrue(out.contains(" 1,   3 "), "major 1, minor 3 stat-ed from /dev/null: " + out);
    } finally {
      remove(id);
    }
    Files.writeString(
        cdiDir.resolve("fpga-copy.json"),
        "{\"cdiVersion\": \"0.6.0\", \"kind\": \"vendor.example/fpga\", \"devices\": [{\"name\": \"fpga0\"}]}");
    try {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  Pods.create(
                      d,
                      podId,
                      pod,
                      Pods.container("cdi-conflict", image, "true")
                          .addCDIDevices(
                              CDIDevice.newBuilder().setName("vendor.example/fpga=fpga0"))));
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.getMessage());
      assertTrue(
          e.getStatus()
              .getDescription()
              .contains(cdiDir.resolve("fpga-copy.json") + ", " + cdiDir.resolve("fpga.yaml")),
          e.getMessage());
    } finally {
      Files.delete(cdiDir.resolve("fpga-copy.json"));
    }
  }

  @Test
  void imageVolumesMountAnImageReadOnlyAndKeepItFromRemoval() {
    String volumeImage =
        TestImages.image(LocalRegistry.shared(), "test/image-volume")
            .layer(TestImages.fileLayer("models/v1/weights", "42\n"))
            .push("v1")
            .reference();
    Mount.Builder m =
        Mount.newBuilder()
            .setContainerPath("/models")
            .setImage(ImageSpec.newBuilder().setImage(volumeImage))
            .setImageSubPath("models/v1");
    StatusRuntimeException absent =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                Pods.create(
                    d,
                    podId,
                    pod,
                    Pods.container("iv-absent", image, "true").addMounts(m.clone())));
    assertEquals(Status.Code.NOT_FOUND, absent.getStatus().getCode(), absent.getMessage());
    assertTrue(
        absent.getStatus().getDescription().contains("mounts[0].image"), absent.getMessage());
    Pods.pull(d, volumeImage);
    StatusRuntimeException noSubPath =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                Pods.create(
                    d,
                    podId,
                    pod,
                    Pods.container("iv-no-sub", image, "true")
                        .addMounts(m.clone().setImageSubPath("models/v2"))));
    assertEquals(Status.Code.NOT_FOUND, noSubPath.getStatus().getCode(), noSubPath.getMessage());
    assertTrue(
        noSubPath.getStatus().getDescription().contains("mounts[0].image_sub_path"),
        noSubPath.getMessage());
    RemoveImageRequest removal =
        RemoveImageRequest.newBuilder()
            .setImage(ImageSpec.newBuilder().setImage(volumeImage))
            .build();
    String id = run(Pods.container("iv", image, "sleep", "300").addMounts(m.clone()));
    try {
      ExecSyncResponse r = exec(id, "sh", "-c", "cat /models/weights; touch /models/x");
      assertEquals("42\n", r.getStdout().toStringUtf8());
      assertNotEquals(0, r.getExitCode(), "the image volume is read-only");
      StatusRuntimeException inUse =
          assertThrows(StatusRuntimeException.class, () -> d.images().removeImage(removal));
      assertTrue(
          inUse.getStatus().getDescription().contains("is used by a container"),
          inUse.getMessage());
    } finally {
      remove(id);
    }
    d.images().removeImage(removal);
  }

  private static final String TRAPS =
      "trap 'exit 10' USR1; trap 'exit 2' INT; trap 'exit 15' TERM; "
          + "while true; do sleep 0.1; done";

  /** Stops the container with a grace period long enough for its trap, returns its exit code. */
  private static ContainerStatus stopped(String id) throws Exception {
    Thread.sleep(300);
    d.runtime()
        .stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(10).build());
    return Pods.status(d, id);
  }

  @Test
  void stopUsesTheConfiguredSignalThenTheImagesThenSigterm() throws Exception {
    String usr1Image =
        TestImages.image(LocalRegistry.shared(), "test/stopsignal")
            .layer(TestImages.busyboxLayer())
            .stopSignal("SIGUSR1")
            .cmd("sh")
            .push("v1")
            .reference();
    Pods.pull(d, usr1Image);
    String fromImage = run(Pods.container("from-image", usr1Image, "sh", "-c", TRAPS));
    String configured =
        run(
            Pods.container("configured", usr1Image, "sh", "-c", TRAPS)
                .setStopSignal(Signal.SIGINT));
    String plain = run(Pods.container("plain", image, "sh", "-c", TRAPS));
    try {
      assertEquals(Signal.SIGUSR1, Pods.status(d, fromImage).getStopSignal());
      assertEquals(Signal.SIGINT, Pods.status(d, configured).getStopSignal());
      assertEquals(Signal.SIGTERM, Pods.status(d, plain).getStopSignal());
      assertEquals(10, stopped(fromImage).getExitCode());
      assertEquals(2, stopped(configured).getExitCode());
      assertEquals(15, stopped(plain).getExitCode());
    } finally {
      remove(fromImage);
      remove(configured);
      remove(plain);
    }
    assertInvalid(
        "stop_signal",
        podId,
        pod,
        Pods.container("bad-signal", image, "true").setStopSignalValue(99));
  }

  @Test
  void stopContainerOfAnUnknownIdSucceedsAndAnEmptyIdIsInvalid() {
    d.runtime()
        .stopContainer(
            StopContainerRequest.newBuilder().setContainerId("0".repeat(64)).setTimeout(1).build());
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                d.runtime().stopContainer(StopContainerRequest.newBuilder().setTimeout(1).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("container_id"), e.getMessage());
  }
}
