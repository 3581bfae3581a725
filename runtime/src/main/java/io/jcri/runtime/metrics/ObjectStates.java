package io.jcri.runtime.metrics;

import io.jcri.runtime.container.Container;
import io.jcri.runtime.container.Containers;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.sandbox.Sandboxes;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pod sandboxes and containers counted by state, every state present (zero included), for the
 * gauges.
 */
public final class ObjectStates {
  private ObjectStates() {}

  public static Map<String, Long> pods(Sandboxes sandboxes) {
    Map<String, Long> counts = new TreeMap<>(Map.of("ready", 0L, "notready", 0L));
    for (Sandbox s : sandboxes.all()) {
      counts.merge(s.ready() ? "ready" : "notready", 1L, Long::sum);
    }
    return counts;
  }

  public static Map<String, Long> containers(Containers containers) {
    Map<String, Long> counts = new TreeMap<>(Map.of("created", 0L, "running", 0L, "exited", 0L));
    for (Container c : containers.all()) {
      counts.merge(c.record().state().name().toLowerCase(Locale.ROOT), 1L, Long::sum);
    }
    return counts;
  }
}
