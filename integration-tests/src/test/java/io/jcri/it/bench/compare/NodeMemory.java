package io.jcri.it.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The node's memory spent on a runtime: the daemon, its per-pod or per-container helpers
 * (containerd shims, conmons) found by a marker in their command line, and their children that are
 * not the workload (pause or infra processes). RSS and PSS from /proc, in KiB.
 */
final class NodeMemory {
  private NodeMemory() {}

  record Usage(
      long daemonRss,
      long daemonPss,
      int helpers,
      long helperRss,
      int infra,
      long infraRss,
      long totalRss,
      long totalPss) {
    @Override
    public String toString() {
      return String.format(
          "daemon RSS %.1f MB (PSS %.1f); %d shims/conmons RSS %.1f MB; %d pause/infra RSS %.1f MB;"
              + " total RSS %.1f MB (PSS %.1f)",
          daemonRss / 1024.0,
          daemonPss / 1024.0,
          helpers,
          helperRss / 1024.0,
          infra,
          infraRss / 1024.0,
          totalRss / 1024.0,
          totalPss / 1024.0);
    }
  }

  /** workload: the command name of the containers' own processes, left out of the sum. */
  static Usage measure(long daemonPid, String marker, String workload) throws IOException {
    List<Long> helpers = new ArrayList<>();
    List<long[]> all = new ArrayList<>(); // pid, ppid
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        long pid = Long.parseLong(p.getFileName().toString());
        try {
          String comm = Files.readString(p.resolve("comm")).strip();
          all.add(new long[] {pid, ppid(p)});
          if ((comm.equals("conmon") || comm.startsWith("containerd-shim"))
              && Files.readString(p.resolve("cmdline")).contains(marker)) {
            helpers.add(pid);
          }
        } catch (IOException gone) {
          // exited meanwhile
        }
      }
    }
    long helperRss = 0;
    long helperPss = 0;
    for (long pid : helpers) {
      helperRss += field(pid, "status", "VmRSS:");
      helperPss += field(pid, "smaps_rollup", "Pss:");
    }
    int infra = 0;
    long infraRss = 0;
    long infraPss = 0;
    for (long[] proc : all) {
      if (helpers.contains(proc[1]) && !comm(proc[0]).equals(workload)) {
        infra++;
        infraRss += field(proc[0], "status", "VmRSS:");
        infraPss += field(proc[0], "smaps_rollup", "Pss:");
      }
    }
    long daemonRss = field(daemonPid, "status", "VmRSS:");
    long daemonPss = field(daemonPid, "smaps_rollup", "Pss:");
    return new Usage(
        daemonRss,
        daemonPss,
        helpers.size(),
        helperRss,
        infra,
        infraRss,
        daemonRss + helperRss + infraRss,
        daemonPss + helperPss + infraPss);
  }

  static long rssKb(long pid) throws IOException {
    return field(pid, "status", "VmRSS:");
  }

  private static long ppid(Path proc) throws IOException {
    String stat = Files.readString(proc.resolve("stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
  }

  private static String comm(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).strip();
    } catch (IOException gone) {
      return "";
    }
  }

  private static long field(long pid, String file, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/" + file))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException gone) {
      // exited meanwhile
    }
    return 0;
  }
}
