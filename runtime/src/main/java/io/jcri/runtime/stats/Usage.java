package io.jcri.runtime.stats;

/**
 * One sample of a cgroup's counters; a null field is one that could not be read (controller not
 * mounted, file gone because the container exited).
 */
record Usage(
    Long cpuNanos,
    Long memoryUsage,
    Long workingSet,
    Long rss,
    Long pageFaults,
    Long majorPageFaults,
    Long availableMemory,
    Long processes) {
  static final Usage NONE = new Usage(null, null, null, null, null, null, null, null);

  /** The sum of two cgroups' counters; available memory has no meaningful sum and is dropped. */
  Usage plus(Usage other) {
    return new Usage(
        sum(cpuNanos, other.cpuNanos),
        sum(memoryUsage, other.memoryUsage),
        sum(workingSet, other.workingSet),
        sum(rss, other.rss),
        sum(pageFaults, other.pageFaults),
        sum(majorPageFaults, other.majorPageFaults),
        null,
        sum(processes, other.processes));
  }

  private static Long sum(Long a, Long b) {
    return a == null ? b : b == null ? a : Long.valueOf(a + b);
  }
}
