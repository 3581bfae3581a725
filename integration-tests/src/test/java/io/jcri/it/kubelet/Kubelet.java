package io.jcri.it.kubelet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.runtime.streaming.TrustAllCertificates;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real kubelet in standalone mode (static pods from a directory, no API server) against a CRI
 * socket, and a client of its HTTPS API. The binary is whatever {@code kubelet} is on PATH; it is
 * never built or shipped by this project. Its configuration is the one ../shared/kubelet runs with
 * (cgroupfs driver, QoS cgroups under /kubepods, loopback-only anonymous API), plus the knobs the
 * tests need: small log rotation size and image GC that removes any unused image (imageMinimumGCAge
 * 1s: zero would mean kubelet's default of 2 minutes).
 */
final class Kubelet implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PORT = 10450;
  private static final int HEALTHZ_PORT = 10448;

  /** jcrid's default pause image, built locally and pinned. */
  static final String PAUSE_IMAGE = "jcri.local/pause:catatonit";

  private final Path binary;
  private final Path home;
  private final String endpoint;
  private final int minor;
  private final HttpClient http;
  private Process process;
  private List<String> extraArgs = List.of();

  private Kubelet(Path binary, Path home, String endpoint, int minor) throws Exception {
    this.binary = binary;
    this.home = home;
    this.endpoint = endpoint;
    this.minor = minor;
    // kubelet serves a self-signed certificate on loopback
    this.http =
        HttpClient.newBuilder()
            .sslContext(TrustAllCertificates.context())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  /** The kubelet binary on PATH, or null. */
  static Path onPath() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "kubelet");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  static Kubelet start(Path binary, Path home, String endpoint) throws Exception {
    Process v =
        new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
    String version = new String(v.getInputStream().readAllBytes()).strip();
    v.waitFor();
    Matcher m = Pattern.compile("v1\\.(\\d+)\\.").matcher(version);
    if (!m.find()) {
      throw new IllegalStateException("cannot read the kubelet version from: " + version);
    }
    Kubelet k = new Kubelet(binary, home, endpoint, Integer.parseInt(m.group(1)));
    Files.createDirectories(k.manifests());
    Files.createDirectories(home.resolve("root/volume-plugins"));
    Files.writeString(home.resolve("kubelet-config.yaml"), k.config());
    k.launch();
    return k;
  }

  int minor() {
    return minor;
  }

  Path manifests() {
    return home.resolve("manifests");
  }

  Path log() {
    return home.resolve("kubelet.log");
  }

  /** The node name static pods get as their name suffix. */
  String nodeName() {
    return "jcri-it-node";
  }

  private String config() {
    String runtimeEndpoint = minor >= 27 ? "containerRuntimeEndpoint: " + endpoint + "\n" : "";
    return """
        apiVersion: kubelet.config.k8s.io/v1beta1
        kind: KubeletConfiguration
        staticPodPath: %s
        fileCheckFrequency: 2s
        syncFrequency: 10s
        cgroupDriver: cgroupfs
        cgroupsPerQOS: true
        cgroupRoot: /
        failSwapOn: false
        address: 127.0.0.1
        port: %d
        readOnlyPort: 0
        healthzBindAddress: 127.0.0.1
        healthzPort: %d
        authentication:
          anonymous:
            enabled: true
          webhook:
            enabled: false
        authorization:
          mode: AlwaysAllow
        registerNode: false
        volumePluginDir: %s
        makeIPTablesUtilChains: false
        resolvConf: /etc/resolv.conf
        containerLogMaxSize: 200Ki
        containerLogMaxFiles: 3
        imageGCHighThresholdPercent: 1
        imageGCLowThresholdPercent: 0
        imageMinimumGCAge: 1s
        evictionHard:
          memory.available: "1Mi"
          nodefs.available: "1%%"
          imagefs.available: "1%%"
        %s"""
        .formatted(
            manifests(), PORT, HEALTHZ_PORT, home.resolve("root/volume-plugins"), runtimeEndpoint);
  }

  private void launch() throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--config=" + home.resolve("kubelet-config.yaml"),
                "--root-dir=" + home.resolve("root"),
                "--cert-dir=" + home.resolve("root/pki"),
                "--hostname-override=" + nodeName(),
                "--v=2"));
    if (minor < 27) {
      cmd.add("--container-runtime-endpoint=" + endpoint);
      // kubelets before 1.27 ignore CRI's pinned flag: they keep the sandbox image they are told of
      cmd.add("--pod-infra-container-image=" + PAUSE_IMAGE);
    }
    cmd.addAll(extraArgs);
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "kubelet exited with " + process.exitValue() + ":\n" + tail());
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + HEALTHZ_PORT + "/healthz"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200 && r.body().equals("ok")) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("kubelet not healthy within 60 s:\n" + tail());
  }

  /** The last lines of the kubelet's log, for failure messages. */
  String tail() throws IOException {
    List<String> lines = Files.readAllLines(log());
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /** GET on the kubelet's HTTPS API; the body, or an exception naming the status. */
  String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + PORT + path))
                .timeout(Duration.ofSeconds(15))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  JsonNode getJson(String path) throws IOException, InterruptedException {
    return JSON.readTree(get(path));
  }

  /** The static pod of that manifest name as /pods shows it (with its status), or null. */
  JsonNode pod(String manifestName) throws IOException, InterruptedException {
    for (JsonNode p : getJson("/pods").path("items")) {
      if (p.at("/metadata/name").asText().equals(manifestName + "-" + nodeName())) {
        return p;
      }
    }
    return null;
  }

  /** Stops kubelet and starts it again with these extra flags. */
  void restart(String... flags) throws Exception {
    stop();
    extraArgs = List.of(flags);
    launch();
  }

  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
