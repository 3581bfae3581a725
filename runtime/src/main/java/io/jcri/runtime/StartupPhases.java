package io.jcri.runtime;

import java.util.logging.Logger;

/** Debug-level start-up timings of jcrid, one line per phase. */
final class StartupPhases {
  private static final Logger LOG = Logger.getLogger(Jcrid.class.getName());

  private long last = System.nanoTime();

  StartupPhases() {
    long sinceJvmStart =
        System.currentTimeMillis()
            - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    LOG.fine(() -> "event=startup_phase phase=jvm_and_config ms=" + sinceJvmStart);
  }

  void done(String phase) {
    long now = System.nanoTime();
    LOG.fine(() -> "event=startup_phase phase=" + phase + " ms=" + (now - last) / 1_000_000);
    last = now;
  }
}
