package io.jcri.it.bench;

import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.ListPodSandboxRequest;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.pods.Pods;
import io.jcri.it.registry.TestImages;
import io.jcri.runtime.streaming.SpdyTestClient;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where an ExecSync's time goes: the RPC (ExecSync of {@code true}) and a streaming exec against
 * what the OCI runtime alone costs on the same container ({@code runc exec} run from this process,
 * with and without {@code setsid} and a pid file), interleaved so the machine's load changes hit
 * all alike; plus the daemon's own timing of its runtime call ({@code event=command_done}). With
 * {@code -Dbench.before=<distribution>} a second daemon from that distribution runs beside this one
 * and gets every call right after it, for a before/after under the same load. Pods use the host
 * network. Run with {@code hack/bench.sh ExecBenchmark [runs=100]}.
 */
public final class ExecBenchmark {
  private static final Pattern COMMAND_DONE =
      Pattern.compile("event=command_done argv=[^\\n]* exec --pid-file [^\\n]* ms=(\\d+)");
  private static final int WARM_UP = 10;

  private ExecBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    String before = System.getProperty("bench.before");
    try (Jcrid d = Jcrid.start();
        Jcrid b = before == null ? null : Jcrid.startWith(Path.of(before, "bin", "jcrid"), "")) {
      try {
        measure(d, b, before, runs);
      } finally {
        for (Jcrid daemon : java.util.Arrays.asList(d, b)) {
          if (daemon != null) {
            removePods(daemon);
          }
        }
      }
    }
  }

  private static void measure(Jcrid d, Jcrid b, String before, int runs) throws Exception {
    {
      String id = sleeper(d, "bench-exec");
      String beforeId = b == null ? null : sleeper(b, "bench-exec-before");
      Path root = runcRoot(d, id);
      Path pidFile = d.home().resolve("bench-exec.pid");
      List<String> bare = List.of("/usr/sbin/runc", "--root", root.toString(), "exec", id, "true");
      List<String> setsid = new ArrayList<>(List.of("/usr/bin/setsid"));
      setsid.addAll(
          List.of(
              "/usr/sbin/runc",
              "--root",
              root.toString(),
              "exec",
              "--pid-file",
              pidFile.toString(),
              id,
              "true"));
      Map<String, List<Long>> micros = new LinkedHashMap<>();
      for (int i = 0; i < WARM_UP + runs; i++) {
        boolean keep = i >= WARM_UP;
        add(micros, keep, "ExecSync true (RPC)", () -> execSync(d, id));
        if (b != null) {
          add(micros, keep, "ExecSync true (RPC), " + before, () -> execSync(b, beforeId));
        }
        add(
            micros,
            keep,
            "streaming exec true (Exec + SPDY until exit status)",
            () -> streamingExecTrue(d.runtime(), id, "jcrid"));
        if (b != null) {
          add(
              micros,
              keep,
              "streaming exec true (Exec + SPDY until exit status), " + before,
              () -> streamingExecTrue(b.runtime(), beforeId, "jcrid before"));
        }
        add(micros, keep, "runc exec true (from the client, bare)", () -> spawn(bare));
        add(
            micros,
            keep,
            "setsid runc exec --pid-file true (from the client)",
            () -> spawn(setsid));
        add(micros, keep, "/bin/true (spawn floor)", () -> spawn(List.of("/bin/true")));
      }
      micros.put("jcrid's runtime exec call (command_done ms, ExecSync)", runtimeCalls(d, runs));
      if (b != null) {
        micros.put(
            "jcrid's runtime exec call (command_done ms, ExecSync), " + before,
            runtimeCalls(b, runs));
      }
      System.out.printf("load average: %s%n", Files.readString(Path.of("/proc/loadavg")).strip());
      System.out.println("| n=" + runs + " | p50 ms | p95 ms | min ms |");
      System.out.println("|---|---|---|---|");
      micros.forEach(
          (name, values) -> {
            List<Long> sorted = new ArrayList<>(values);
            Collections.sort(sorted);
            System.out.printf(
                "| %s | %.1f | %.1f | %.1f |%n",
                name,
                percentile(sorted, 50) / 1000.0,
                percentile(sorted, 95) / 1000.0,
                sorted.getFirst() / 1000.0);
          });
    }
  }

  /** A running busybox sleep in a pod on the host network (no CNI: two daemons can run at once). */
  private static String sleeper(Jcrid d, String name) {
    String image = TestImages.busybox();
    Pods.pull(d, image);
    PodSandboxConfig pod =
        Pods.withNamespaces(
                Pods.pod(name).setLogDirectory(d.home().resolve("logs").toString()),
                NamespaceMode.NODE,
                NamespaceMode.CONTAINER,
                NamespaceMode.POD)
            .build();
    String podId = Pods.run(d, pod.toBuilder());
    String id = Pods.create(d, podId, pod, Pods.container("sleeper", image, "sleep", "3600"));
    Pods.start(d, id);
    return id;
  }

  private static void removePods(Jcrid d) {
    for (var pod :
        d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
      d.runtime()
          .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
      d.runtime()
          .removePodSandbox(
              RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
    }
  }

  /** The last n runtime exec calls of ExecSync the daemon timed (debug log). */
  private static List<Long> runtimeCalls(Jcrid d, int n) throws Exception {
    List<Long> micros = new ArrayList<>();
    Matcher m = COMMAND_DONE.matcher(d.log());
    while (m.find()) {
      micros.add(Long.parseLong(m.group(1)) * 1000);
    }
    return micros.subList(Math.max(0, micros.size() - n), micros.size());
  }

  private interface Timed {
    void run() throws Exception;
  }

  private static void add(Map<String, List<Long>> micros, boolean keep, String name, Timed t)
      throws Exception {
    long t0 = System.nanoTime();
    t.run();
    long us = (System.nanoTime() - t0) / 1000;
    if (keep) {
      micros.computeIfAbsent(name, k -> new ArrayList<>()).add(us);
    }
  }

  private static void execSync(Jcrid d, String id) {
    int exit =
        d.runtime()
            .execSync(
                ExecSyncRequest.newBuilder()
                    .setContainerId(id)
                    .addCmd("true")
                    .setTimeout(30)
                    .build())
            .getExitCode();
    if (exit != 0) {
      throw new IllegalStateException("ExecSync true exited " + exit);
    }
  }

  /** A streaming exec of `true` over SPDY, as kubectl exec does; fails unless it succeeded. */
  public static void streamingExecTrue(
      RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime, String containerId, String daemon)
      throws Exception {
    String url =
        runtime
            .exec(
                ExecRequest.newBuilder()
                    .setContainerId(containerId)
                    .addCmd("true")
                    .setStdout(true)
                    .setStderr(true)
                    .build())
            .getUrl();
    try (SpdyTestClient client = SpdyTestClient.connect(url, List.of("v4.channel.k8s.io"))) {
      int error = client.openStream("error");
      client.openStream("stdout");
      client.openStream("stderr");
      String status = client.awaitText(error, Duration.ofSeconds(60));
      if (!status.contains("Success")) {
        throw new IllegalStateException(daemon + ": streaming exec true failed: " + status);
      }
    }
  }

  private static void spawn(List<String> argv) throws Exception {
    Process p =
        new ProcessBuilder(argv)
            .redirectInput(new File("/dev/null"))
            .redirectErrorStream(true)
            .start();
    byte[] out = p.getInputStream().readAllBytes();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(argv + " exited " + p.exitValue() + ": " + new String(out));
    }
  }

  /** The state root of the runtime handler that runs the container. */
  private static Path runcRoot(Jcrid d, String id) throws Exception {
    try (Stream<Path> roots = Files.list(d.state().resolve("runtimes"))) {
      return roots
          .filter(r -> Files.isDirectory(r.resolve(id)))
          .findFirst()
          .orElseThrow(() -> new IllegalStateException("no runtime root holds " + id));
    }
  }

  private static long percentile(List<Long> sorted, int p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }
}
