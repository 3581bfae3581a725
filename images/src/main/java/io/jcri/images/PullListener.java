package io.jcri.images;

/**
 * What the store tells an observer (the daemon's metrics) about pulls; registry is the reference's
 * host (bytes a mirror serves count under the host it mirrors). Calls come from the pulling threads
 * and must be quick.
 */
public interface PullListener {
  PullListener NONE = new PullListener() {};

  default void started(String registry) {}

  /**
   * bytes more of compressed layer blobs received from the registry, as they arrive (a pull that
   * later fails has still received them). Layers already in the store, the manifests and the config
   * are not counted.
   */
  default void received(String registry, long bytes) {}

  /**
   * A pull that succeeded; receivedBytes: the layer bytes its own transfers received (0 when every
   * layer was present, or came through another pull's transfer of the same layer).
   */
  default void finished(String registry, long receivedBytes, long nanos) {}

  /** reason: the failure's {@link ImageException.Reason} in lower case, or "other". */
  default void failed(String registry, String reason, long nanos) {}
}
