package io.jcri.runtime.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.cri.v1.ExecRequest;
import io.jcri.sys.Command;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamingTlsTest {
  @TempDir Path dir;

  @Test
  void servesHttpsWithTheConfiguredCertificate() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Command.Result made =
        Command.run(
            List.of(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1"),
            Duration.ofSeconds(60));
    assertTrue(made.ok(), made.err());
    StreamingOptions options =
        new StreamingOptions("127.0.0.1", 0, Duration.ofMinutes(1), cert, key);
    try (StreamingServer server = StreamingServer.start(options, new HostBackend())) {
      String url =
          server.execUrl(
              ExecRequest.newBuilder().setContainerId("c1").addCmd("true").setStdout(true).build());
      assertTrue(url.startsWith("https://127.0.0.1:" + server.port() + "/exec/"), url);
      assertEquals("HTTP/1.1 404 Not Found", firstResponseLine(server.port(), "/exec/unknown"));
    }
  }

  private static String firstResponseLine(int port, String path) throws Exception {
    SSLContext tls = TrustAllCertificates.context();
    try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
          .readLine();
    }
  }
}
