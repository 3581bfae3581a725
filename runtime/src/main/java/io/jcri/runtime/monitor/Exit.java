package io.jcri.runtime.monitor;

import java.time.Instant;

/**
 * How a container's init process ended, as conmon recorded it: the exit code (128 + signal when
 * killed by a signal), when conmon wrote it, and whether the cgroup saw an OOM kill. monitorDied:
 * conmon died without recording an exit, so the code is {@link #UNKNOWN_CODE} and jcrid killed the
 * unmonitored container.
 */
public record Exit(int code, Instant finishedAt, boolean oomKilled, boolean monitorDied) {
  /** The code reported when nobody saw the real one. */
  public static final int UNKNOWN_CODE = 255;

  public Exit(int code, Instant finishedAt, boolean oomKilled) {
    this(code, finishedAt, oomKilled, false);
  }

  /** The container's conmon died before the container exited. */
  public static Exit ofDeadMonitor(Instant noticedAt) {
    return new Exit(UNKNOWN_CODE, noticedAt, false, true);
  }
}
