package io.jcri.runtime.metrics;

import io.jcri.runtime.config.JcriConfig;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * The opt-in HTTP endpoint that serves {@code /metrics} in Prometheus' text format on the
 * configured TCP address; started, moved or stopped by {@link #apply} (at start and on reload).
 */
public final class MetricsEndpoint implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(MetricsEndpoint.class.getName());

  private final PrometheusRegistry registry;
  private HTTPServer server;

  public MetricsEndpoint(PrometheusRegistry registry) {
    this.registry = registry;
  }

  /**
   * Serves as settings say: started when enabled, stopped when not, rebound when the address
   * changed.
   */
  public synchronized void apply(JcriConfig.Metrics settings) {
    close();
    if (!settings.enabled()) {
      return;
    }
    // The JVM metrics start the platform MBean server (≈ 400 classes, 10 MB of start-up and
    // memory): only for a daemon that serves them. Registered once per registry.
    JvmMetrics.builder().register(registry);
    try {
      server =
          HTTPServer.builder()
              .inetAddress(InetAddress.getByName(settings.address()))
              .port(settings.port())
              .registry(registry)
              .executorService(Executors.newVirtualThreadPerTaskExecutor())
              .buildAndStart();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "metrics endpoint " + settings.address() + ":" + settings.port() + ": " + e.getMessage(),
          e);
    }
    LOG.info(
        "event=metrics_serving address="
            + settings.address()
            + " port="
            + server.getPort()
            + " path=/metrics");
  }

  /** The bound port (useful with port 0), or -1 when not serving. */
  public synchronized int port() {
    return server == null ? -1 : server.getPort();
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.close();
      server = null;
      LOG.info("event=metrics_stopped");
    }
  }
}
