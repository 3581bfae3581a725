package io.jcri.it.bench;

import io.jcri.it.Jcrid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * jcrid start-up and idle memory: exec of the packaged bin/jcrid to the first answered Version RPC
 * and to fully started (Status answered: the stores open, recovery done), with the CPU time the
 * daemon used until then, which load on a shared machine does not inflate; on a fresh root and
 * again on the same root, then VmRSS, RssAnon, RssFile and threads when idle. Run with {@code
 * hack/bench.sh StartupBenchmark [runs=10] [idleSeconds=3]}.
 */
public final class StartupBenchmark {
  private StartupBenchmark() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int idleSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path aot = Jcrid.launcher().getParent().resolveSibling("lib/jcrid.aot");
    System.out.printf(
        "AOT cache: %s; load average before: %s%n",
        Files.exists(aot) ? aot + " (" + Files.size(aot) / (1 << 20) + " MB)" : "none",
        loadAverage());
    measure(runs, idleSeconds);
    System.out.printf("load average after: %s%n", loadAverage());
  }

  /** Prints the start-up and idle figures of runs starts on a fresh root, then runs restarts. */
  static void measure(int runs, int idleSeconds) throws Exception {
    List<long[]> fresh = new ArrayList<>();
    List<long[]> again = new ArrayList<>();
    Map<String, Long> idle = Map.of();
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      try (Jcrid d = Jcrid.start()) {
        fresh.add(sample(d, t0));
        d.stop();
        t0 = System.nanoTime();
        d.restart();
        again.add(sample(d, t0));
        Thread.sleep(idleSeconds * 1000L);
        idle = status(d.pid());
      }
    }
    print("exec -> first answered Version, fresh root", fresh);
    print("exec -> first answered Version, restart on the same root", again);
    System.out.printf(
        "idle %d s after a restart: VmRSS %.1f MB (RssAnon %.1f, RssFile %.1f), %d threads%n",
        idleSeconds,
        idle.get("VmRSS") / 1024.0,
        idle.get("RssAnon") / 1024.0,
        idle.get("RssFile") / 1024.0,
        idle.get("Threads"));
  }

  /**
   * Milliseconds from t0 to the first answered Version and to Status answered (jcrid fully started:
   * stores open, recovery done), and the daemon's CPU time until the latter.
   */
  private static long[] sample(Jcrid d, long t0) throws Exception {
    long ready = System.nanoTime();
    return new long[] {
      (d.versionAnswered() - t0) / 1_000_000, (ready - t0) / 1_000_000, cpuMs(d.pid())
    };
  }

  private static void print(String what, List<long[]> samples) {
    System.out.printf(
        "%s: median %s; fully started (Status answered) median %s; daemon CPU until then median"
            + " %s; n=%d%n",
        what, column(samples, 0), column(samples, 1), column(samples, 2), samples.size());
  }

  /** "median ms (min, max)" of one figure of the samples. */
  private static String column(List<long[]> samples, int i) {
    List<Long> values = new ArrayList<>();
    samples.forEach(s -> values.add(s[i]));
    Collections.sort(values);
    return String.format(
        "%d ms (min %d, max %d)",
        values.get(values.size() / 2), values.get(0), values.get(values.size() - 1));
  }

  /** User + system CPU time of the process (clock ticks of 10 ms: fields 14 and 15 of stat). */
  private static long cpuMs(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
  }

  /** The numeric fields of /proc/PID/status (kB for the memory ones). */
  static Map<String, Long> status(long pid) throws Exception {
    Map<String, Long> fields = new TreeMap<>();
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      String[] kv = line.split(":\\s+", 2);
      String number = kv.length == 2 ? kv[1].replaceAll("\\s*kB$", "") : "";
      if (number.matches("\\d+")) {
        fields.put(kv[0], Long.parseLong(number));
      }
    }
    return fields;
  }

  private static String loadAverage() throws Exception {
    return String.join(
        " ", List.of(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
  }
}
