package io.jcri.it.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ContainerState;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.PortForwardRequest;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.pods.Pods;
import io.jcri.it.registry.TestImages;
import io.jcri.runtime.streaming.SpdyTestClient;
import io.jcri.runtime.streaming.WsTestClient;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exec, Attach and PortForward through the real daemon: the RPC hands out a URL, a SPDY or
 * WebSocket client speaks to it, and the other end is a real container run by runc and conmon.
 */
class StreamingIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> SPDY_V4 = List.of("v4.channel.k8s.io");
  private static final List<String> SPDY_PORT_FORWARD = List.of("portforward.k8s.io");
  private static final int WEB_PORT = 8080;
  private static final String PAGE = "served through the forward";

  private static Jcrid d;
  private static String image;
  private static PodSandboxConfig pod;
  private static String podId;
  private static String sleeper;
  private static String echoer;
  private static String hostPodId;
  private static int hostPort;

  @BeforeAll
  static void start() throws Exception {
    d = Jcrid.start();
    d.writeBridgeNetwork();
    image = TestImages.busybox();
    Pods.pull(d, image);
    pod = Pods.pod("streaming").setLogDirectory(d.home().resolve("logs").toString()).build();
    podId = Pods.run(d, pod.toBuilder());
    sleeper = run(podId, pod, Pods.container("sleeper", image, "sleep", "3600"));
    echoer = run(podId, pod, Pods.container("echoer", image, "cat").setStdin(true));
    String web = run(podId, pod, Pods.container("web", image, "sh", "-c", webServer(WEB_PORT)));
    awaitServing(web, WEB_PORT);

    PodSandboxConfig hostPod =
        Pods.withNamespaces(
                Pods.pod("streaming-hostnet"),
                NamespaceMode.NODE,
                NamespaceMode.CONTAINER,
                NamespaceMode.POD)
            .setLogDirectory(d.home().resolve("logs-host").toString())
            .build();
    hostPodId = Pods.run(d, hostPod.toBuilder());
    hostPort = freeHostPort();
    String hostWeb =
        run(hostPodId, hostPod, Pods.container("hostweb", image, "sh", "-c", webServer(hostPort)));
    awaitServing(hostWeb, hostPort);
  }

  @AfterAll
  static void stop() throws Exception {
    if (d == null) {
      return;
    }
    for (String id : new String[] {podId, hostPodId}) {
      if (id != null) {
        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        d.runtime()
            .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
      }
    }
    d.close();
  }

  private static String run(
      String sandboxId, PodSandboxConfig config, io.jcri.cri.v1.ContainerConfig.Builder c) {
    String id = Pods.create(d, sandboxId, config, c);
    Pods.start(d, id);
    return id;
  }

  private static String webServer(int port) {
    return "mkdir -p /www && echo '"
        + PAGE
        + "' > /www/index.html && exec httpd -f -p "
        + port
        + " -h /www";
  }

  private static void awaitServing(String containerId, int port) throws InterruptedException {
    waitFor(
        () ->
            execSync(
                    containerId,
                    "wget",
                    "-q",
                    "-O",
                    "-",
                    "http://127.0.0.1:" + port + "/index.html")
                .contains(PAGE));
  }

  private static int freeHostPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String execSync(String containerId, String... cmd) {
    return d.runtime()
        .execSync(
            ExecSyncRequest.newBuilder()
                .setContainerId(containerId)
                .addAllCmd(List.of(cmd))
                .setTimeout(10)
                .build())
        .getStdout()
        .toStringUtf8();
  }

  private static String execUrl(boolean stdin, boolean tty, String... cmd) {
    return d.runtime()
        .exec(
            ExecRequest.newBuilder()
                .setContainerId(sleeper)
                .addAllCmd(List.of(cmd))
                .setStdin(stdin)
                .setStdout(true)
                .setStderr(!tty)
                .setTty(tty)
                .build())
        .getUrl();
  }

  private static String portForwardUrl(String sandboxId, int... ports) {
    PortForwardRequest.Builder req = PortForwardRequest.newBuilder().setPodSandboxId(sandboxId);
    Arrays.stream(ports).forEach(req::addPort);
    return d.runtime().portForward(req.build()).getUrl();
  }

  private static JsonNode status(String errorStream) throws IOException {
    return JSON.readTree(errorStream);
  }

  private static String exitCode(JsonNode status) {
    assertEquals("NonZeroExitCode", status.path("reason").asText(), status.toString());
    return status.path("details").path("causes").get(0).path("message").asText();
  }

  @Test
  void spdyExecEchoPrintsAndSucceeds() throws Exception {
    try (SpdyTestClient client =
        SpdyTestClient.connect(execUrl(false, false, "echo", "hi"), SPDY_V4)) {
      assertEquals(101, client.status());
      assertEquals("v4.channel.k8s.io", client.protocol());
      int error = client.openStream("error");
      int stdout = client.openStream("stdout");
      int stderr = client.openStream("stderr");
      assertEquals("hi\n", client.awaitText(stdout, WAIT));
      assertEquals("", client.awaitText(stderr, WAIT));
      assertEquals("Success", status(client.awaitText(error, WAIT)).path("status").asText());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"v4.channel.k8s.io", "v5.channel.k8s.io"})
  void webSocketExecEchoPrintsAndSucceeds(String protocol) throws Exception {
    try (WsTestClient client =
        WsTestClient.connect(execUrl(false, false, "echo", "hi"), protocol)) {
      assertEquals(protocol, client.protocol());
      assertTrue(client.awaitClosed(WAIT), "the server closes the session when the process exits");
      assertEquals("hi\n", client.text(1));
      assertEquals("Success", status(client.text(3)).path("status").asText());
    }
  }

  @Test
  void spdyExecExitCodeTravelsOnTheErrorStream() throws Exception {
    try (SpdyTestClient client =
        SpdyTestClient.connect(execUrl(false, false, "sh", "-c", "exit 3"), SPDY_V4)) {
      int error = client.openStream("error");
      client.openStream("stdout");
      client.openStream("stderr");
      assertEquals("3", exitCode(status(client.awaitText(error, WAIT))));
    }
  }

  @Test
  void webSocketExecExitCodeAndStderr() throws Exception {
    try (WsTestClient client =
        WsTestClient.connect(
            execUrl(false, false, "sh", "-c", "echo oops >&2; exit 3"), "v5.channel.k8s.io")) {
      assertTrue(client.awaitClosed(WAIT));
      assertEquals("oops\n", client.text(2));
      assertEquals("3", exitCode(status(client.text(3))));
    }
  }

  @Test
  void spdyTtyResizeReachesTheTerminal() throws Exception {
    // the shell waits for a line, so the resize is applied before stty looks
    try (SpdyTestClient client =
        SpdyTestClient.connect(execUrl(true, true, "sh", "-c", "read line; stty size"), SPDY_V4)) {
      int error = client.openStream("error");
      int stdin = client.openStream("stdin");
      int stdout = client.openStream("stdout");
      int resize = client.openStream("resize");
      client.send(resize, "{\"Width\":123,\"Height\":45}");
      Thread.sleep(300);
      client.send(stdin, "go\n");
      assertTrue(client.awaitText(stdout, WAIT).contains("45 123"), client.text(stdout));
      assertEquals("Success", status(client.awaitText(error, WAIT)).path("status").asText());
    }
  }

  @Test
  void webSocketTtyResizeReachesTheTerminal() throws Exception {
    try (WsTestClient client =
        WsTestClient.connect(
            execUrl(true, true, "sh", "-c", "read line; stty size"), "v5.channel.k8s.io")) {
      client.send(4, "{\"Width\":77,\"Height\":22}");
      Thread.sleep(300);
      client.send(0, "go\n");
      assertTrue(client.awaitClosed(WAIT));
      assertTrue(client.text(1).contains("22 77"), client.text(1));
      assertEquals("Success", status(client.text(3)).path("status").asText());
    }
  }

  @Test
  void spdyStdinIsPipedToCat() throws Exception {
    try (SpdyTestClient client = SpdyTestClient.connect(execUrl(true, false, "cat"), SPDY_V4)) {
      int error = client.openStream("error");
      int stdin = client.openStream("stdin");
      int stdout = client.openStream("stdout");
      client.openStream("stderr");
      client.send(stdin, "hello ");
      client.send(stdin, "world");
      client.finish(stdin);
      assertEquals("hello world", client.awaitText(stdout, WAIT));
      assertEquals("Success", status(client.awaitText(error, WAIT)).path("status").asText());
    }
  }

  @Test
  void webSocketV5CloseSignalEndsStdin() throws Exception {
    try (WsTestClient client =
        WsTestClient.connect(execUrl(true, false, "cat"), "v5.channel.k8s.io")) {
      client.send(0, "through cat");
      client.sendRaw(new byte[] {(byte) 255, 0});
      assertTrue(client.awaitClosed(WAIT), "cat ends at end of file and the session closes");
      assertEquals("through cat", client.text(1));
      assertEquals("Success", status(client.text(3)).path("status").asText());
    }
  }

  @Test
  void attachEchoesStdinAndDetachingLeavesTheContainerRunning() throws Exception {
    AttachRequest attach =
        AttachRequest.newBuilder()
            .setContainerId(echoer)
            .setStdin(true)
            .setStdout(true)
            .setStderr(true)
            .build();
    try (SpdyTestClient client =
        SpdyTestClient.connect(d.runtime().attach(attach).getUrl(), SPDY_V4)) {
      assertEquals(101, client.status());
      client.openStream("error");
      int stdin = client.openStream("stdin");
      int stdout = client.openStream("stdout");
      client.openStream("stderr");
      client.send(stdin, "over spdy\n");
      waitFor(() -> client.text(stdout).contains("over spdy\n"));
    }
    assertEquals(ContainerState.CONTAINER_RUNNING, Pods.status(d, echoer).getState());
    try (WsTestClient client =
        WsTestClient.connect(d.runtime().attach(attach).getUrl(), "v4.channel.k8s.io")) {
      client.send(0, "over websocket\n");
      waitFor(() -> client.text(1).contains("over websocket\n"));
    }
    Thread.sleep(500);
    assertEquals(ContainerState.CONTAINER_RUNNING, Pods.status(d, echoer).getState());
  }

  @Test
  void spdyPortForwardReachesAListenerInThePod() throws Exception {
    assertEquals(PAGE, spdyGet(podId, WEB_PORT));
  }

  @Test
  void spdyPortForwardReachesAListenerInAHostNetworkPod() throws Exception {
    assertEquals(PAGE, spdyGet(hostPodId, hostPort));
  }

  private static String spdyGet(String sandboxId, int port) throws Exception {
    try (SpdyTestClient client =
        SpdyTestClient.connect(portForwardUrl(sandboxId), SPDY_PORT_FORWARD)) {
      assertEquals(101, client.status());
      Map<String, String> headers = Map.of("port", Integer.toString(port), "requestid", "0");
      int error = client.openStream(with(headers, "streamtype", "error"));
      client.finish(error);
      int data = client.openStream(with(headers, "streamtype", "data"));
      client.send(data, "GET /index.html HTTP/1.0\r\n\r\n");
      client.finish(data);
      String response = client.awaitText(data, WAIT);
      assertEquals("", client.awaitText(error, WAIT));
      assertTrue(response.startsWith("HTTP/1.") && response.contains(" 200 "), response);
      return response.substring(response.indexOf("\r\n\r\n") + 4).trim();
    }
  }

  @Test
  void webSocketPortForwardReachesAListenerInThePod() throws Exception {
    try (WsTestClient client =
        WsTestClient.connect(portForwardUrl(podId, WEB_PORT), "v4.portforward.k8s.io")) {
      byte[] prefix = {(byte) WEB_PORT, (byte) (WEB_PORT >> 8)};
      client.send(0, "GET /index.html HTTP/1.0\r\n\r\n");
      assertTrue(
          client.awaitClosed(WAIT), "httpd closes after its answer, and so does the session");
      byte[] data = client.bytes(0);
      assertArrayEquals(prefix, Arrays.copyOf(data, 2));
      String response = new String(data, 2, data.length - 2, StandardCharsets.UTF_8);
      assertTrue(response.contains(" 200 ") && response.contains(PAGE), response);
      assertArrayEquals(prefix, client.bytes(1), "nothing but the prefix on the error channel");
    }
  }

  @Test
  void aReusedTokenIsNotFound() throws Exception {
    String url = execUrl(false, false, "true");
    try (SpdyTestClient first = SpdyTestClient.connect(url, SPDY_V4)) {
      assertEquals(101, first.status());
    }
    try (SpdyTestClient second = SpdyTestClient.connect(url, SPDY_V4)) {
      assertEquals(404, second.status());
    }
  }

  @Test
  void anExpiredTokenIsNotFound() throws Exception {
    try (Jcrid shortLived = Jcrid.start("[streaming]\ntoken_ttl = \"500ms\"\n")) {
      PodSandboxConfig config =
          Pods.withNamespaces(
                  Pods.pod("expiry"),
                  NamespaceMode.NODE,
                  NamespaceMode.CONTAINER,
                  NamespaceMode.POD)
              .setLogDirectory(shortLived.home().resolve("logs").toString())
              .build();
      Pods.pull(shortLived, image);
      String sandbox = Pods.run(shortLived, config.toBuilder());
      try {
        String c =
            Pods.create(
                shortLived, sandbox, config, Pods.container("sleeper", image, "sleep", "3600"));
        Pods.start(shortLived, c);
        ExecRequest exec =
            ExecRequest.newBuilder().setContainerId(c).addCmd("true").setStdout(true).build();
        String fresh = shortLived.runtime().exec(exec).getUrl();
        try (SpdyTestClient client = SpdyTestClient.connect(fresh, SPDY_V4)) {
          assertEquals(101, client.status(), "a fresh token is served");
        }
        String stale = shortLived.runtime().exec(exec).getUrl();
        Thread.sleep(1000);
        try (SpdyTestClient client = SpdyTestClient.connect(stale, SPDY_V4)) {
          assertEquals(404, client.status());
        }
      } finally {
        shortLived
            .runtime()
            .stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());
        shortLived
            .runtime()
            .removePodSandbox(
                RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());
      }
    }
  }

  @Test
  void aClientClosingMidStreamEndsTheProcess() throws Exception {
    SpdyTestClient client = SpdyTestClient.connect(execUrl(false, false, "sleep", "61"), SPDY_V4);
    client.openStream("error");
    client.openStream("stdout");
    client.openStream("stderr");
    waitFor(() -> execSync(sleeper, "ps").contains("sleep 61"));
    client.close();
    long closedAt = System.nanoTime();
    waitFor(() -> !execSync(sleeper, "ps").contains("sleep 61"));
    assertTrue(
        System.nanoTime() - closedAt < Duration.ofSeconds(5).toNanos(),
        "the sleep is gone within 5 s");
  }

  @Test
  void rpcValidation() throws Exception {
    StatusRuntimeException ttyAndStderr =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                d.runtime()
                    .exec(
                        ExecRequest.newBuilder()
                            .setContainerId(sleeper)
                            .addCmd("sh")
                            .setStdin(true)
                            .setStdout(true)
                            .setStderr(true)
                            .setTty(true)
                            .build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, ttyAndStderr.getStatus().getCode());

    String done = run(podId, pod, Pods.container("done", image, "true"));
    assertEquals(ContainerState.CONTAINER_EXITED, Pods.awaitExit(d, done).getState());
    StatusRuntimeException stopped =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                d.runtime()
                    .exec(
                        ExecRequest.newBuilder()
                            .setContainerId(done)
                            .addCmd("true")
                            .setStdout(true)
                            .build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, stopped.getStatus().getCode());
    StatusRuntimeException attachStopped =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                d.runtime()
                    .attach(
                        AttachRequest.newBuilder().setContainerId(done).setStdout(true).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, attachStopped.getStatus().getCode());
    StatusRuntimeException unknown =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                d.runtime()
                    .exec(
                        ExecRequest.newBuilder()
                            .setContainerId("nosuchcontainer")
                            .addCmd("true")
                            .setStdout(true)
                            .build()));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    assertEquals(
        ContainerState.CONTAINER_RUNNING,
        Pods.status(d, sleeper).getState(),
        "refusals change nothing");
  }

  private static Map<String, String> with(Map<String, String> headers, String key, String value) {
    var copy = new java.util.HashMap<>(headers);
    copy.put(key, value);
    return copy;
  }

  private static void waitFor(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + WAIT);
      }
      Thread.sleep(50);
    }
  }
}
