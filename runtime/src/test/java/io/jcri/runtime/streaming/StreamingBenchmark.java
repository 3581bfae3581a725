package io.jcri.runtime.streaming;

import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PortForwardRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Exec round trip (URL issued → SPDY upgrade → streams → `true` runs on the host → status read) and
 * port-forward throughput through one forwarded SPDY connection. Run: {@code java -cp
 * runtime/target/classes:runtime/target/test-classes:<deps>
 * io.jcri.runtime.streaming.StreamingBenchmark [execs] [MiB]}.
 */
public final class StreamingBenchmark {
  private static final Duration WAIT = Duration.ofSeconds(60);

  public static void main(String[] args) throws Exception {
    Logger.getLogger("").setLevel(Level.WARNING);
    int execs = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int mib = args.length > 1 ? Integer.parseInt(args[1]) : 512;
    try (StreamingServer server =
            StreamingServer.start(StreamingOptions.defaults(), new HostBackend());
        ServerSocket source = startSource(mib)) {
      execRoundTrip(server, execs);
      portForwardThroughput(server, source.getLocalPort(), mib);
    }
  }

  private static void execRoundTrip(StreamingServer server, int n) throws Exception {
    ExecRequest req =
        ExecRequest.newBuilder()
            .setContainerId("bench")
            .addCmd("true")
            .setStdout(true)
            .setStderr(true)
            .build();
    long[] nanos = new long[n];
    for (int i = -20; i < n; i++) { // the first 20 warm up the JIT
      long start = System.nanoTime();
      try (SpdyTestClient client =
          SpdyTestClient.connect(server.execUrl(req), List.of("v4.channel.k8s.io"))) {
        int error = client.openStream("error");
        client.openStream("stdout");
        client.openStream("stderr");
        if (!client.awaitText(error, WAIT).contains("Success")) {
          throw new IllegalStateException("exec failed");
        }
      }
      if (i >= 0) {
        nanos[i] = System.nanoTime() - start;
      }
    }
    Arrays.sort(nanos);
    System.out.printf(
        "exec round trip (true, SPDY v4, host process), n=%d: p50=%.2f ms p95=%.2f ms%n",
        n, nanos[n / 2] / 1e6, nanos[(int) (n * 0.95)] / 1e6);
  }

  private static void portForwardThroughput(StreamingServer server, int port, int mib)
      throws Exception {
    PortForwardRequest req = PortForwardRequest.newBuilder().setPodSandboxId("bench").build();
    try (SpdyTestClient client =
        SpdyTestClient.connect(server.portForwardUrl(req), List.of("portforward.k8s.io"))) {
      String p = Integer.toString(port);
      int error = client.openStream(Map.of("streamtype", "error", "port", p, "requestid", "0"));
      client.finish(error);
      long start = System.nanoTime();
      int data = client.openStream(Map.of("streamtype", "data", "port", p, "requestid", "0"));
      client.countOnly(data);
      client.finish(data);
      client.awaitEnd(data, WAIT);
      double seconds = (System.nanoTime() - start) / 1e9;
      long bytes = client.counted(data);
      if (bytes != (long) mib << 20) {
        throw new IllegalStateException(
            "received " + bytes + " bytes, expected " + ((long) mib << 20));
      }
      System.out.printf(
          "port forward (pod -> client, one SPDY connection): %d MiB in %.2f s = %.0f MiB/s%n",
          mib, seconds, mib / seconds);
    }
  }

  /** Sends {@code mib} MiB to each connection, then closes it. */
  private static ServerSocket startSource(int mib) throws IOException {
    ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              byte[] chunk = new byte[1 << 20];
              while (!socket.isClosed()) {
                try (Socket conn = socket.accept();
                    OutputStream out = conn.getOutputStream()) {
                  for (int i = 0; i < mib; i++) {
                    out.write(chunk);
                  }
                } catch (IOException e) {
                  return;
                }
              }
            });
    return socket;
  }
}
