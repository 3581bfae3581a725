package io.jcri.it.bench;

import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RemoveContainerRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopContainerRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.pods.Pods;
import io.jcri.it.registry.TestImages;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Pod and container lifecycle latency through the real daemon over its socket, plus daemon start-up
 * and idle memory. Prints p50/p95; run with {@code hack/bench.sh LifecycleBenchmark [runs]}.
 */
public final class LifecycleBenchmark {
  private LifecycleBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 50;
    StartupBenchmark.measure(5, 3);
    try (Jcrid d = Jcrid.start()) {
      d.writeBridgeNetwork();
      print("RunPodSandbox+Stop+Remove, no infra process", pods(d, runs, NamespaceMode.CONTAINER));
      print(
          "RunPodSandbox+Stop+Remove, with infra (shared PID ns)",
          pods(d, runs, NamespaceMode.POD));
      String image = TestImages.busybox();
      Pods.pull(d, image);
      print("CreateContainer+Start+Stop+Remove (busybox sleep)", containers(d, runs, image));
      long rss = StartupBenchmark.status(d.pid()).get("VmRSS");
      System.out.printf("jcrid VmRSS after the runs: %.1f MB%n", rss / 1024.0);
      LogBreakdown.print(d.log());
    }
  }

  private static List<Long> pods(Jcrid d, int runs, NamespaceMode pid) {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      PodSandboxConfig.Builder pod =
          Pods.withNamespaces(Pods.pod("bench-" + i), NamespaceMode.POD, pid, NamespaceMode.POD);
      long t0 = System.nanoTime();
      String id = Pods.run(d, pod);
      d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      d.runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      micros.add((System.nanoTime() - t0) / 1000);
    }
    return micros;
  }

  private static List<Long> containers(Jcrid d, int runs, String image) {
    PodSandboxConfig pod =
        Pods.pod("bench-ctr").setLogDirectory(d.home().resolve("logs").toString()).build();
    String podId = Pods.run(d, pod.toBuilder());
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      String id = Pods.create(d, podId, pod, Pods.container("c" + i, image, "sleep", "600"));
      Pods.start(d, id);
      d.runtime()
          .stopContainer(
              StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
      d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
      micros.add((System.nanoTime() - t0) / 1000);
    }
    d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    d.runtime()
        .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    return micros;
  }

  private static void print(String what, List<Long> micros) {
    List<Long> sorted = new ArrayList<>(micros);
    Collections.sort(sorted);
    System.out.printf(
        "%s: n=%d p50 %.1f ms, p95 %.1f ms, max %.1f ms%n",
        what,
        sorted.size(),
        sorted.get(sorted.size() / 2) / 1000.0,
        sorted.get((int) Math.ceil(sorted.size() * 0.95) - 1) / 1000.0,
        sorted.get(sorted.size() - 1) / 1000.0);
  }
}
