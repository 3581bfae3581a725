package io.jcri.it.bench;

import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PortForwardRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.pods.Pods;
import io.jcri.it.registry.TestImages;
import io.jcri.runtime.streaming.SpdyTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The streaming path through the real daemon: exec round trip of {@code true} over SPDY (Exec RPC,
 * upgrade, streams, until the exit status arrives) and the throughput of one forwarded connection
 * reading from {@code nc} in a pod. Run with {@code hack/bench.sh StreamingBenchmark [execRuns]
 * [MiB]}.
 */
public final class StreamingBenchmark {
  private static final List<String> SPDY_V4 = List.of("v4.channel.k8s.io");
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int SOURCE_PORT = 9000;
  private static final int WARM_UP = 10;
  private static final int THROUGHPUT_RUNS = 3;

  private StreamingBenchmark() {}

  public static void main(String[] args) throws Exception {
    int execRuns = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int mib = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    try (Jcrid d = Jcrid.start()) {
      d.writeBridgeNetwork();
      String image = TestImages.busybox();
      Pods.pull(d, image);
      PodSandboxConfig pod =
          Pods.pod("bench-stream").setLogDirectory(d.home().resolve("logs").toString()).build();
      String podId = Pods.run(d, pod.toBuilder());
      try {
        String sleeper =
            Pods.create(d, podId, pod, Pods.container("sleeper", image, "sleep", "3600"));
        Pods.start(d, sleeper);
        String source =
            Pods.create(
                d,
                podId,
                pod,
                Pods.container(
                    "source",
                    image,
                    "sh",
                    "-c",
                    "while true; do dd if=/dev/zero bs=1M count="
                        + mib
                        + " 2>/dev/null | nc -l -p "
                        + SOURCE_PORT
                        + "; done"));
        Pods.start(d, source);

        for (int i = 0; i < WARM_UP; i++) {
          execTrue(d, sleeper);
        }
        List<Long> micros = new ArrayList<>();
        for (int i = 0; i < execRuns; i++) {
          micros.add(execTrue(d, sleeper));
        }
        Collections.sort(micros);
        System.out.printf(
            "exec true via SPDY (Exec RPC + upgrade + streams + exit status): p50 %.1f ms, "
                + "p95 %.1f ms, min %.1f ms, max %.1f ms (n=%d)%n",
            percentile(micros, 50) / 1000.0,
            percentile(micros, 95) / 1000.0,
            micros.getFirst() / 1000.0,
            micros.getLast() / 1000.0,
            execRuns);

        List<Double> rates = new ArrayList<>();
        for (int i = 0; i < THROUGHPUT_RUNS; i++) {
          rates.add(pull(d, podId, (long) mib << 20));
        }
        Collections.sort(rates);
        System.out.printf(
            "port-forward, one SPDY connection reading %d MiB from nc in the pod: median %.0f MiB/s "
                + "(runs: %s)%n",
            mib, rates.get(rates.size() / 2), rates);
      } finally {
        d.runtime()
            .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
        d.runtime()
            .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      }
    }
  }

  private static long execTrue(Jcrid d, String containerId) throws Exception {
    long t0 = System.nanoTime();
    String url =
        d.runtime()
            .exec(
                ExecRequest.newBuilder()
                    .setContainerId(containerId)
                    .addCmd("true")
                    .setStdout(true)
                    .setStderr(true)
                    .build())
            .getUrl();
    try (SpdyTestClient client = SpdyTestClient.connect(url, SPDY_V4)) {
      int error = client.openStream("error");
      client.openStream("stdout");
      client.openStream("stderr");
      String status = client.awaitText(error, WAIT);
      long micros = (System.nanoTime() - t0) / 1000;
      if (!status.contains("Success")) {
        throw new IllegalStateException("exec true failed: " + status);
      }
      return micros;
    }
  }

  /**
   * One forwarded connection reading until nc closes; returns MiB/s, retrying while nc is between
   * listens.
   */
  private static double pull(Jcrid d, String podId, long expected) throws Exception {
    for (int attempt = 0; attempt < 50; attempt++) {
      String url =
          d.runtime()
              .portForward(PortForwardRequest.newBuilder().setPodSandboxId(podId).build())
              .getUrl();
      try (SpdyTestClient client = SpdyTestClient.connect(url, List.of("portforward.k8s.io"))) {
        Map<String, String> headers =
            Map.of("port", Integer.toString(SOURCE_PORT), "requestid", "0");
        long t0 = System.nanoTime();
        int error = client.openStream(with(headers, "error"));
        int data = client.openStream(with(headers, "data"));
        client.countOnly(data);
        client.awaitEnd(data, WAIT);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long bytes = client.counted(data);
        if (bytes == expected) {
          return Math.round(bytes / (1024.0 * 1024.0) / seconds * 10) / 10.0;
        }
        if (bytes != 0) {
          throw new IllegalStateException(
              "read " + bytes + " of " + expected + " bytes; error stream: " + client.text(error));
        }
      }
      Thread.sleep(100); // nc was not listening yet
    }
    throw new IllegalStateException("nc in the pod never answered on port " + SOURCE_PORT);
  }

  private static Map<String, String> with(Map<String, String> headers, String streamType) {
    var copy = new java.util.HashMap<>(headers);
    copy.put("streamtype", streamType);
    return copy;
  }

  private static long percentile(List<Long> sorted, int p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }
}
