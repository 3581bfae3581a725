package io.jcri.runtime.monitor;

import java.io.IOException;

/**
 * conmon or the OCI runtime refused or failed; the message carries the runtime's own error text.
 */
public class MonitorException extends IOException {
  public MonitorException(String message) {
    super(message);
  }

  public MonitorException(String message, Throwable cause) {
    super(message, cause);
  }
}
