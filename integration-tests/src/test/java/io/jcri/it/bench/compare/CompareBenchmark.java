package io.jcri.it.bench.compare;

import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.bench.PullBenchmark;
import io.jcri.it.registry.Layer;
import io.jcri.it.registry.LocalRegistry;
import io.jcri.it.registry.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * jcrid against Debian's containerd, side by side on this machine: the same images from one local
 * registry, the same CNI chain, the same CRI calls from this client; each workload once on a quiet
 * machine and once with every CPU saturated by busy processes at normal priority. Prints a markdown
 * table of p50/p95 per step and the ratio jcri/containerd. Run through {@code hack/bench.sh
 * compare}; sizes are system properties (bench.runs, bench.execs, ...).
 */
public final class CompareBenchmark {
  private static final int RUNS = Integer.getInteger("bench.runs", 30);
  private static final int EXECS = Integer.getInteger("bench.execs", 50);
  private static final int SMALL_PULLS = Integer.getInteger("bench.smallPulls", 10);
  private static final int BIG_PULLS = Integer.getInteger("bench.bigPulls", 3);

  /**
   * ways:rounds, each a parallel run of that many workers doing that many cycles each; empty for
   * none.
   */
  private static final List<String> PARALLEL =
      java.util.Arrays.stream(System.getProperty("bench.parallel", "10:3,50:1").split(","))
          .filter(p -> !p.isBlank())
          .toList();

  private static final int STARTS = Integer.getInteger("bench.starts", 5);
  private static final List<String> LOADS =
      List.of(System.getProperty("bench.loads", "quiet,saturated").split(","));

  private CompareBenchmark() {}

  private interface Factory {
    Daemon create(Path home) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    Path dist = Path.of(System.getProperty("jcri.dist"));
    Path work = Path.of(System.getProperty("bench.work", "/var/tmp/jcri-bench"));
    clean(work);
    LocalRegistry registry = LocalRegistry.shared();
    String busybox = TestImages.busybox();
    String small =
        TestImages.image(registry, "bench/small")
            .layer(TestImages.busyboxRootfs().file("etc/bench", 0644, "small\n").build())
            .cmd("sh")
            .push("v1")
            .reference();
    String big = PullBenchmark.pushBigImage(registry);
    String pause =
        TestImages.image(registry, "bench/pause")
            .layer(
                Layer.builder()
                    .file("pause", 0755, Files.readAllBytes(Path.of("/usr/bin/catatonit")))
                    .build())
            .entrypoint("/pause", "-P")
            .push("3.9")
            .reference();
    Map<String, Factory> daemons = new LinkedHashMap<>();
    daemons.put("containerd", home -> Runtimes.containerd(home, registry.host(), pause));
    daemons.put("jcri", home -> Runtimes.jcrid(dist, home));
    Map<String, Samples> results = new LinkedHashMap<>();
    List<String> notes = new ArrayList<>();
    for (var e : daemons.entrySet()) {
      results.put(e.getKey(), new Samples());
      startups(e.getValue().create(work.resolve(e.getKey())), results.get(e.getKey()), notes);
    }
    for (String load : LOADS) {
      for (var e : daemons.entrySet()) {
        Path home = work.resolve(e.getKey());
        try (Daemon d = e.getValue().create(home)) {
          d.start();
          notes.add(
              e.getKey()
                  + ": "
                  + d.runtime()
                      .version(VersionRequest.getDefaultInstance())
                      .toString()
                      .replace('\n', ' ')
                  + " ("
                  + load
                  + ", load average before: "
                  + loadAverage()
                  + ")");
          System.out.println(notes.getLast());
          workloads(d, home, busybox, small, big, load, results.get(e.getKey()), notes);
        } catch (Exception failed) { // a daemon that hangs or dies must not cost the other figures
          notes.add(e.getKey() + " " + load + " ended early: " + failed);
        }
      }
      print(results, notes); // the table so far: a long run interrupted later still leaves figures
    }
    clean(work);
    new ProcessBuilder("ip", "link", "del", Runtimes.BRIDGE).inheritIO().start().waitFor();
  }

  /**
   * exec to first answered Version, STARTS times on one root; idle RSS 3 s after the first start.
   */
  private static void startups(Daemon d, Samples samples, List<String> notes) throws Exception {
    for (int i = 0; i < STARTS; i++) {
      samples.add("start-up · exec → first answered Version", d.start());
      if (i == 0) {
        Thread.sleep(3000);
        notes.add(
            String.format(
                "%s idle RSS 3 s after start: %.1f MB",
                d.name(), NodeMemory.rssKb(d.pid()) / 1024.0));
      }
      d.stop();
    }
  }

