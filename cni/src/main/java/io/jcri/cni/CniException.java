package io.jcri.cni;

import java.io.IOException;

/**
 * A CNI operation failed; the message names the network, the plugin and the command, and carries
 * the plugin's own words.
 */
public final class CniException extends IOException {
  public CniException(String message) {
    super(message);
  }

  public CniException(String message, Throwable cause) {
    super(message, cause);
  }
}
