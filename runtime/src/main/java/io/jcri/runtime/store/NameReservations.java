package io.jcri.runtime.store;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Unique names (pod or container name + attempt) → ID, so a kubelet retry of the same RunPodSandbox
 * or CreateContainer never creates a twin.
 */
public final class NameReservations {
  private final Map<String, String> byName = new ConcurrentHashMap<>();

  /** Reserves name for id; returns the ID that already holds it, if any. */
  public Optional<String> reserve(String name, String id) {
    return Optional.ofNullable(byName.putIfAbsent(name, id));
  }

  public void release(String name, String id) {
    byName.remove(name, id);
  }
}