  private static void workloads(
      Daemon d,
      Path home,
      String busybox,
      String small,
      String big,
      String load,
      Samples samples,
      List<String> notes)
      throws Exception {
    d.images()
        .pullImage(
            PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(busybox))
                .build());
    Workloads warm = new Workloads(d, home.resolve("logs"), busybox, new Samples());
    step(
        notes,
        d.name() + " " + load + ": warm-up",
        () -> {
          warm.podCycles("warm-up", 3, NamespaceMode.POD);
          warm.podCycles("warm-up", 3, NamespaceMode.CONTAINER);
          warm.containerCycles("warm-up", 3);
          warm.pulls("warm-up", small, 1);
          warm.execs("warm-up", 3);
        });
    warm.removeAllPods();
    Workloads w = new Workloads(d, home.resolve("logs"), busybox, samples);
    try (Saturator busy = load.equals("saturated") ? Saturator.start() : Saturator.none()) {
      String who = d.name() + " " + load + ": ";
      step(
          notes,
          who + "pod cycle, shared PID",
          () -> w.podCycles(load + " · pod cycle, shared PID", RUNS, NamespaceMode.POD));
      step(
          notes,
          who + "pod cycle, no shared PID",
          () -> w.podCycles(load + " · pod cycle, no shared PID", RUNS, NamespaceMode.CONTAINER));
      step(
          notes,
          who + "container cycle",
          () -> w.containerCycles(load + " · container cycle", RUNS));
      step(notes, who + "exec", () -> w.execs(load + " · exec", EXECS));
      step(notes, who + "1 MB pull", () -> w.pulls(load + " · 1 MB image", small, SMALL_PULLS));
      step(
          notes,
          who + "100 MiB pull",
          () -> w.pulls(load + " · 100 MiB 5-layer image", big, BIG_PULLS));
      for (String p : PARALLEL) {
        int ways = Integer.parseInt(p.split(":")[0]);
        step(
            notes,
            who + ways + "-way",
            () ->
                w.parallel(load + " · " + ways + "-way", ways, Integer.parseInt(p.split(":")[1])));
      }
    }
    if (load.equals("quiet")) {
      step(
          notes,
          d.name() + " memory",
          () -> {
            w.removeAllPods();
            w.podsWithContainers(10, 2);
            Thread.sleep(3000);
            notes.add(
                d.name()
                    + ", 10 pods × 2 containers running: "
                    + NodeMemory.measure(d.pid(), home.toString(), "sleep"));
            System.out.println(notes.getLast());
          });
    }
    w.removeAllPods();
  }

  private interface Step {
    void run() throws Exception;
  }

  /** Runs one workload; a failure is reported in the notes and the comparison goes on. */
  private static void step(List<String> notes, String name, Step step) {
    System.out.println(name);
    try {
      step.run();
    } catch (Exception e) {
      notes.add(name + " FAILED: " + e);
      System.out.println(notes.getLast());
    }
  }

  private static void print(Map<String, Samples> results, List<String> notes) {
    Map<String, Samples.Stat> containerd = results.get("containerd").stats();
    Map<String, Samples.Stat> jcri = results.get("jcri").stats();
    System.out.println();
    System.out.println(
        "| step (ms) | n | containerd p50 | p95 | jcri p50 | p95 | jcri/containerd p50 | p95 |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    containerd.forEach(
        (name, c) -> {
          Samples.Stat j = jcri.get(name);
          if (j != null) {
            System.out.printf(
                "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f |%n",
                name,
                j.n(),
                c.p50(),
                c.p95(),
                j.p50(),
                j.p95(),
                j.p50() / c.p50(),
                j.p95() / c.p95());
          }
        });
    System.out.println();
    notes.forEach(System.out::println);
  }

  private static String loadAverage() throws Exception {
    return Files.readString(Path.of("/proc/loadavg")).strip();
  }

  private static void clean(Path work) throws Exception {
    if (Files.exists(work)) {
      Jcrid.unmountUnder(work);
      new ProcessBuilder("rm", "-rf", "--one-file-system", work.toString())
          .inheritIO()
          .start()
          .waitFor();
    }
    Files.createDirectories(work);
  }
}
