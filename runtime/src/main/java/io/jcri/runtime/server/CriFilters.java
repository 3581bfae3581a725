package io.jcri.runtime.server;

import io.jcri.runtime.container.Container;
import io.jcri.runtime.sandbox.Sandbox;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The CRI's list filters as predicates, one for containers and one for pods, shared by the list
 * RPCs and the stats RPCs: an empty field matches everything, an ID matches by prefix, every
 * selector label must be present with the same value.
 */
final class CriFilters {
  private CriFilters() {}

  /** The id, pod_sandbox_id and label_selector of a ContainerFilter or ContainerStatsFilter. */
  static Predicate<Container> containers(
      String id, String podSandboxId, Map<String, String> labelSelector) {
    return c ->
        c.id().startsWith(id)
            && c.record().metadata().sandboxId().startsWith(podSandboxId)
            && labelsMatch(labelSelector, c.config().getLabelsMap());
  }

  /** The id and label_selector of a PodSandboxFilter or PodSandboxStatsFilter. */
  static Predicate<Sandbox> pods(String id, Map<String, String> labelSelector) {
    return s -> s.id().startsWith(id) && labelsMatch(labelSelector, s.config().getLabelsMap());
  }

  private static boolean labelsMatch(Map<String, String> selector, Map<String, String> labels) {
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }
}
