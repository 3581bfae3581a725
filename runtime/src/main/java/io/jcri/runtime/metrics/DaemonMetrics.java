package io.jcri.runtime.metrics;

import io.jcri.cni.PluginListener;
import io.jcri.images.PullListener;
import io.jcri.images.PullProgress;
import io.jcri.runtime.monitor.MonitorListener;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * jcrid's Prometheus metrics: the registry and every metric in it, fed by the listeners the image
 * store, the CNI manager and the container monitor call (so those need no Prometheus library).
 * Served by {@link MetricsEndpoint}, which adds the JVM's own metrics when it first serves; the
 * names are listed in the README.
 */
public final class DaemonMetrics implements PullListener, PluginListener, MonitorListener {
  private static final double[] EXEC_BUCKETS = {
    .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60
  };
  private static final double[] PULL_BUCKETS = {.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
  private static final double MIB = 1 << 20;
  private static final double[] THROUGHPUT_BUCKETS = {
    MIB / 4, MIB, 4 * MIB, 16 * MIB, 32 * MIB, 64 * MIB, 128 * MIB, 256 * MIB, 512 * MIB, 1024 * MIB
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram rpcSeconds =
      Histogram.builder()
          .name("jcri_grpc_request_duration_seconds")
          .help("CRI RPC latency by method")
          .labelNames("method")
          .classicOnly()
          .classicUpperBounds(EXEC_BUCKETS)
          .register(registry);
  private final Counter rpcs =
      Counter.builder()
          .name("jcri_grpc_requests_total")
          .help(
              "CRI RPCs answered, by method and gRPC status code (errors are the codes other than OK)")
          .labelNames("method", "code")
          .register(registry);
  private final Counter pulls =
      Counter.builder()
          .name("jcri_image_pulls_total")
          .help("Image pulls finished successfully, by registry host")
          .labelNames("registry")
          .register(registry);
  private final Counter pullFailures =
      Counter.builder()
          .name("jcri_image_pull_failures_total")
          .help("Image pulls that failed, by registry host and reason")
          .labelNames("registry", "reason")
          .register(registry);
  private final Counter pullBytes =
      Counter.builder()
          .name("jcri_image_pull_bytes_total")
          .help(
              "Compressed layer bytes received from the registry, counted as they arrive (failed"
                  + " pulls included, layers already present not), by registry host")
          .labelNames("registry")
          .register(registry);
  private final Histogram pullThroughput =
      Histogram.builder()
          .name("jcri_image_pull_throughput_bytes_per_second")
          .help(
              "Per successful pull that received layer bytes: those bytes divided by the pull's"
                  + " duration, by registry host")
          .labelNames("registry")
          .classicOnly()
          .classicUpperBounds(THROUGHPUT_BUCKETS)
          .register(registry);
  private final Histogram pullSeconds =
      Histogram.builder()
          .name("jcri_image_pull_duration_seconds")
          .help("Image pull duration, successful or not, by registry host")
          .labelNames("registry")
          .classicOnly()
          .classicUpperBounds(PULL_BUCKETS)
          .register(registry);
  private final Gauge pullsInFlight =
      Gauge.builder()
          .name("jcri_image_pulls_in_flight")
          .help("Image pulls running now, by registry host")
          .labelNames("registry")
          .register(registry);
  private final Histogram cniSeconds =
      Histogram.builder()
          .name("jcri_cni_plugin_duration_seconds")
          .help("CNI plugin exec latency by plugin and command")
          .labelNames("plugin", "command")
          .classicOnly()
          .classicUpperBounds(EXEC_BUCKETS)
          .register(registry);
  private final Counter cniFailures =
      Counter.builder()
          .name("jcri_cni_plugin_failures_total")
          .help("CNI plugin execs that failed, by plugin and command")
          .labelNames("plugin", "command")
          .register(registry);
  private final Histogram ociSeconds =
      Histogram.builder()
          .name("jcri_oci_runtime_duration_seconds")
          .help(
              "OCI runtime call latency by runtime handler and operation (create runs through conmon)")
          .labelNames("runtime", "operation")
          .classicOnly()
          .classicUpperBounds(EXEC_BUCKETS)
          .register(registry);
  private final Counter ociFailures =
      Counter.builder()
          .name("jcri_oci_runtime_failures_total")
          .help("OCI runtime calls that failed, by runtime handler and operation")
          .labelNames("runtime", "operation")
          .register(registry);
  private final Counter ooms =
      Counter.builder()
          .name("jcri_container_oom_events_total")
          .help("Containers whose exit the kernel's OOM killer caused")
          .register(registry);

  public PrometheusRegistry registry() {
    return registry;
  }

  /** Gauges of pod sandboxes and containers by state, read from the suppliers at each scrape. */
  public void countObjects(
      Supplier<Map<String, Long>> podsByState, Supplier<Map<String, Long>> containersByState) {
    GaugeWithCallback.builder()
        .name("jcri_pod_sandboxes")
        .help("Pod sandboxes by state (ready, notready)")
        .labelNames("state")
        .callback(cb -> podsByState.get().forEach((state, n) -> cb.call(n, state)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("jcri_containers")
        .help("Containers by state (created, running, exited)")
        .labelNames("state")
        .callback(cb -> containersByState.get().forEach((state, n) -> cb.call(n, state)))
        .register(registry);
  }

  /** Per-layer gauges of the pulls in flight (gone when the pull ends), read at each scrape. */
  public void countPullProgress(Supplier<List<PullProgress.Pull>> inFlight) {
    layerGauge(
        "jcri_image_pull_layer_received_bytes",
        "Compressed bytes of a layer received so far, per pull in flight",
        inFlight,
        PullProgress.Layer::doneBytes);
    layerGauge(
        "jcri_image_pull_layer_size_bytes",
        "Compressed size of a layer, per pull in flight",
        inFlight,
        PullProgress.Layer::totalBytes);
  }

  private void layerGauge(
      String name,
      String help,
      Supplier<List<PullProgress.Pull>> inFlight,
      ToLongFunction<PullProgress.Layer> value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames("registry", "image", "layer")
        .callback(
            cb -> {
              for (PullProgress.Pull p : inFlight.get()) {
                for (PullProgress.Layer l : p.layers()) {
                  cb.call(value.applyAsLong(l), p.registry(), p.reference(), l.digest());
                }
              }
            })
        .register(registry);
  }

  /** One answered RPC. */
  public void rpc(String method, String code, long nanos) {
    rpcSeconds.labelValues(method).observe(nanos / 1e9);
    rpcs.labelValues(method, code).inc();
  }

  @Override
  public void started(String registryHost) {
    pullsInFlight.labelValues(registryHost).inc();
  }

  @Override
  public void received(String registryHost, long bytes) {
    pullBytes.labelValues(registryHost).inc(bytes);
  }

  @Override
  public void finished(String registryHost, long receivedBytes, long nanos) {
    pullsInFlight.labelValues(registryHost).dec();
    pulls.labelValues(registryHost).inc();
    pullSeconds.labelValues(registryHost).observe(nanos / 1e9);
    if (receivedBytes > 0) {
      pullThroughput.labelValues(registryHost).observe(receivedBytes / Math.max(nanos / 1e9, 1e-3));
    }
  }

  @Override
  public void failed(String registryHost, String reason, long nanos) {
    pullsInFlight.labelValues(registryHost).dec();
    pullFailures.labelValues(registryHost, reason).inc();
    pullSeconds.labelValues(registryHost).observe(nanos / 1e9);
  }

  @Override
  public void executed(String plugin, String command, long nanos, boolean ok) {
    cniSeconds.labelValues(plugin, command).observe(nanos / 1e9);
    if (!ok) {
      cniFailures.labelValues(plugin, command).inc();
    }
  }

  @Override
  public void runtimeCall(String runtime, String operation, long nanos, boolean ok) {
    ociSeconds.labelValues(runtime, operation).observe(nanos / 1e9);
    if (!ok) {
      ociFailures.labelValues(runtime, operation).inc();
    }
  }

  @Override
  public void oomKilled(String containerId) {
    ooms.inc();
  }
}
