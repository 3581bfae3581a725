package io.jcri.sys;

import java.time.Instant;

/**
 * The one epoch-nanoseconds clock: CRI timestamps (created, started, finished, stats) are
 * nanoseconds since the epoch.
 */
public final class Timestamps {
  private Timestamps() {}

  /** Now, in nanoseconds since the epoch. */
  public static long nowNanos() {
    return nanos(Instant.now());
  }

  /** instant in nanoseconds since the epoch. */
  public static long nanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }
}
