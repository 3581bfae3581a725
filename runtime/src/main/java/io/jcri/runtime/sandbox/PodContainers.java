package io.jcri.runtime.sandbox;

import java.time.Duration;

/** What a sandbox needs from the containers in it when it stops or goes away. */
public interface PodContainers {
  /** Stops every container of the pod: its stop signal, then SIGKILL after the grace period. */
  void stopAll(String sandboxId, Duration grace);

  /** Removes every container of the pod (stopping any still running). */
  void removeAll(String sandboxId);
}
