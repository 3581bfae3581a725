package io.jcri.runtime;

import io.jcri.runtime.server.GrpcEndpoint;
import io.jcri.runtime.streaming.StreamingServer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

/**
 * jcrid's stop on SIGTERM: stop accepting, let in-flight RPCs finish within the grace, close the
 * streaming server, exit 0. Containers keep running under conmon.
 */
final class ShutdownHook {
  private static final Logger LOG = Logger.getLogger(Jcrid.class.getName());

  private ShutdownHook() {}

  /** Installs the hook; the latch opens once the daemon has stopped. */
  static CountDownLatch install(Duration grace, GrpcEndpoint endpoint, StreamingServer streaming) {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("event=shutting_down grace_ms=" + grace.toMillis());
                  endpoint.shutdown(grace);
                  streaming.close();
                  LOG.info("event=stopped");
                  stopped.countDown();
                  // A clean stop on SIGTERM exits 0 (the JVM would otherwise report 143), so
                  // systemd sees success.
                  Runtime.getRuntime().halt(0);
                },
                "shutdown"));
    return stopped;
  }
}
