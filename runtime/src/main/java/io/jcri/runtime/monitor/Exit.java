package io.jcri.runtime.monitor;

import java.time.Instant;

/**
 * How a container's init process ended, as conmon recorded it: the exit code (128 + signal when
 * killed by a signal), when conmon wrote it, and whether the cgroup saw an OOM kill.
 */
public record Exit(int code, Instant finishedAt, boolean oomKilled) {}
