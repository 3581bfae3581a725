package io.jcri.images;

/**
 * What the store tells an observer (the daemon's metrics) about pulls; registry is the reference's
 * host. Calls come from the pulling threads and must be quick.
 */
public interface PullListener {
  PullListener NONE = new PullListener() {};

  default void started(String registry) {}

  default void finished(String registry, long bytes, long nanos) {}

  /** reason: the failure's {@link ImageException.Reason} in lower case, or "other". */
  default void failed(String registry, String reason, long nanos) {}
}
