package io.jcri.runtime.monitor;

/** Hears of OCI runtime calls and OOM kills (the daemon's metrics); called inline, must be quick. */
public interface MonitorListener {
  MonitorListener NONE = new MonitorListener() {};

  /** operation: create (through conmon), start, state, kill, delete, update or exec. */
  default void runtimeCall(String runtime, String operation, long nanos, boolean ok) {}

  default void oomKilled(String containerId) {}
}
