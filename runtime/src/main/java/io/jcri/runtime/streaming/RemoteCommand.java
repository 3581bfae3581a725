package io.jcri.runtime.streaming;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.logging.Logger;

/** One exec or attach session, independent of the protocol that carries its streams. */
final class RemoteCommand {
  private static final Logger LOG = Logger.getLogger(RemoteCommand.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An exec (cmd set) or an attach (cmd null) as the RPC asked for it. */
  record Request(
      String containerId,
      List<String> cmd,
      boolean stdin,
      boolean stdout,
      boolean stderr,
      boolean tty) {
    static Request of(Object cri) {
      return switch (cri) {
        case ExecRequest e ->
            new Request(
                e.getContainerId(),
                List.copyOf(e.getCmdList()),
                e.getStdin(),
                e.getStdout(),
                e.getStderr(),
                e.getTty());
        case AttachRequest a ->
            new Request(
                a.getContainerId(), null, a.getStdin(), a.getStdout(), a.getStderr(), a.getTty());
        default ->
            throw new IllegalArgumentException(
                "not a remote command: " + cri.getClass().getSimpleName());
      };
    }

    String kind() {
      return cmd == null ? "attach" : "exec";
    }
  }

  /** The session's streams as the transport built them; null where the client asked for none. */
  record Streams(
      FrameInput stdin,
      FrameOutput stdout,
      FrameOutput stderr,
      FrameOutput error,
      FrameInput resize) {}

  private RemoteCommand() {}

  /**
   * Runs the session on a virtual thread; {@code finish} ends the connection the protocol's way
   * once the status is written. A client that disconnects interrupts the backend.
   */
  static void start(
      Request req,
      String protocol,
      StreamingBackend backend,
      Channel channel,
      Streams streams,
      Runnable finish) {
    Thread worker =
        Thread.ofVirtual()
            .name(req.kind() + "-" + req.containerId())
            .unstarted(() -> run(req, protocol, backend, channel, streams, finish));
    GenericFutureListener<Future<Void>> onClose = f -> worker.interrupt();
    channel.closeFuture().addListener(onClose);
    worker.start();
  }

  private static void run(
      Request req,
      String protocol,
      StreamingBackend backend,
      Channel channel,
      Streams streams,
      Runnable finish) {
    long started = System.nanoTime();
    BlockingQueue<TerminalSize> resizes =
        streams.resize() == null ? null : readResizes(req, streams.resize());
    StreamIo io = new StreamIo(streams.stdin(), streams.stdout(), streams.stderr(), resizes);
    ObjectNode status;
    try {
      if (req.cmd() != null) {
        int code = backend.exec(req.containerId(), req.cmd(), req.tty(), io);
        status = code == 0 ? success() : nonZeroExit(req.cmd(), code);
      } else {
        backend.attach(req.containerId(), req.tty(), io);
        status = success();
      }
    } catch (InterruptedException | InterruptedIOException e) {
      status = null;
    } catch (Exception e) {
      status = failure("InternalError", req.kind() + " failed: " + e.getMessage());
    } finally {
      closeQuietly(streams.stdout());
      closeQuietly(streams.stderr());
      closeQuietly(streams.stdin());
      closeQuietly(streams.resize());
      if (resizes != null) {
        resizes.clear();
        resizes.offer(StreamIo.NO_MORE_RESIZES);
      }
    }
    long ms = (System.nanoTime() - started) / 1_000_000;
    if (status == null || !channel.isActive()) {
      LOG.info(
          "event=stream_aborted kind="
              + req.kind()
              + " container="
              + req.containerId()
              + " ms="
              + ms);
      return;
    }
    LOG.info(
        "event=stream_finished kind="
            + req.kind()
            + " container="
            + req.containerId()
            + " protocol="
            + protocol
            + " status="
            + status.path("status").asText()
            + " reason="
            + status.path("reason").asText("-")
            + " ms="
            + ms);
    writeStatus(protocol, status, streams.error());
    finish.run();
  }

  /**
   * Parses the client's resize stream: JSON objects {"Width":cols,"Height":rows}, one after
   * another.
   */
  private static BlockingQueue<TerminalSize> readResizes(Request req, FrameInput input) {
    BlockingQueue<TerminalSize> queue = new ArrayBlockingQueue<>(16);
    Thread.ofVirtual()
        .name("resize-" + req.containerId())
        .start(
            () -> {
              try (MappingIterator<JsonNode> events =
                  JSON.readerFor(JsonNode.class).readValues(input)) {
                while (events.hasNextValue()) {
                  JsonNode size = events.nextValue();
                  queue.put(
                      new TerminalSize(size.path("Width").asInt(), size.path("Height").asInt()));
                }
              } catch (IOException | RuntimeException e) {
                // malformed resize data or the session ended: no more resizes either way
                LOG.fine(
                    "event=resize_stream_ended container="
                        + req.containerId()
                        + " reason=\""
                        + e.getMessage()
                        + "\"");
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                queue.offer(StreamIo.NO_MORE_RESIZES);
              }
            });
    return queue;
  }

  private static void writeStatus(String protocol, ObjectNode status, FrameOutput error) {
    if (error == null) {
      return;
    }
    try (error) {
      if (Protocols.statusAsJson(protocol)) {
        error.write(JSON.writeValueAsBytes(status));
      } else if (!"Success".equals(status.path("status").asText())) {
        error.write(status.path("message").asText().getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      LOG.fine("event=status_not_sent reason=\"" + e.getMessage() + "\"");
    }
  }

  // kubelet's metav1.Status, field for field, so kubectl and crictl read the exit code
  static ObjectNode success() {
    ObjectNode status = JSON.createObjectNode();
    status.putObject("metadata");
    status.put("status", "Success");
    return status;
  }

  static ObjectNode nonZeroExit(List<String> cmd, int code) {
    ObjectNode status =
        failure(
            "NonZeroExitCode",
            "command terminated with non-zero exit code: error executing command "
                + cmd
                + ", exit code "
                + code);
    ObjectNode cause = status.putObject("details").putArray("causes").addObject();
    cause.put("reason", "ExitCode");
    cause.put("message", Integer.toString(code));
    return status;
  }

  private static ObjectNode failure(String reason, String message) {
    ObjectNode status = JSON.createObjectNode();
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", message);
    status.put("reason", reason);
    return status;
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.fine("event=stream_close_failed reason=\"" + e.getMessage() + "\"");
    }
  }
}
