package io.jcri.runtime.streaming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PortForwardRequest;
import io.jcri.sys.Failure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class StreamingServerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> V4 = List.of("v4.channel.k8s.io", "v3.channel.k8s.io");

  private static HostBackend backend;
  private static StreamingServer server;
  private static ServerSocket echo;

  @BeforeAll
  static void start() throws IOException {
    backend = new HostBackend();
    server = StreamingServer.start(StreamingOptions.defaults(), backend);
    echo = startEchoServer();
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    echo.close();
  }

  private static ExecRequest exec(boolean stdin, boolean tty, String... cmd) {
    return ExecRequest.newBuilder()
        .setContainerId("c1")
        .addAllCmd(List.of(cmd))
        .setStdin(stdin)
        .setStdout(true)
        .setStderr(!tty)
        .setTty(tty)
        .build();
  }

  @Test
  void spdyExecEchoReportsOutputAndSuccess() throws Exception {
    try (SpdyTestClient client =
        SpdyTestClient.connect(server.execUrl(exec(false, false, "echo", "hi")), V4)) {
      assertEquals(101, client.status());
      assertEquals("v4.channel.k8s.io", client.protocol());
      int error = client.openStream("error");
      int stdout = client.openStream("stdout");
      int stderr = client.openStream("stderr");
      assertEquals("hi\n", client.awaitText(stdout, WAIT));
      assertEquals("", client.awaitText(stderr, WAIT));
      JsonNode status = JSON.readTree(client.awaitText(error, WAIT));
      assertEquals("Success", status.path("status").asText());
      waitFor(client::goAway); // the server ends the session; the client closes the connection
    }
  }

  @Test
  void spdyExecNonZeroExitCarriesTheCode() throws Exception {
    try (SpdyTestClient client =
        SpdyTestClient.connect(
            server.execUrl(exec(false, false, "sh", "-c", "echo oops >&2; exit 3")), V4)) {
      int error = client.openStream("error");
      client.openStream("stdout");
      int stderr = client.openStream("stderr");
      assertEquals("oops\n", client.awaitText(stderr, WAIT));
      JsonNode status = JSON.readTree(client.awaitText(error, WAIT));
      assertEquals("Failure", status.path("status").asText());
      assertEquals("NonZeroExitCode", status.path("reason").asText());
      JsonNode cause = status.path("details").path("causes").get(0);
      assertEquals("ExitCode", cause.path("reason").asText());
      assertEquals("3", cause.path("message").asText());
    }
  }

  @Test
  void spdyOldProtocolSendsOnlyTheErrorText() throws Exception {
    try (SpdyTestClient client =
        SpdyTestClient.connect(
            server.execUrl(exec(false, false, "sh", "-c", "exit 3")),
            List.of("v2.channel.k8s.io"))) {
      assertEquals("v2.channel.k8s.io", client.protocol());
      int error = client.openStream("error");
      client.openStream("stdout");
      client.openStream("stderr");
      String text = client.awaitText(error, WAIT);
      assertTrue(
          text.startsWith("command terminated with non-zero exit code")
              && text.endsWith("exit code 3"),
          text);
    }
  }

  @Test
  void spdyStdinReachesTheProcessAndEofEndsIt() throws Exception {
    try (SpdyTestClient client =
        SpdyTestClient.connect(server.execUrl(exec(true, false, "cat")), V4)) {
      int error = client.openStream("error");
      int stdin = client.openStream("stdin");
      int stdout = client.openStream("stdout");
      client.openStream("stderr");
      client.send(stdin, "hello ");
      client.send(stdin, "world");
      client.finish(stdin);
      assertEquals("hello world", client.awaitText(stdout, WAIT));
      assertEquals("Success", JSON.readTree(client.awaitText(error, WAIT)).path("status").asText());
    }
  }

  @Test
  void spdyTtyResizeReachesTheBackend() throws Exception {
    try (SpdyTestClient client =
        SpdyTestClient.connect(server.execUrl(exec(true, true, "echo", "ready")), V4)) {
      int error = client.openStream("error");
      client.openStream("stdin");
      int stdout = client.openStream("stdout");
      int resize = client.openStream("resize");
      client.send(resize, "{\"Width\":100,\"Height\":40}");
      assertEquals("resize 100x40\nready\n", client.awaitText(stdout, WAIT));
      assertEquals("Success", JSON.readTree(client.awaitText(error, WAIT)).path("status").asText());
    }
  }

  @Test
  void spdyPortForwardCopiesBothWays() throws Exception {
    PortForwardRequest pf = PortForwardRequest.newBuilder().setPodSandboxId("s1").build();
    try (SpdyTestClient client =
        SpdyTestClient.connect(server.portForwardUrl(pf), List.of("portforward.k8s.io"))) {
      assertEquals(101, client.status());
      String port = Integer.toString(echo.getLocalPort());
      for (int request = 0; request < 2; request++) { // one connection carries several forwards
        int error =
            client.openStream(
                Map.of("streamtype", "error", "port", port, "requestid", "" + request));
        client.finish(error);
        int data =
            client.openStream(
                Map.of("streamtype", "data", "port", port, "requestid", "" + request));
        client.send(data, "ping " + request);
        client.finish(data);
        assertEquals("ping " + request, client.awaitText(data, WAIT));
        assertEquals("", client.awaitText(error, WAIT));
      }
    }
  }

  @Test
  void spdyPortForwardReportsAnUnreachablePort() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    PortForwardRequest pf = PortForwardRequest.newBuilder().setPodSandboxId("s1").build();
    try (SpdyTestClient client =
        SpdyTestClient.connect(server.portForwardUrl(pf), List.of("portforward.k8s.io"))) {
      Map<String, String> headers = Map.of("port", "" + closedPort, "requestid", "0");
      int error = client.openStream(with(headers, "streamtype", "error"));
      int data = client.openStream(with(headers, "streamtype", "data"));
      assertTrue(
          client
              .awaitText(error, WAIT)
              .startsWith("error forwarding port " + closedPort + " to pod s1"));
      assertEquals("", client.awaitText(data, WAIT));
    }
  }

  @Test
  void webSocketV4ExecReportsOutputAndExitCode() throws Exception {
    try (WsTestClient client =
        WsTestClient.connect(
            server.execUrl(exec(false, false, "sh", "-c", "echo hi; exit 3")),
            "v4.channel.k8s.io")) {
      assertEquals("v4.channel.k8s.io", client.protocol());
      assertTrue(client.awaitClosed(WAIT));
      assertEquals("hi\n", client.text(1));
      JsonNode status = JSON.readTree(client.text(3));
      assertEquals("NonZeroExitCode", status.path("reason").asText());
      assertEquals("3", status.path("details").path("causes").get(0).path("message").asText());
    }
  }

  @Test
  void webSocketV5CloseSignalEndsStdin() throws Exception {
    try (WsTestClient client =
        WsTestClient.connect(server.execUrl(exec(true, false, "cat")), "v5.channel.k8s.io")) {
      assertEquals("v5.channel.k8s.io", client.protocol());
      client.send(0, "through cat");
      client.sendRaw(new byte[] {(byte) 255, 0});
      assertTrue(client.awaitClosed(WAIT), "cat ends at end of file and the session closes");
      assertEquals("through cat", client.text(1));
      assertEquals("Success", JSON.readTree(client.text(3)).path("status").asText());
    }
  }

  @Test
  void webSocketAttachEchoesStdin() throws Exception {
    AttachRequest attach =
        AttachRequest.newBuilder().setContainerId("c1").setStdin(true).setStdout(true).build();
    try (WsTestClient client =
        WsTestClient.connect(server.attachUrl(attach), "v5.channel.k8s.io")) {
      client.send(0, "attached");
      client.sendRaw(new byte[] {(byte) 255, 0});
      assertTrue(client.awaitClosed(WAIT));
      assertEquals("attached", client.text(1));
    }
  }

  @Test
  void webSocketPortForwardPrefixesThePortAndCopies() throws Exception {
    int port = echo.getLocalPort();
    PortForwardRequest pf =
        PortForwardRequest.newBuilder().setPodSandboxId("s1").addPort(port).build();
    try (WsTestClient client =
        WsTestClient.connect(server.portForwardUrl(pf), "v4.channel.k8s.io")) {
      byte[] prefix = {(byte) port, (byte) (port >> 8)};
      client.send(0, "over websocket");
      waitFor(() -> client.bytes(0).length >= 2 + "over websocket".length());
      byte[] data = client.bytes(0);
      assertArrayEquals(prefix, new byte[] {data[0], data[1]});
      assertEquals("over websocket", new String(data, 2, data.length - 2));
      assertArrayEquals(prefix, client.bytes(1));
    }
  }

  @Test
  void reusedTokenIsNotFound() throws Exception {
    String url = server.execUrl(exec(false, false, "true"));
    try (SpdyTestClient first = SpdyTestClient.connect(url, V4)) {
      assertEquals(101, first.status());
    }
    try (SpdyTestClient second = SpdyTestClient.connect(url, V4)) {
      assertEquals(404, second.status());
    }
  }

  @Test
  void expiredTokenIsNotFound() throws Exception {
    StreamingOptions shortLived =
        new StreamingOptions("127.0.0.1", 0, Duration.ofMillis(200), null, null);
    try (StreamingServer s = StreamingServer.start(shortLived, backend)) {
      String url = s.execUrl(exec(false, false, "true"));
      Thread.sleep(400);
      try (SpdyTestClient client = SpdyTestClient.connect(url, V4)) {
        assertEquals(404, client.status());
      }
    }
  }

  @Test
  void unknownTokenAndPlainRequestsAreRefused() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + server.port();
    assertEquals(
        404,
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/exec/nosuchtoken")).build(),
                HttpResponse.BodyHandlers.discarding())
            .statusCode());
    String attachUrl =
        server.attachUrl(AttachRequest.newBuilder().setContainerId("c1").setStdout(true).build());
    // a token is bound to its endpoint
    assertEquals(
        404,
        http.send(
                HttpRequest.newBuilder(URI.create(attachUrl.replace("/attach/", "/exec/"))).build(),
                HttpResponse.BodyHandlers.discarding())
            .statusCode());
    String execUrl = server.execUrl(exec(false, false, "true"));
    assertEquals(
        400,
        http.send(
                HttpRequest.newBuilder(URI.create(execUrl)).build(),
                HttpResponse.BodyHandlers.discarding())
            .statusCode());
  }

  @Test
  void clientClosingMidStreamEndsTheProcess() throws Exception {
    backend.started.clear();
    SpdyTestClient client =
        SpdyTestClient.connect(server.execUrl(exec(false, false, "sleep", "60")), V4);
    client.openStream("error");
    client.openStream("stdout");
    client.openStream("stderr");
    Process process = backend.started.poll(10, TimeUnit.SECONDS);
    assertTrue(process != null && process.isAlive());
    client.close();
    assertTrue(process.waitFor(10, TimeUnit.SECONDS), "the process ends when its client goes");
    assertFalse(process.isAlive());
  }

  @Test
  void validatorRejectsWhatKubeletWould() {
    assertEquals(
        Failure.Kind.INVALID,
        refusal(
            () ->
                StreamRequests.validate(
                    ExecRequest.newBuilder()
                        .setContainerId("c1")
                        .addCmd("sh")
                        .setTty(true)
                        .setStdout(true)
                        .setStderr(true)
                        .build(),
                    id -> true)));
    assertEquals(
        Failure.Kind.INVALID,
        refusal(
            () ->
                StreamRequests.validate(
                    ExecRequest.newBuilder().setContainerId("c1").addCmd("sh").build(),
                    id -> true)));
    assertEquals(
        Failure.Kind.INVALID,
        refusal(
            () ->
                StreamRequests.validate(
                    ExecRequest.newBuilder().setContainerId("c1").setStdout(true).build(),
                    id -> true)));
    assertEquals(
        Failure.Kind.PRECONDITION,
        refusal(
            () ->
                StreamRequests.validate(
                    AttachRequest.newBuilder().setContainerId("c1").setStdout(true).build(),
                    id -> false)));
    assertEquals(
        Failure.Kind.INVALID,
        refusal(
            () ->
                StreamRequests.validate(
                    PortForwardRequest.newBuilder().setPodSandboxId("s1").addPort(70000).build(),
                    id -> true)));
    StreamRequests.validate(exec(true, true, "sh"), id -> true);
  }

  private static Failure.Kind refusal(Runnable check) {
    try {
      check.run();
    } catch (Failure e) {
      return e.kind();
    }
    return null;
  }

  private static Map<String, String> with(Map<String, String> headers, String key, String value) {
    var copy = new java.util.HashMap<>(headers);
    copy.put(key, value);
    return copy;
  }

  private static void waitFor(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + WAIT);
      }
      Thread.sleep(10);
    }
  }

  /** Echoes each connection's bytes back until the client half-closes. */
  static ServerSocket startEchoServer() throws IOException {
    ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              while (!socket.isClosed()) {
                try {
                  Socket conn = socket.accept();
                  Thread.ofVirtual()
                      .start(
                          () -> {
                            try (conn) {
                              conn.getInputStream().transferTo(conn.getOutputStream());
                            } catch (IOException e) {
                              // client went away
                            }
                          });
                } catch (IOException e) {
                  return;
                }
              }
            });
    return socket;
  }
}
