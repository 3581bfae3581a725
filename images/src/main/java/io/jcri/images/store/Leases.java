package io.jcri.images.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Counted holds on blobs, snapshots and images (by key) that garbage collection respects. Taking a
 * lease and retiring unleased keys exclude each other, so a holder that checks for a snapshot after
 * taking its lease either finds it whole or not at all: never half-deleted.
 */
public final class Leases {
  /** Moves one key's content out of the store's sight; null when it was not there. */
  public interface Retire {
    Path retire(String key) throws IOException;
  }

  private final Map<String, Integer> counts = new HashMap<>();

  public synchronized void acquire(Collection<String> keys) {
    keys.forEach(k -> counts.merge(k, 1, Integer::sum));
  }

  public synchronized void release(Collection<String> keys) {
    keys.forEach(k -> counts.computeIfPresent(k, (key, n) -> n == 1 ? null : n - 1));
  }

  public synchronized boolean isLeased(String key) {
    return counts.containsKey(key);
  }

  /**
   * Retires every candidate no one holds; returns where they went, for deletion outside any lock.
   */
  public synchronized List<Path> retireUnleased(Collection<String> candidates, Retire retire)
      throws IOException {
    List<Path> retired = new ArrayList<>();
    for (String key : candidates) {
      if (!counts.containsKey(key)) {
        Path p = retire.retire(key);
        if (p != null) {
          retired.add(p);
        }
      }
    }
    return retired;
  }
}
