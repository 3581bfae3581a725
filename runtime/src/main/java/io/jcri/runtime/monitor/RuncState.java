package io.jcri.runtime.monitor;

import java.nio.file.Path;
import java.time.Instant;

/** What {@code <runtime> state} reports for one container. */
public record RuncState(String id, Status status, int pid, Path bundle, Instant created) {
  public enum Status {
    CREATING,
    CREATED,
    RUNNING,
    PAUSED,
    STOPPED;

    static Status parse(String runtimeStatus) {
      return valueOf(runtimeStatus.toUpperCase(java.util.Locale.ROOT));
    }
  }
}
