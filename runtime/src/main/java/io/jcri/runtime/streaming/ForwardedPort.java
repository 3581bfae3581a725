package io.jcri.runtime.streaming;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;

/**
 * One forwarded connection: a data stream pair to the pod's port, and an error stream for what went
 * wrong.
 */
final class ForwardedPort {
  private static final Logger LOG = Logger.getLogger(ForwardedPort.class.getName());

  private ForwardedPort() {}

  /** Forwards on a virtual thread; {@code done} runs on that thread once every stream is closed. */
  static void start(
      StreamingBackend backend,
      String sandboxId,
      int port,
      Channel channel,
      FrameInput fromClient,
      FrameOutput toClient,
      FrameOutput errors,
      Runnable done) {
    Thread[] worker = new Thread[1];
    // removed when the forward ends: one connection may carry many forwards over its life
    GenericFutureListener<Future<Void>> onClose = f -> worker[0].interrupt();
    worker[0] =
        Thread.ofVirtual()
            .name("portforward-" + sandboxId + "-" + port)
            .unstarted(
                () -> {
                  long started = System.nanoTime();
                  String outcome = "ok";
                  try {
                    backend.portForward(sandboxId, port, fromClient, toClient);
                  } catch (InterruptedException | InterruptedIOException e) {
                    outcome = "client_gone";
                  } catch (Exception e) {
                    outcome = "error";
                    String message =
                        "error forwarding port "
                            + port
                            + " to pod "
                            + sandboxId
                            + ": "
                            + e.getMessage();
                    try {
                      errors.write(message.getBytes(StandardCharsets.UTF_8));
                    } catch (IOException unsent) {
                      outcome = "client_gone";
                    }
                  } finally {
                    toClient.close();
                    errors.close();
                    fromClient.close();
                  }
                  LOG.info(
                      "event=port_forward_finished sandbox="
                          + sandboxId
                          + " port="
                          + port
                          + " outcome="
                          + outcome
                          + " ms="
                          + (System.nanoTime() - started) / 1_000_000);
                  channel.closeFuture().removeListener(onClose);
                  done.run();
                });
    channel.closeFuture().addListener(onClose);
    worker[0].start();
  }
}
