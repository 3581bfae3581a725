package io.jcri.it.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ExecSyncResponse;
import io.jcri.cri.v1.LinuxContainerConfig;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.ListContainersRequest;
import io.jcri.cri.v1.Mount;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RemoveContainerRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopContainerRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.registry.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Containers run by conmon + runc in a real pod, from an image pulled from a real local registry.
 */
class ContainerIT {
  private static final Pattern CRI_LOG_LINE =
      Pattern.compile(
          "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d) (stdout|stderr) [PF] .*");
  private static Jcrid d;
  private static String image;
  private static PodSandboxConfig pod;
  private static String podId;

  @BeforeAll
  static void start() throws Exception {
    d = Jcrid.start();
    d.writeBridgeNetwork();
    image = TestImages.busybox();
    Pods.pull(d, image);
    pod = Pods.pod("containers").setLogDirectory(d.home().resolve("logs").toString()).build();
    podId = Pods.run(d, pod.toBuilder());
  }

  @AfterAll
  static void stop() throws Exception {
    d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    d.runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    d.close();
  }

  private static String run(String name, String... cmd) {
    String id = Pods.create(d, podId, pod, Pods.container(name, image, cmd));
    Pods.start(d, id);
    return id;
  }

  private static void remove(String id) {
    d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
  }

  @Test
  void runsToCompletionWritesTheCriLogAndReportsTheExit() throws Exception {
    String id = run("hello", "sh", "-c", "echo hello; echo oops >&2; exit 0");
    ContainerStatus s = Pods.awaitExit(d, id);
    assertEquals(ContainerState.CONTAINER_EXITED, s.getState());
    assertEquals(0, s.getExitCode());
    assertEquals("Completed", s.getReason());
    assertTrue(s.getStartedAt() > 0 && s.getFinishedAt() >= s.getStartedAt());
    assertTrue(s.getImageId().startsWith("sha256:"), s.getImageId());
    List<String> lines = Files.readAllLines(Path.of(s.getLogPath()));
    assertEquals(2, lines.size(), lines.toString());
    lines.forEach(l -> assertTrue(CRI_LOG_LINE.matcher(l).matches(), l));
    assertTrue(lines.stream().anyMatch(l -> l.matches(".* stdout F hello")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.matches(".* stderr F oops")), lines.toString());
    remove(id);
    StatusRuntimeException gone =
        assertThrows(StatusRuntimeException.class, () -> Pods.status(d, id));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
    remove(id); // idempotent
  }

  @Test
  void aFailingCommandReportsItsExitCodeAsAnError() throws Exception {
    String id = run("fails", "sh", "-c", "exit 7");
    ContainerStatus s = Pods.awaitExit(d, id);
    assertEquals(7, s.getExitCode());
    assertEquals("Error", s.getReason());
    remove(id);
  }

  @Test
  void stopSendsTheSignalThenKillsAfterTheTimeout() throws Exception {
    String polite = run("polite", "sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done");
    Thread.sleep(300);
    d.runtime()
        .stopContainer(
            StopContainerRequest.newBuilder().setContainerId(polite).setTimeout(10).build());
    assertEquals(0, Pods.status(d, polite).getExitCode());
    String stubborn = run("stubborn", "sh", "-c", "trap '' TERM; while true; do sleep 0.1; done");
    Thread.sleep(300);
    long t0 = System.nanoTime();
    d.runtime()
        .stopContainer(
            StopContainerRequest.newBuilder().setContainerId(stubborn).setTimeout(1).build());
    ContainerStatus s = Pods.status(d, stubborn);
    assertEquals(ContainerState.CONTAINER_EXITED, s.getState());
    assertEquals(137, s.getExitCode());
    assertTrue(System.nanoTime() - t0 < 8_000_000_000L);
    d.runtime()
        .stopContainer(
            StopContainerRequest.newBuilder().setContainerId(stubborn).setTimeout(1).build());
    remove(polite);
    remove(stubborn);
  }

