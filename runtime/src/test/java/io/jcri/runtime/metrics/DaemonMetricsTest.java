package io.jcri.runtime.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.images.PullProgress;
import io.jcri.runtime.config.JcriConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DaemonMetricsTest {
  private static String scrape(int port) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertTrue(
        r.headers().firstValue("content-type").orElse("").startsWith("text/plain"),
        r.headers().toString());
    return r.body();
  }

  @Test
  void eventsBecomeMetricsInTheTextFormat() throws Exception {
    DaemonMetrics m = new DaemonMetrics();
    m.countObjects(
        () -> Map.of("ready", 2L, "notready", 1L), () -> Map.of("running", 3L, "created", 0L));
    m.rpc("RunPodSandbox", "OK", 250_000_000L);
    m.rpc("RunPodSandbox", "INVALID_ARGUMENT", 1_000_000L);
    m.started("registry.k8s.io");
    m.started("registry.k8s.io");
    m.received("registry.k8s.io", 600);
    m.received("registry.k8s.io", 400);
    m.finished("registry.k8s.io", 1000, 2_000_000_000L);
    m.started("registry.k8s.io");
    m.finished("registry.k8s.io", 0, 500_000_000L); // every layer present: no throughput
    m.started("docker.io");
    m.failed("docker.io", "unauthorized", 300_000_000L);
    m.executed("bridge", "ADD", 40_000_000L, true);
    m.executed("bridge", "DEL", 10_000_000L, false);
    m.runtimeCall("runc", "start", 30_000_000L, true);
    m.oomKilled("abc");
    try (MetricsEndpoint endpoint = new MetricsEndpoint(m.registry())) {
      endpoint.apply(new JcriConfig.Metrics(true, "127.0.0.1", 0));
      Exposition e = Exposition.parse(scrape(endpoint.port()));
      assertEquals("histogram", e.type("jcri_grpc_request_duration_seconds"));
      assertEquals(
          2,
          e.value("jcri_grpc_request_duration_seconds_count", Map.of("method", "RunPodSandbox")));
      assertEquals(
          1,
          e.value(
              "jcri_grpc_request_duration_seconds_bucket",
              Map.of("method", "RunPodSandbox", "le", "0.005")));
      assertEquals(
          0.251,
          e.value("jcri_grpc_request_duration_seconds_sum", Map.of("method", "RunPodSandbox")),
          1e-9);
      assertEquals(
          1,
          e.value(
              "jcri_grpc_requests_total",
              Map.of("method", "RunPodSandbox", "code", "INVALID_ARGUMENT")));
      assertEquals(
          1, e.value("jcri_grpc_requests_total", Map.of("method", "RunPodSandbox", "code", "OK")));
      assertEquals(1, e.value("jcri_image_pulls_in_flight", Map.of("registry", "registry.k8s.io")));
      assertEquals(0, e.value("jcri_image_pulls_in_flight", Map.of("registry", "docker.io")));
      assertEquals(2, e.value("jcri_image_pulls_total", Map.of("registry", "registry.k8s.io")));
      assertEquals(
          1000, e.value("jcri_image_pull_bytes_total", Map.of("registry", "registry.k8s.io")));
      assertEquals("histogram", e.type("jcri_image_pull_throughput_bytes_per_second"));
      assertEquals(
          1,
          e.value(
              "jcri_image_pull_throughput_bytes_per_second_count",
              Map.of("registry", "registry.k8s.io")),
          "observed once: the pull that received bytes");
      assertEquals(
          500,
          e.value(
              "jcri_image_pull_throughput_bytes_per_second_sum",
              Map.of("registry", "registry.k8s.io")),
          1e-9);
      assertEquals(
          1,
          e.value(
              "jcri_image_pull_throughput_bytes_per_second_bucket",
              Map.of("registry", "registry.k8s.io", "le", "262144.0")));
      assertEquals(
          1,
          e.value(
              "jcri_image_pull_failures_total",
              Map.of("registry", "docker.io", "reason", "unauthorized")));
      assertEquals(
          2.5,
          e.value("jcri_image_pull_duration_seconds_sum", Map.of("registry", "registry.k8s.io")));
      assertEquals(
          1,
          e.value(
              "jcri_cni_plugin_duration_seconds_count",
              Map.of("plugin", "bridge", "command", "ADD")));
      assertEquals(
          1,
          e.value("jcri_cni_plugin_failures_total", Map.of("plugin", "bridge", "command", "DEL")));
      assertEquals(
          1,
          e.value(
              "jcri_oci_runtime_duration_seconds_bucket",
              Map.of("runtime", "runc", "operation", "start", "le", "0.05")));
      assertEquals(1, e.value("jcri_container_oom_events_total", Map.of()));
      assertEquals(2, e.value("jcri_pod_sandboxes", Map.of("state", "ready")));
      assertEquals(3, e.value("jcri_containers", Map.of("state", "running")));
      assertTrue(e.value("jvm_memory_used_bytes", Map.of("area", "heap")) > 0);
      assertTrue(e.value("jvm_threads_current", Map.of()) > 0);

      endpoint.apply(new JcriConfig.Metrics(false, "127.0.0.1", 0));
      assertEquals(-1, endpoint.port());
    }
  }

  @Test
  void eachLayerOfAPullInFlightHasItsReceivedAndSizeGauges() throws Exception {
    DaemonMetrics m = new DaemonMetrics();
    List<PullProgress.Pull> inFlight = new ArrayList<>();
    m.countPullProgress(() -> inFlight);
    inFlight.add(
        new PullProgress.Pull(
            "r.io/app:v1",
            "r.io",
            Instant.EPOCH,
            List.of(
                new PullProgress.Layer("sha256:aa", 300, 1000),
                new PullProgress.Layer("sha256:bb", 0, 50))));
    try (MetricsEndpoint endpoint = new MetricsEndpoint(m.registry())) {
      endpoint.apply(new JcriConfig.Metrics(true, "127.0.0.1", 0));
      Exposition e = Exposition.parse(scrape(endpoint.port()));
      Map<String, String> aa =
          Map.of("registry", "r.io", "image", "r.io/app:v1", "layer", "sha256:aa");
      Map<String, String> bb =
          Map.of("registry", "r.io", "image", "r.io/app:v1", "layer", "sha256:bb");
      assertEquals(300, e.value("jcri_image_pull_layer_received_bytes", aa));
      assertEquals(1000, e.value("jcri_image_pull_layer_size_bytes", aa));
      assertEquals(0, e.value("jcri_image_pull_layer_received_bytes", bb));
      assertEquals(50, e.value("jcri_image_pull_layer_size_bytes", bb));

      inFlight.clear(); // the pull ended: its series go with it
      String after = scrape(endpoint.port());
      assertFalse(after.contains("layer=\"sha256:aa\""), after);
    }
  }

  @Test
  void theJvmMetricsJoinOnlyWhenTheEndpointServes() {
    // they start the platform MBean server: a daemon that serves no /metrics must not pay for it
    DaemonMetrics m = new DaemonMetrics();
    try (MetricsEndpoint endpoint = new MetricsEndpoint(m.registry())) {
      endpoint.apply(new JcriConfig.Metrics(false, "127.0.0.1", 0));
      assertTrue(
          m.registry().scrape().stream()
              .noneMatch(s -> s.getMetadata().getName().startsWith("jvm")),
          "no JVM metric before the endpoint serves");
      endpoint.apply(new JcriConfig.Metrics(true, "127.0.0.1", 0));
      endpoint.apply(new JcriConfig.Metrics(true, "127.0.0.1", 0));
      assertEquals(
          1,
          m.registry().scrape().stream()
              .filter(s -> s.getMetadata().getName().equals("jvm_threads_current"))
              .count(),
          "registered once across re-applies");
    }
  }

  @Test
  void theStrictParserRejectsWhatIsNotTheFormat() {
    assertThrows(IllegalArgumentException.class, () -> Exposition.parse("x 1\n"), "no TYPE");
    assertThrows(
        IllegalArgumentException.class, () -> Exposition.parse("# TYPE x gauge\nx{a=\"b} 1\n"));
    assertThrows(IllegalArgumentException.class, () -> Exposition.parse("# TYPE x gauge\nx one\n"));
    assertThrows(
        IllegalArgumentException.class, () -> Exposition.parse("# TYPE x counter\nx_bucket 1\n"));
    assertEquals(
        1,
        Exposition.parse("# TYPE x counter\nx_total{a=\"q\\\"\"} 1\n")
            .value("x_total", Map.of("a", "q\"")));
  }
}
