package io.jcri.runtime;

import java.util.logging.LogManager;

/**
 * The JDK's LogManager resets all handlers in its own shutdown hook, racing ours, so the lines
 * jcrid logs while it stops would be lost. This manager keeps handlers until the JVM is gone.
 * Installed by the launcher with -Djava.util.logging.manager.
 */
public final class DaemonLogManager extends LogManager {
  @Override
  public void reset() {
    // handlers are configured once by LogSetup and live as long as the process
  }

  public void resetForConfiguration() {
    super.reset();
  }
}
