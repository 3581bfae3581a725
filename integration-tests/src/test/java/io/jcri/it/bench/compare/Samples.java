package io.jcri.it.bench.compare;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Latency samples per named step, thread-safe, with the p50/p95 the comparison prints. */
final class Samples {
  private final Map<String, List<Long>> nanos = new LinkedHashMap<>();

  /** Runs call and records its duration under name; returns its result. */
  <T> T time(String name, Supplier<T> call) {
    long t0 = System.nanoTime();
    T result = call.get();
    add(name, System.nanoTime() - t0);
    return result;
  }

  void run(String name, Runnable call) {
    time(
        name,
        () -> {
          call.run();
          return null;
        });
  }

  synchronized void add(String name, long durationNanos) {
    nanos.computeIfAbsent(name, k -> new ArrayList<>()).add(durationNanos);
  }

  synchronized Map<String, Stat> stats() {
    Map<String, Stat> out = new LinkedHashMap<>();
    nanos.forEach((name, values) -> out.put(name, Stat.of(values)));
    return out;
  }

  /** p50 and p95 in milliseconds (nearest-rank) over n samples. */
  record Stat(int n, double p50, double p95) {
    static Stat of(List<Long> values) {
      List<Long> sorted = new ArrayList<>(values);
      Collections.sort(sorted);
      return new Stat(sorted.size(), rank(sorted, 50) / 1e6, rank(sorted, 95) / 1e6);
    }

    private static long rank(List<Long> sorted, int p) {
      return sorted.get(
          Math.max(0, Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)));
    }
  }
}
