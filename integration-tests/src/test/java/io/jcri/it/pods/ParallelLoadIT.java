package io.jcri.it.pods;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.registry.TestImages;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fifty workers at once, each RunPodSandbox (CNI plugin execs) then CreateContainer (conmon) and
 * StartContainer, on a 2-core node: every call finishes. (Issue 16: conmon's sync fifo opened on
 * virtual threads pinned every carrier and jcrid hung.)
 */
class ParallelLoadIT {
  private static final int WAYS = 50;

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void fiftyPodsEachWithAContainerRunAtOnceAllFinish() throws Exception {
    try (Jcrid d = Jcrid.start()) {
      d.writeBridgeNetwork();
      String image = TestImages.busybox();
      Pods.pull(d, image);
      List<Future<String>> pods = new ArrayList<>();
      try (ExecutorService pool = Executors.newFixedThreadPool(WAYS)) {
        for (int i = 0; i < WAYS; i++) {
          String name = "par" + i;
          pods.add(
              pool.submit(
                  () -> {
                    PodSandboxConfig pod =
                        Pods.pod(name).setLogDirectory(d.home().resolve("logs").toString()).build();
                    String podId = Pods.run(d, pod.toBuilder());
                    String id =
                        Pods.create(
                            d, podId, pod, Pods.container("sleeper", image, "sleep", "600"));
                    Pods.start(d, id);
                    assertEquals(
                        ContainerState.CONTAINER_RUNNING, Pods.status(d, id).getState(), id);
                    return podId;
                  }));
        }
        for (Future<String> f : pods) {
          String podId = f.get(150, TimeUnit.SECONDS);
          d.runtime()
              .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
          d.runtime()
              .removePodSandbox(
                  RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
        }
      }
    }
  }
}
