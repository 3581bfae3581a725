package io.jcri.runtime.monitor;

import java.nio.charset.StandardCharsets;

/**
 * The outcome of a synchronous exec. When {@code timedOut}, the process was killed at the deadline
 * and {@code exitCode} is what the runtime reported for the killed process.
 */
public record ExecResult(int exitCode, byte[] stdout, byte[] stderr, boolean timedOut) {
  public String out() {
    return new String(stdout, StandardCharsets.UTF_8);
  }

  public String err() {
    return new String(stderr, StandardCharsets.UTF_8);
  }
}
