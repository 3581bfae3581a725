package io.jcri.it.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.ContainerMetrics;
import io.jcri.cri.v1.Image;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListMetricDescriptorsRequest;
import io.jcri.cri.v1.ListPodSandboxMetricsRequest;
import io.jcri.cri.v1.Metric;
import io.jcri.cri.v1.MetricDescriptor;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PodSandboxMetrics;
import io.jcri.cri.v1.PodSandboxStatusRequest;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.cri.v1.StreamPodSandboxMetricsRequest;
import io.jcri.cri.v1.StreamPodSandboxMetricsResponse;
import io.jcri.cri.v1.UpdatePodSandboxResourcesRequest;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.pods.Pods;
import io.jcri.it.registry.LocalRegistry;
import io.jcri.it.registry.TestImages;
import io.jcri.runtime.metrics.Exposition;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Operator features on the real daemon: pinned images, JSON logs, config reload on SIGHUP,
 * /metrics, CRI metrics, pod resize.
 */
class OperationsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PAUSE = "jcri.local/pause:catatonit";

  private static ImageSpec spec(String ref) {
    return ImageSpec.newBuilder().setImage(ref).build();
  }

  private static Image status(Jcrid d, String ref) {
    return d.images()
        .imageStatus(ImageStatusRequest.newBuilder().setImage(spec(ref)).build())
        .getImage();
  }

  private static StatusRuntimeException removeRefused(Jcrid d, String ref) {
    return assertThrows(
        StatusRuntimeException.class,
        () -> d.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(ref)).build()));
  }

  @Test
  void pinnedImagesJsonLogsAndReloadOnSighup() throws Exception {
    String ref =
        TestImages.image(LocalRegistry.shared(), "test/ops-pinned")
            .layer(TestImages.busyboxLayer())
            .cmd("sh")
            .push("v1")
            .reference();
    try (Jcrid d = Jcrid.start("")) {
      // the pause image is always pinned
      assertTrue(status(d, PAUSE).getPinned());
      StatusRuntimeException e = removeRefused(d, PAUSE);
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
      assertTrue(
          e.getStatus().getDescription().contains("is pinned as " + PAUSE),
          e.getStatus().getDescription());
      String id =
          d.images()
              .pullImage(PullImageRequest.newBuilder().setImage(spec(ref)).build())
              .getImageRef();
      assertFalse(status(d, ref).getPinned());

      // a good file: pins the image and switches the log to JSON, live
      Files.writeString(
          d.home().resolve("jcri.toml"),
          """
          log_format = "json"
          [images]
          pinned = ["%s"]
          """
              .formatted(ref));
      JsonNode reloaded =
          sighupAndAwait(d, n -> n.path("event").asText().equals("config_reloaded"));
      assertEquals("2", reloaded.path("changed").asText(), reloaded.toString());
      List<JsonNode> lines = jsonLines(d);
      assertTrue(
          lines.stream()
              .anyMatch(
                  n ->
                      n.path("event").asText().equals("config_changed")
                          && n.path("key").asText().equals("images.pinned")
                          && n.path("to").asText().equals("[" + ref + "]")),
          lines.toString());
      assertTrue(status(d, ref).getPinned());
      assertTrue(
          d.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
              .filter(i -> i.getId().equals(id))
              .allMatch(Image::getPinned));
      e = removeRefused(d, id);
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
      assertTrue(
          e.getStatus().getDescription().contains("is pinned as " + ref),
          e.getStatus().getDescription());

      // a bad file: logged, nothing applied, the daemon keeps serving with the old config
      Files.writeString(
          d.home().resolve("jcri.toml"),
          """
          log_format = "json"
          [images]
          pinned = []
          max_paralel_layers = 2
          """);
      JsonNode failed =
          sighupAndAwait(d, n -> n.path("event").asText().equals("config_reload_failed"));
      assertTrue(
          failed.path("error").asText().contains(":4: key images.max_paralel_layers: unknown key"),
          failed.toString());
      assertEquals("kept_running_config", failed.path("action").asText());
      assertTrue(d.isAlive());
      d.runtime().version(VersionRequest.getDefaultInstance());
      assertTrue(status(d, ref).getPinned(), "still pinned: the bad file changed nothing");

      // unpinned by a good file again: now it can go
      Files.writeString(d.home().resolve("jcri.toml"), "log_format = \"json\"\n");
      sighupAndAwait(d, n -> n.path("event").asText().equals("config_reloaded"));
      assertFalse(status(d, ref).getPinned());
      d.images().removeImage(RemoveImageRequest.newBuilder().setImage(spec(ref)).build());
      assertFalse(
          d.images()
              .imageStatus(ImageStatusRequest.newBuilder().setImage(spec(ref)).build())
              .hasImage());
    }
  }

  /** Started under nohup (SIGHUP inherited ignored), where the JVM alone would never see one. */
  @Test
  void reloadsOnSighupWhenStartedWithItIgnored() throws Exception {
    Path wrapper = Files.createTempFile("jcrid-nohup", ".sh");
    try {
      Files.writeString(
          wrapper,
          "#!/bin/sh\ntrap '' HUP\nexec " + Jcrid.launcher().toAbsolutePath() + " \"$@\"\n");
      wrapper.toFile().setExecutable(true);
      try (Jcrid d = Jcrid.startWith(wrapper, "log_format = \"json\"\n")) {
        assertTrue(
            jsonLines(d).stream()
                .anyMatch(n -> n.path("event").asText().equals("sighup_unignored")),
            d.log());
        Files.writeString(
            d.home().resolve("jcri.toml"),
            "log_format = \"json\"\n[images]\nstall_timeout = \"2m\"\n");
        JsonNode changed =
            sighupAndAwait(d, n -> n.path("event").asText().equals("config_changed"));
        assertEquals("images.stall_timeout", changed.path("key").asText(), changed.toString());
        assertTrue(d.isAlive());
      }
    } finally {
      Files.delete(wrapper);
    }
  }

  @Test
  void metricsEndpointServesThePodCycleInTheTextFormat() throws Exception {
    TestImages.Pushed pushed =
        TestImages.image(LocalRegistry.shared(), "test/ops-metrics")
            .layer(TestImages.busyboxLayer())
            .layer(TestImages.fileLayer("etc/ops-metrics", "x".repeat(100_000)))
            .cmd("sh")
            .push("v1");
    String image = pushed.reference();
    long layerBytes = pushed.layers().stream().mapToLong(l -> l.blob().length).sum();
    try (Jcrid d =
        Jcrid.start(
            """
        [metrics]
        enabled = true
        port = 0
        """)) {
      d.writeBridgeNetwork();
      Pods.pull(d, image);
      PodSandboxConfig pod =
          Pods.pod("metrics").setLogDirectory(d.home().resolve("logs").toString()).build();
      String podId = Pods.run(d, pod.toBuilder());
      String id = Pods.create(d, podId, pod, Pods.container("once", image, "sh", "-c", "exit 0"));
      Pods.start(d, id);
      Pods.awaitExit(d, id);
      assertThrows(
          StatusRuntimeException.class,
          () -> Pods.create(d, "no-such-pod", pod, Pods.container("x", image, "true")));

      Exposition e = Exposition.parse(scrape(metricsPort(d)));
      String registry = image.substring(0, image.indexOf('/'));
      Map<String, String> byRegistry = Map.of("registry", registry);
      assertEquals(1, e.value("jcri_image_pulls_total", byRegistry), image);
      assertEquals(
          layerBytes,
          e.value("jcri_image_pull_bytes_total", byRegistry),
          "the compressed layers, received once");
      assertEquals(
          1, e.value("jcri_image_pull_throughput_bytes_per_second_count", byRegistry), image);
      assertTrue(e.value("jcri_image_pull_throughput_bytes_per_second_sum", byRegistry) > 0);
      assertEquals(0, e.value("jcri_image_pulls_in_flight", byRegistry));
      assertEquals(
          1, e.value("jcri_grpc_requests_total", Map.of("method", "RunPodSandbox", "code", "OK")));
      assertEquals(
          1,
          e.samples().stream()
              .filter(
                  x ->
                      x.name().equals("jcri_grpc_requests_total")
                          && x.labels().get("method").equals("CreateContainer")
                          && !x.labels().get("code").equals("OK"))
              .mapToDouble(Exposition.Sample::value)
              .sum(),
          "the refused CreateContainer counts under its error code");
      assertEquals(
          2,
          e.value("jcri_grpc_request_duration_seconds_count", Map.of("method", "CreateContainer")));
      assertEquals(
          1,
          e.value(
              "jcri_cni_plugin_duration_seconds_count",
              Map.of("plugin", "bridge", "command", "ADD")));
      assertTrue(
          e.value(
                  "jcri_oci_runtime_duration_seconds_count",
                  Map.of("runtime", "runc", "operation", "create"))
              >= 1);
      assertTrue(
          e.value(
                  "jcri_oci_runtime_duration_seconds_count",
                  Map.of("runtime", "runc", "operation", "start"))
              >= 1);
      assertEquals(1, e.value("jcri_pod_sandboxes", Map.of("state", "ready")));
      assertEquals(1, e.value("jcri_containers", Map.of("state", "exited")));
      assertEquals(0, e.value("jcri_container_oom_events_total", Map.of()));
      assertTrue(e.value("jvm_memory_used_bytes", Map.of("area", "heap")) > 0);

      d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      d.runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      Pods.pull(d, image); // every layer is present now: nothing to receive
      e = Exposition.parse(scrape(metricsPort(d)));
      assertEquals(2, e.value("jcri_image_pulls_total", byRegistry));
      assertEquals(layerBytes, e.value("jcri_image_pull_bytes_total", byRegistry), "a re-pull");
      assertEquals(1, e.value("jcri_image_pull_throughput_bytes_per_second_count", byRegistry));
      assertEquals(0, e.value("jcri_pod_sandboxes", Map.of("state", "ready")));
      assertEquals(0, e.value("jcri_containers", Map.of("state", "exited")));
      assertTrue(
          e.value(
                  "jcri_cni_plugin_duration_seconds_count",
                  Map.of("plugin", "bridge", "command", "DEL"))
              >= 1);
    }
  }

  /**
   * A container burns 2.5 s of CPU (read from its own cgroup), fills 40 MiB of shm and writes 20
   * MiB to its layer.
   */
  @Test
  void criMetricsMeasureAKnownLoad() throws Exception {
    String image = TestImages.busybox();
    try (Jcrid d = Jcrid.start("")) {
      d.writeBridgeNetwork();
      Pods.pull(d, image);
      PodSandboxConfig pod =
          Pods.pod("load").setLogDirectory(d.home().resolve("logs").toString()).build();
      String podId = Pods.run(d, pod.toBuilder());
      String script =
          """
          u() { if [ -f /sys/fs/cgroup/cpuacct/cpuacct.usage ]; then cat /sys/fs/cgroup/cpuacct/cpuacct.usage;
                else echo $(( $(sed -n 's/^usage_usec //p' /sys/fs/cgroup/cpu.stat) * 1000 )); fi; }
          dd if=/dev/zero of=/data bs=1048576 count=20 2>/dev/null
          dd if=/dev/zero of=/dev/shm/m bs=1048576 count=40 2>/dev/null
          while [ $(u) -lt 2500000000 ]; do :; done
          sync; echo loaded; sleep 600
          """;
      String id = Pods.create(d, podId, pod, Pods.container("load", image, "sh", "-c", script));
      Pods.start(d, id);
      Path log = d.home().resolve("logs/load.log");
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (!(Files.exists(log) && Files.readString(log).contains("loaded"))) {
        assertTrue(System.nanoTime() < deadline, "the load did not finish in 120 s");
        Thread.sleep(200);
      }
      Path netns = Path.of(Pods.info(d, podId).get("netnsPath").asText());
      // five 1000-byte UDP datagrams out of the pod's eth0 (the node has no ping); the gateway
      // answers ARP at least
      Pods.inNetns(
          netns,
          "python3",
          "-c",
          "import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              + "for _ in range(5): s.sendto(b'x' * 1000, ('10.99.0.1', 9))");

      List<MetricDescriptor> descriptors =
          d.runtime()
              .listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance())
              .getDescriptorsList();
      Map<String, MetricDescriptor> byName = new java.util.HashMap<>();
      descriptors.forEach(m -> byName.put(m.getName(), m));
      PodSandboxMetrics podMetrics =
          d
              .runtime()
              .listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance())
              .getPodMetricsList()
              .stream()
              .filter(m -> m.getPodSandboxId().equals(podId))
              .findFirst()
              .orElseThrow();
      ContainerMetrics c =
          podMetrics.getContainerMetricsList().stream()
              .filter(m -> m.getContainerId().equals(id))
              .findFirst()
              .orElseThrow();
      for (Metric m : c.getMetricsList()) {
        assertEquals(
            byName.get(m.getName()).getLabelKeysCount(), m.getLabelValuesCount(), m.toString());
      }
      long cpu = value(c.getMetricsList(), "container_cpu_usage_seconds_total", null);
      assertTrue(cpu >= 2 && cpu <= 10, "CPU seconds " + cpu);
      long workingSet = value(c.getMetricsList(), "container_memory_working_set_bytes", null);
      assertTrue(workingSet >= 40L << 20 && workingSet < 200L << 20, "working set " + workingSet);
      long fs = value(c.getMetricsList(), "container_fs_usage_bytes", null);
      assertTrue(fs >= 20L << 20 && fs < 30L << 20, "writable layer " + fs);
      assertEquals(0, value(c.getMetricsList(), "container_oom_events_total", null));
      assertEquals(List.of("load", id, image, "it", "load"), c.getMetrics(0).getLabelValuesList());
      long tx =
          value(podMetrics.getMetricsList(), "container_network_transmit_bytes_total", "eth0");
      long rx = value(podMetrics.getMetricsList(), "container_network_receive_bytes_total", "eth0");
      assertTrue(tx >= 5 * 1042 && rx > 0, "eth0 tx " + tx + " rx " + rx);

      StreamPodSandboxMetricsResponse streamed =
          d.runtime()
              .streamPodSandboxMetrics(StreamPodSandboxMetricsRequest.getDefaultInstance())
              .next();
      assertTrue(
          streamed.getPodSandboxMetricsList().stream()
              .anyMatch(m -> m.getPodSandboxId().equals(podId)));
      d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      d.runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }
  }

  /**
   * UpdatePodSandboxResources writes the pod cgroup (resources + overhead), records and reports the
   * request.
   */
  @Test
  void podResizeSetsThePodCgroup() throws Exception {
    String image = TestImages.busybox();
    String parent = "/jcri-it-resize-" + ProcessHandle.current().pid();
    boolean v2 = Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"));
    Path memory =
        v2
            ? Path.of("/sys/fs/cgroup" + parent + "/memory.max")
            : Path.of("/sys/fs/cgroup/memory" + parent + "/memory.limit_in_bytes");
    try (Jcrid d = Jcrid.start("")) {
      Pods.pull(d, image);
      PodSandboxConfig.Builder builder =
          Pods.withNamespaces(
                  Pods.pod("resize"),
                  NamespaceMode.NODE,
                  NamespaceMode.CONTAINER,
                  NamespaceMode.POD)
              .setLogDirectory(d.home().resolve("logs").toString());
      builder.getLinuxBuilder().setCgroupParent(parent);
      PodSandboxConfig pod = builder.build();
      String podId = Pods.run(d, pod.toBuilder());
      String id = Pods.create(d, podId, pod, Pods.container("idle", image, "sleep", "600"));
      Pods.start(d, id);
      LinuxContainerResources resources =
          LinuxContainerResources.newBuilder()
              .setCpuShares(512)
              .setCpuPeriod(100_000)
              .setCpuQuota(50_000)
              .setMemoryLimitInBytes(256L << 20)
              .build();
      LinuxContainerResources overhead =
          LinuxContainerResources.newBuilder().setMemoryLimitInBytes(32L << 20).build();
      d.runtime()
          .updatePodSandboxResources(
              UpdatePodSandboxResourcesRequest.newBuilder()
                  .setPodSandboxId(podId)
                  .setResources(resources)
                  .setOverhead(overhead)
                  .build());
      assertEquals(Long.toString(288L << 20), Files.readString(memory).strip());
      String reported =
          d.runtime()
              .podSandboxStatus(
                  PodSandboxStatusRequest.newBuilder()
                      .setPodSandboxId(podId)
                      .setVerbose(true)
                      .build())
              .getInfoOrThrow("resources");
      assertEquals(
          256L << 20,
          JSON.readTree(reported).path("resources").path("memoryLimitInBytes").asLong());

      StatusRuntimeException bad =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  d.runtime()
                      .updatePodSandboxResources(
                          UpdatePodSandboxResourcesRequest.newBuilder()
                              .setPodSandboxId(podId)
                              .setResources(resources.toBuilder().setCpuQuota(10))
                              .build()));
      assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
      assertTrue(
          bad.getStatus().getDescription().contains("resources.cpu_quota"),
          bad.getStatus().getDescription());
      assertEquals(
          Long.toString(288L << 20),
          Files.readString(memory).strip(),
          "a refused request changes nothing");

      d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      d.runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    } finally {
      for (String controller :
          v2
              ? List.of("")
              : List.of(
                  "cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "devices", "freezer",
                  "systemd")) {
        Files.deleteIfExists(Path.of("/sys/fs/cgroup/" + controller + parent));
      }
    }
  }

  /** The value of the one metric named name (on interface, when given). */
  private static long value(List<Metric> metrics, String name, String networkInterface) {
    List<Metric> found =
        metrics.stream()
            .filter(m -> m.getName().equals(name))
            .filter(
                m -> networkInterface == null || m.getLabelValuesList().contains(networkInterface))
            .toList();
    assertEquals(1, found.size(), name + " in " + metrics);
    return found.getFirst().getValue().getValue();
  }

  private static int metricsPort(Jcrid d) throws Exception {
    Matcher m =
        Pattern.compile("event=metrics_serving address=127.0.0.1 port=(\\d+)").matcher(d.log());
    assertTrue(m.find(), d.log());
    return Integer.parseInt(m.group(1));
  }

  private static String scrape(int port) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return r.body();
  }

  /** Sends SIGHUP and waits for a new JSON log line matching wanted. */
  private static JsonNode sighupAndAwait(Jcrid d, Predicate<JsonNode> wanted) throws Exception {
    int before = jsonLines(d).size();
    new ProcessBuilder("kill", "-HUP", Long.toString(d.pid())).inheritIO().start().waitFor();
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      List<JsonNode> lines = jsonLines(d);
      for (JsonNode n : lines.subList(Math.min(before, lines.size()), lines.size())) {
        if (wanted.test(n)) {
          return n;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no such log line after SIGHUP:\n" + d.log());
  }

  /** The log's JSON lines (the text lines before the switch are skipped). */
  private static List<JsonNode> jsonLines(Jcrid d) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : d.log().lines().toList()) {
      if (line.startsWith("{")) {
        JsonNode n = JSON.readTree(line);
        assertTrue(n.has("time") && n.has("level") && n.has("component"), line);
        out.add(n);
      }
    }
    return out;
  }
}
