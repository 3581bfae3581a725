package io.jcri.it.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.ExecSyncRequest;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.cri.v1.RemovePodSandboxRequest;
import io.jcri.cri.v1.StopPodSandboxRequest;
import io.jcri.it.Jcrid;
import io.jcri.it.pods.Pods;
import io.jcri.it.registry.TestImages;
import io.jcri.runtime.streaming.WsTestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streaming sessions over days: clients that vanish without a clean close (a socket reset while the
 * session's output queues are full) must leave no thread, descriptor or pty behind, and an attach
 * that did not ask for stderr must keep stdout flowing however much stderr the container writes.
 */
class StreamingLeaksIT {
  private static final int SESSIONS = 4;
  // more than every buffer between the container and a client that reads nothing: the 4 MiB
  // queue of each output, netty's outbound buffer and both sockets' buffers
  private static final int FLOOD = 16_000_000;
  // the output is lines, so the container log conmon writes meanwhile stays a plain log
  private static final String ON_REQUEST =
      "while :; do if [ -e /tmp/go ]; then n=$(cat /tmp/go); rm /tmp/go;"
          + " yes out-out-out-out-out-out | head -c $n"
          + " & yes err-err-err-err-err-err | head -c $n >&2; wait; fi; sleep 0.1; done";

  private static Jcrid d;
  private static String podId;
  private static String sleeper;
  private static String chatty;

  @BeforeAll
  static void start() throws Exception {
    d = Jcrid.start();
    d.writeBridgeNetwork();
    String image = TestImages.busybox();
    Pods.pull(d, image);
    PodSandboxConfig pod =
        Pods.pod("streaming-leaks").setLogDirectory(d.home().resolve("logs").toString()).build();
    podId = Pods.run(d, pod.toBuilder());
    sleeper = Pods.create(d, podId, pod, Pods.container("sleeper", image, "sleep", "3600"));
    Pods.start(d, sleeper);
    chatty = Pods.create(d, podId, pod, Pods.container("chatty", image, "sh", "-c", ON_REQUEST));
    Pods.start(d, chatty);
  }

  @AfterAll
  static void stop() throws Exception {
    if (d == null) {
      return;
    }
    if (podId != null) {
      d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
      d.runtime()
          .removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }
    d.close();
  }

  @Test
  void abandonedTtyExecsLeaveNoThreadFdOrPty() throws Exception {
    assertNothingLeaks(() -> exec(true, "sh", "-c", "yes"), false);
  }

  @Test
  void abandonedExecsLeaveNoThreadOrFd() throws Exception {
    assertNothingLeaks(() -> exec(false, "sh", "-c", "yes"), false);
  }

  @Test
  void abandonedAttachesLeaveNoThreadOrFd() throws Exception {
    assertNothingLeaks(
        () ->
            d.runtime()
                .attach(
                    AttachRequest.newBuilder()
                        .setContainerId(chatty)
                        .setStdout(true)
                        .setStderr(true)
                        .build())
                .getUrl(),
        true);
  }

  @Test
  void anAttachWithoutStderrKeepsStdoutFlowing() throws Exception {
    String url =
        d.runtime()
            .attach(AttachRequest.newBuilder().setContainerId(chatty).setStdout(true).build())
            .getUrl();
    try (WsTestClient client = WsTestClient.connect(url, "v4.channel.k8s.io")) {
      Thread.sleep(300); // conmon has accepted the attach before the output starts
      flood();
      long deadline = System.currentTimeMillis() + 30_000;
      while (client.bytes(1).length < FLOOD && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      int stdout = client.bytes(1).length;
      assertTrue(
          stdout >= FLOOD,
          "all of stdout arrives while the container writes as much to stderr nobody asked for: "
              + stdout
              + " of "
              + FLOOD
              + " bytes");
      assertEquals(0, client.bytes(2).length, "no stderr for a client that did not ask for it");
    }
  }

  private static String exec(boolean tty, String... cmd) {
    return d.runtime()
        .exec(
            ExecRequest.newBuilder()
                .setContainerId(sleeper)
                .addAllCmd(List.of(cmd))
                .setStdin(tty) // kubectl exec -it
                .setStdout(true)
                .setStderr(!tty)
                .setTty(tty)
                .build())
        .getUrl();
  }

  /** The chatty container writes FLOOD bytes to stdout and as many to stderr. */
  private static void flood() {
    d.runtime()
        .execSync(
            ExecSyncRequest.newBuilder()
                .setContainerId(chatty)
                .addAllCmd(List.of("sh", "-c", "echo " + FLOOD + " > /tmp/go"))
                .setTimeout(10)
                .build());
  }

  /**
   * Opens sessions whose client reads nothing until every queue is full, then resets the
   * connection; counts jcrid's threads, descriptors and ptys before and after.
   */
  private static void assertNothingLeaks(Supplier<String> session, boolean needsFlood)
      throws Exception {
    abandon(session.get(), needsFlood); // first use starts whatever the daemon keeps for good
    awaitSettled();
    Counts before = Counts.of(d.pid());
    for (int i = 0; i < SESSIONS; i++) {
      abandon(session.get(), needsFlood);
    }
    Counts after = awaitSettled();
    assertEquals(before.streamThreads, after.streamThreads, "stream threads " + before + after);
    assertEquals(before.ptys, after.ptys, "pty masters " + before + after);
    assertTrue(after.fds <= before.fds + 2, "descriptors " + before + " -> " + after);
    assertTrue(after.threads <= before.threads + 2, "threads " + before + " -> " + after);
  }

  /** Waits until the daemon's counts stop falling (or 15 s), and returns them. */
  private static Counts awaitSettled() throws Exception {
    Counts last = Counts.of(d.pid());
    long deadline = System.currentTimeMillis() + 15_000;
    int stable = 0;
    while (stable < 10 && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
      Counts now = Counts.of(d.pid());
      stable = now.equals(last) ? stable + 1 : 0;
      last = now;
    }
    return last;
  }

  /**
   * A WebSocket client that upgrades, reads nothing while the session's output piles up, and
   * vanishes with a reset instead of a close handshake.
   */
  private static void abandon(String url, boolean needsFlood) throws Exception {
    URI uri = URI.create(url);
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(4096);
      s.connect(new java.net.InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
      s.getOutputStream()
          .write(
              ("GET "
                      + uri.getRawPath()
                      + " HTTP/1.1\r\nHost: "
                      + uri.getHost()
                      + ":"
                      + uri.getPort()
                      + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      + "Sec-WebSocket-Version: 13\r\n"
                      + "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String head = readHead(s.getInputStream());
      assertTrue(head.startsWith("HTTP/1.1 101"), head);
      if (needsFlood) {
        Thread.sleep(300);
        flood();
      }
      Thread.sleep(3000);
      s.setSoLinger(true, 0); // close sends a reset: the client is gone, not finished
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  /** What a leaking session would leave in the daemon. */
  private record Counts(long threads, long fds, long ptys, long streamThreads) {
    static Counts of(long pid) throws IOException {
      Path proc = Path.of("/proc/" + pid);
      long ptys = 0;
      long fds = 0;
      try (Stream<Path> all = Files.list(proc.resolve("fd"))) {
        for (Path fd : all.toList()) {
          fds++;
          try {
            if (Files.readSymbolicLink(fd).toString().equals("/dev/ptmx")) {
              ptys++;
            }
          } catch (IOException closed) {
            // closed while listed
          }
        }
      }
      long threads = 0;
      long streamThreads = 0;
      try (Stream<Path> tasks = Files.list(proc.resolve("task"))) {
        for (Path task : tasks.toList()) {
          threads++;
          String name;
          try {
            name = Files.readString(task.resolve("comm")).trim();
          } catch (IOException gone) {
            continue;
          }
          if (name.startsWith("exec-pty-") || name.startsWith("attach-")) {
            streamThreads++;
          }
        }
      }
      return new Counts(threads, fds, ptys, streamThreads);
    }
  }
}
