package io.jcri.runtime.monitor;

/**
 * Hears of OCI runtime calls and OOM kills (the daemon's metrics); called inline, must be quick.
 */
public interface MonitorListener {
  MonitorListener NONE = new MonitorListener() {};

  /**
   * operation: create (through conmon), start, state, kill, delete, update or exec (ExecSync);
   * timed by ConmonRuntime.
   */
  default void runtimeCall(String runtime, String operation, long nanos, boolean ok) {}

  /** A container the OOM killer ended, once, when ContainerExits records its exit. */
  default void oomKilled(String containerId) {}
}
