package io.jcri.it.bench.compare;

import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.ContainerMetadata;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.CreateContainerRequest;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RemoveContainerRequest;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.RunPodSandboxRequest;
import io.jcri.cri.v1.StartContainerRequest;
import io.jcri.cri.v1.StopContainerRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.bench.ExecBenchmark;
import io.jcri.it.pods.Pods;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The workloads the comparison runs against one daemon, each timed per RPC and per cycle into
 * {@link Samples} under "group · step" names. Uses only CRI calls, so any runtime can be measured.
 */
final class Workloads {
  private static final AtomicInteger SEQ = new AtomicInteger();
  private final Daemon d;
  private final Path logs;
  private final String image;
  private final Samples samples;

  Workloads(Daemon d, Path logs, String image, Samples samples) {
    this.d = d;
    this.logs = logs;
    this.image = image;
    this.samples = samples;
  }

  /** RunPodSandbox + PodSandboxStatus + StopPodSandbox + RemovePodSandbox, n times. */
  void podCycles(String group, int n, NamespaceMode pid) {
    for (int i = 0; i < n; i++) {
      podCycle(group, pid);
    }
  }

  private void podCycle(String group, NamespaceMode pid) {
    long t0 = System.nanoTime();
    String id = runPod(group, pid);
    samples.run(
        group + " · PodSandboxStatus",
        () ->
            d.runtime()
                .podSandboxStatus(
                    PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build()));
    removePod(group, id);
    samples.add(group + " · cycle", System.nanoTime() - t0);
  }