  @Test
  void execSyncReturnsOutputAndExitCodeAndEnforcesItsTimeout() throws Exception {
    String id = run("exec", "sleep", "300");
    try {
      ExecSyncResponse ok =
          d.runtime()
              .execSync(
                  ExecSyncRequest.newBuilder()
                      .setContainerId(id)
                      .addAllCmd(List.of("sh", "-c", "echo out; echo err >&2; exit 3"))
                      .setTimeout(10)
                      .build());
      assertEquals(3, ok.getExitCode());
      assertEquals("out\n", ok.getStdout().toStringUtf8());
      assertEquals("err\n", ok.getStderr().toStringUtf8());
      long t0 = System.nanoTime();
      StatusRuntimeException slow =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  d.runtime()
                      .execSync(
                          ExecSyncRequest.newBuilder()
                              .setContainerId(id)
                              .addAllCmd(List.of("sleep", "30"))
                              .setTimeout(1)
                              .build()));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, slow.getStatus().getCode());
      assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
    } finally {
      remove(id);
    }
  }

  @Test
  void securityContextShapesTheProcess() throws Exception {
    String id =
        Pods.create(
            d,
            podId,
            pod,
            Pods.container(
                    "secure",
                    image,
                    "sh",
                    "-c",
                    "id -u; id -g; grep CapEff /proc/self/status; touch /x && echo writable || echo readonly; "
                        + "hostname newname 2>/dev/null && echo renamed || echo cannot-rename")
                .setLinux(
                    LinuxContainerConfig.newBuilder()
                        .setSecurityContext(
                            LinuxContainerSecurityContext.newBuilder()
                                .setRunAsUser(io.jcri.cri.v1.Int64Value.newBuilder().setValue(1234))
                                .setRunAsGroup(
                                    io.jcri.cri.v1.Int64Value.newBuilder().setValue(5678))
                                .setReadonlyRootfs(true))));
    Pods.start(d, id);
    ContainerStatus s = Pods.awaitExit(d, id);
    String log = String.join("\n", Files.readAllLines(Path.of(s.getLogPath())));
    assertTrue(log.contains("stdout F 1234"), log);
    assertTrue(log.contains("stdout F 5678"), log);
    assertTrue(log.contains("CapEff:\t0000000000000000"), log);
    assertTrue(log.contains("stdout F readonly"), log);
    assertTrue(log.contains("cannot-rename"), log);
    assertEquals(1234, s.getUser().getLinux().getUid());
    remove(id);
  }

  @Test
  void anOomKillIsReportedAsOomKilled() throws Exception {
    String id =
        Pods.create(
            d,
            podId,
            pod,
            Pods.container("oom", image, "dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1")
                .setLinux(
                    LinuxContainerConfig.newBuilder()
                        .setResources(
                            io.jcri.cri.v1.LinuxContainerResources.newBuilder()
                                .setMemoryLimitInBytes(32L << 20))));
    Pods.start(d, id);
    ContainerStatus s = Pods.awaitExit(d, id);
    assertEquals("OOMKilled", s.getReason());
    assertEquals(137, s.getExitCode());
    remove(id);
  }

  @Test
  void resourcesUpdateStatsAndLogReopenOnARunningContainer() throws Exception {
    String id =
        run("tuned", "sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.1; done");
    try {
      d.runtime()
          .updateContainerResources(
              io.jcri.cri.v1.UpdateContainerResourcesRequest.newBuilder()
                  .setContainerId(id)
                  .setLinux(
                      io.jcri.cri.v1.LinuxContainerResources.newBuilder()
                          .setMemoryLimitInBytes(96L << 20)
                          .setCpuShares(512))
                  .build());
      String limit =
          d.runtime()
              .execSync(
                  ExecSyncRequest.newBuilder()
                      .setContainerId(id)
                      .addAllCmd(List.of("cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"))
                      .setTimeout(10)
                      .build())
              .getStdout()
              .toStringUtf8()
              .strip();
      assertEquals(String.valueOf(96L << 20), limit);
      assertEquals(
          96L << 20,
          Pods.status(d, id).getResources().getLinux().getMemoryLimitInBytes(),
          "ContainerStatus shows the resources now in force");

      Thread.sleep(1200); // two CPU samples a second apart give a rate
      d.runtime()
          .containerStats(
              io.jcri.cri.v1.ContainerStatsRequest.newBuilder().setContainerId(id).build());
      var stats =
          d.runtime()
              .containerStats(
                  io.jcri.cri.v1.ContainerStatsRequest.newBuilder().setContainerId(id).build())
              .getStats();
      assertEquals(id, stats.getAttributes().getId());
      assertTrue(stats.getCpu().getUsageCoreNanoSeconds().getValue() > 0);
      assertTrue(stats.getMemory().getWorkingSetBytes().getValue() > 0);
      var podStats =
          d.runtime()
              .podSandboxStats(
                  io.jcri.cri.v1.PodSandboxStatsRequest.newBuilder().setPodSandboxId(podId).build())
              .getStats();
      assertTrue(
          podStats.getLinux().getNetwork().getInterfacesList().stream()
              .anyMatch(i -> i.getName().equals("eth0")),
          podStats.toString());

      Path log = Path.of(Pods.status(d, id).getLogPath());
      Path rotated = log.resolveSibling(log.getFileName() + ".1");
      Files.move(log, rotated);
      d.runtime()
          .reopenContainerLog(
              io.jcri.cri.v1.ReopenContainerLogRequest.newBuilder().setContainerId(id).build());
      Thread.sleep(500);
      assertTrue(Files.exists(log), "conmon reopened the log at its path");
      assertTrue(Files.readAllLines(log).stream().anyMatch(l -> l.contains("stdout F line")));
    } finally {
      remove(id);
    }
  }

  @Test
  void badInputIsRejectedAndLeavesNothing() throws Exception {
    StatusRuntimeException noImage =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                Pods.create(
                    d, podId, pod, Pods.container("noimage", "127.0.0.1:1/not/there:1", "true")));
    assertEquals(Status.Code.NOT_FOUND, noImage.getStatus().getCode());
    StatusRuntimeException noPod =
        assertThrows(
            StatusRuntimeException.class,
            () -> Pods.create(d, "f".repeat(64), pod, Pods.container("nopod", image, "true")));
    assertEquals(Status.Code.NOT_FOUND, noPod.getStatus().getCode());
    StatusRuntimeException relative =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                Pods.create(
                    d,
                    podId,
                    pod,
                    Pods.container("relmount", image, "true")
                        .addMounts(
                            Mount.newBuilder()
                                .setHostPath("relative/dir")
                                .setContainerPath("/data"))));
    assertEquals(Status.Code.INVALID_ARGUMENT, relative.getStatus().getCode());
    StatusRuntimeException seccomp =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                Pods.create(
                    d,
                    podId,
                    pod,
                    Pods.container("seccomp", image, "true")
                        .setLinux(
                            LinuxContainerConfig.newBuilder()
                                .setSecurityContext(
                                    LinuxContainerSecurityContext.newBuilder()
                                        .setSeccomp(
                                            io.jcri.cri.v1.SecurityProfile.newBuilder()
                                                .setProfileType(
                                                    io.jcri.cri.v1.SecurityProfile.ProfileType
                                                        .Localhost)
                                                .setLocalhostRef("/nonexistent/profile.json"))))));
    assertTrue(
        seccomp.getStatus().getDescription().contains("/nonexistent/profile.json"),
        seccomp.getStatus().getDescription());
    var left =
        d
            .runtime()
            .listContainers(ListContainersRequest.getDefaultInstance())
            .getContainersList()
            .stream()
            .filter(
                c ->
                    List.of("noimage", "nopod", "relmount", "seccomp")
                        .contains(c.getMetadata().getName()))
            .toList();
    assertTrue(left.isEmpty(), left.toString());
    String mounts = String.join("\n", Files.readAllLines(Path.of("/proc/self/mountinfo")));
    try (var bundles = Files.list(d.state().resolve("containers"))) {
      for (Path b : bundles.toList()) {
        assertTrue(
            d
                .runtime()
                .listContainers(ListContainersRequest.getDefaultInstance())
                .getContainersList()
                .stream()
                .anyMatch(c -> c.getId().equals(b.getFileName().toString())),
            "bundle of a failed create left: " + b);
      }
    }
    assertFalse(mounts.contains("relmount"));
  }

  @Test
  void containersAndTheirExitsSurviveAJcridCrash() throws Exception {
    String running =
        run(
            "survivor",
            "sh",
            "-c",
            "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done");
    String exitsLater = run("exits-later", "sh", "-c", "sleep 2; exit 42");
    String created = Pods.create(d, podId, pod, Pods.container("created-only", image, "true"));
    Thread.sleep(500);
    d.kill9();
    Thread.sleep(2500);
    d.restart();
    assertEquals(ContainerState.CONTAINER_RUNNING, Pods.status(d, running).getState());
    assertEquals(ContainerState.CONTAINER_CREATED, Pods.status(d, created).getState());
    ContainerStatus later = Pods.awaitExit(d, exitsLater);
    assertEquals(42, later.getExitCode());
    long ticksBefore = Files.readAllLines(Path.of(Pods.status(d, running).getLogPath())).size();
    Thread.sleep(600);
    long ticksAfter = Files.readAllLines(Path.of(Pods.status(d, running).getLogPath())).size();
    assertTrue(ticksAfter > ticksBefore, "logs keep flowing after the restart");
    d.runtime()
        .stopContainer(
            StopContainerRequest.newBuilder().setContainerId(running).setTimeout(1).build());
    assertEquals(ContainerState.CONTAINER_EXITED, Pods.status(d, running).getState());
    for (String id : List.of(running, exitsLater, created)) {
      remove(id);
    }
  }
}
