package io.jcri.runtime.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a cgroup's CPU, memory and pid counters from v1 controller files, or v2 files where v1 is
 * not mounted.
 */
final class CgroupUsage {
  /** v1 reports "no limit" as the largest page-aligned counter, not as a word. */
  private static final long V1_UNLIMITED = 1L << 62;

  private CgroupUsage() {}

  static Usage read(CgroupDirs dirs) {
    Long cpu =
        dirs.cpuacct() != null
            ? number(dirs.cpuacct().resolve("cpuacct.usage"))
            : dirs.unified() != null
                ? times1000(keyed(dirs.unified().resolve("cpu.stat")).get("usage_usec"))
                : null;
    Long processes =
        dirs.pids() != null
            ? number(dirs.pids().resolve("pids.current"))
            : dirs.unified() != null ? number(dirs.unified().resolve("pids.current")) : null;
    if (dirs.memory() != null) {
      Path m = dirs.memory();
      Map<String, Long> stat = keyed(m.resolve("memory.stat"));
      Long limit = number(m.resolve("memory.limit_in_bytes"));
      return memory(
          cpu,
          processes,
          number(m.resolve("memory.usage_in_bytes")),
          stat.get("total_inactive_file"),
          stat.get("total_rss"),
          stat.get("total_pgfault"),
          stat.get("total_pgmajfault"),
          limit != null && limit < V1_UNLIMITED ? limit : null);
    }
    if (dirs.unified() != null) {
      Path m = dirs.unified();
      Map<String, Long> stat = keyed(m.resolve("memory.stat"));
      return memory(
          cpu,
          processes,
          number(m.resolve("memory.current")),
          stat.get("inactive_file"),
          stat.get("anon"),
          stat.get("pgfault"),
          stat.get("pgmajfault"),
          number(m.resolve("memory.max")));
    }
    return new Usage(cpu, null, null, null, null, null, null, processes);
  }

  /**
   * Working set as kubelet defines it: usage minus the inactive file cache, which the kernel
   * reclaims first.
   */
  private static Usage memory(
      Long cpu,
      Long processes,
      Long usage,
      Long inactiveFile,
      Long rss,
      Long faults,
      Long majorFaults,
      Long limit) {
    Long workingSet =
        usage == null ? null : Math.max(0, usage - (inactiveFile == null ? 0 : inactiveFile));
    Long available = limit == null || workingSet == null ? null : Math.max(0, limit - workingSet);
    return new Usage(cpu, usage, workingSet, rss, faults, majorFaults, available, processes);
  }

  /** memory.oom_control (v1) and memory.events (v2) both count OOM kills as "oom_kill N". */
  static Long oomKills(CgroupDirs dirs) {
    if (dirs.memory() != null) {
      return keyed(dirs.memory().resolve("memory.oom_control")).get("oom_kill");
    }
    return dirs.unified() == null
        ? null
        : keyed(dirs.unified().resolve("memory.events")).get("oom_kill");
  }

  private static Long times1000(Long micros) {
    return micros == null ? null : micros * 1000;
  }

  /** A file holding one number; null when it is missing or holds something else ("max"). */
  private static Long number(Path file) {
    try {
      return Long.parseLong(Files.readString(file).strip());
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  /** A flat-keyed file of "name value" lines; empty when missing. */
  private static Map<String, Long> keyed(Path file) {
    Map<String, Long> values = new HashMap<>();
    try {
      for (String line : Files.readAllLines(file)) {
        String[] kv = line.split(" ");
        if (kv.length == 2) {
          try {
            values.put(kv[0], Long.parseLong(kv[1]));
          } catch (NumberFormatException ignored) {
            // not a counter; stats read only counters
          }
        }
      }
    } catch (IOException e) {
      return Map.of();
    }
    return values;
  }
}