  /** Create, Start, Status, Stop(timeout 0), Remove of a busybox sleep in one pod, n times. */
  void containerCycles(String group, int n) {
    PodSandboxConfig pod = pod("ctr");
    String podId =
        d.runtime()
            .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build())
            .getPodSandboxId();
    for (int i = 0; i < n; i++) {
      containerCycle(group, podId, pod);
    }
    removePod(null, podId);
  }

  private void containerCycle(String group, String podId, PodSandboxConfig pod) {
    long t0 = System.nanoTime();
    String id = createStart(group, podId, pod, "c" + SEQ.incrementAndGet());
    samples.run(
        group + " · ContainerStatus",
        () ->
            d.runtime()
                .containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()));
    samples.run(
        group + " · StopContainer",
        () ->
            d.runtime()
                .stopContainer(
                    StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build()));
    samples.run(
        group + " · RemoveContainer",
        () ->
            d.runtime()
                .removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build()));
    samples.add(group + " · cycle", System.nanoTime() - t0);
  }

  /**
   * ExecSync of `true` and the same through Exec + SPDY streams, n times each, in one running
   * container.
   */
  void execs(String group, int n) throws Exception {
    PodSandboxConfig pod = pod("exec");
    String podId =
        d.runtime()
            .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build())
            .getPodSandboxId();
    String id = createStart(null, podId, pod, "sleeper");
    for (int i = 0; i < n; i++) {
      execSync(group, id);
    }
    for (int i = 0; i < n; i++) {
      long t0 = System.nanoTime();
      ExecBenchmark.streamingExecTrue(d.runtime(), id, d.name());
      samples.add(
          group + " · streaming exec (Exec + SPDY until exit status)", System.nanoTime() - t0);
    }
    removePod(null, podId);
  }

  private void execSync(String group, String containerId) {
    var response =
        samples.time(
            group + " · ExecSync true",
            () ->
                d.runtime()
                    .execSync(
                        ExecSyncRequest.newBuilder()
                            .setContainerId(containerId)
                            .addCmd("true")
                            .setTimeout(30)
                            .build()));
    if (response.getExitCode() != 0) {
      throw new IllegalStateException(
          d.name() + ": ExecSync true exited " + response.getExitCode());
    }
  }

  /** PullImage (timed) then RemoveImage, so every pull fetches and unpacks everything again. */
  void pulls(String group, String ref, int n) {
    ImageSpec spec = ImageSpec.newBuilder().setImage(ref).build();
    for (int i = 0; i < n; i++) {
      samples.run(
          group + " · PullImage",
          () -> d.images().pullImage(PullImageRequest.newBuilder().setImage(spec).build()));
      samples.run(
          group + " · RemoveImage",
          () -> d.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec).build()));
    }
  }

  /**
   * ways workers at once, each running rounds pod cycles, then rounds container cycles and
   * ExecSyncs in a pod of its own.
   */
  void parallel(String group, int ways, int rounds) throws Exception {
    try (ExecutorService pool = Executors.newFixedThreadPool(ways)) {
      all(
          pool,
          ways,
          () -> {
            for (int r = 0; r < rounds; r++) {
              podCycle(group + " pod", NamespaceMode.CONTAINER);
            }
            return null;
          });
      List<String> pods =
          all(
              pool,
              ways,
              () -> {
                PodSandboxConfig pod = pod("par");
                String podId =
                    d.runtime()
                        .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build())
                        .getPodSandboxId();
                for (int r = 0; r < rounds; r++) {
                  containerCycle(group + " container", podId, pod);
                }
                String sleeper = createStart(null, podId, pod, "sleeper");
                for (int r = 0; r < rounds; r++) {
                  execSync(group, sleeper);
                }
                return podId;
              });
      for (String podId : pods) {
        removePod(null, podId);
      }
    }
  }

  private static <T> List<T> all(
      ExecutorService pool, int ways, java.util.concurrent.Callable<T> task) throws Exception {
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < ways; i++) {
      futures.add(pool.submit(task));
    }
    List<T> results = new ArrayList<>();
    for (Future<T> f : futures) {
      results.add(f.get());
    }
    return results;
  }

  /**
   * kubelet's usual pods: own network and IPC, no shared PID namespace; containers busybox sleep.
   */
  List<String> podsWithContainers(int pods, int containersPerPod) {
    List<String> ids = new ArrayList<>();
    for (int p = 0; p < pods; p++) {
      PodSandboxConfig pod = pod("mem");
      String podId =
          d.runtime()
              .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build())
              .getPodSandboxId();
      for (int c = 0; c < containersPerPod; c++) {
        createStart(null, podId, pod, "m" + c);
      }
      ids.add(podId);
    }
    return ids;
  }

  /** Stops and removes every pod the daemon lists (their containers go with them). */
  void removeAllPods() {
    for (var pod :
        d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
      removePod(null, pod.getId());
    }
  }

  private String runPod(String group, NamespaceMode pid) {
    RunPodSandboxRequest request =
        RunPodSandboxRequest.newBuilder()
            .setConfig(
                Pods.withNamespaces(
                    Pods.pod("bench-" + SEQ.incrementAndGet()),
                    NamespaceMode.POD,
                    pid,
                    NamespaceMode.POD))
            .build();
    return samples
        .time(group + " · RunPodSandbox", () -> d.runtime().runPodSandbox(request))
        .getPodSandboxId();
  }

  private void removePod(String group, String id) {
    Runnable stop =
        () ->
            d.runtime()
                .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    Runnable remove =
        () ->
            d.runtime()
                .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    if (group == null) {
      stop.run();
      remove.run();
    } else {
      samples.run(group + " · StopPodSandbox", stop);
      samples.run(group + " · RemovePodSandbox", remove);
    }
  }

  private PodSandboxConfig pod(String kind) {
    String name = "bench-" + kind + "-" + SEQ.incrementAndGet();
    Path dir = logs.resolve(name);
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return Pods.pod(name).setLogDirectory(dir.toString()).build();
  }

  private String createStart(String group, String podId, PodSandboxConfig pod, String name) {
    ContainerConfig config =
        ContainerConfig.newBuilder()
            .setMetadata(ContainerMetadata.newBuilder().setName(name))
            .setImage(ImageSpec.newBuilder().setImage(image))
            .addAllCommand(List.of("sleep", "3600"))
            .setLogPath(name + ".log")
            .build();
    CreateContainerRequest create =
        CreateContainerRequest.newBuilder()
            .setPodSandboxId(podId)
            .setConfig(config)
            .setSandboxConfig(pod)
            .build();
    String id =
        group == null
            ? d.runtime().createContainer(create).getContainerId()
            : samples
                .time(group + " · CreateContainer", () -> d.runtime().createContainer(create))
                .getContainerId();
    Runnable start =
        () ->
            d.runtime()
                .startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
    if (group == null) {
      start.run();
    } else {
      samples.run(group + " · StartContainer", start);
    }
    return id;
  }
}
