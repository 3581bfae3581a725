package io.jcri.runtime.streaming;

import io.jcri.cri.v1.PortForwardRequest;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * PortForward over a {@link SpdyConnection}: pairs each port's error and data streams by the
 * client's requestid, starts a {@link ForwardedPort} once both are open, and closes a pair left
 * incomplete. Event loop only, like the connection whose stream maps it shares.
 */
final class SpdyPortForward {
  private static final Logger LOG = Logger.getLogger(SpdyPortForward.class.getName());

  private final PortForwardRequest request;
  private final StreamingBackend backend;
  private final Channel channel;
  private final FrameInput.ReadGate gate;
  private final Map<Integer, FrameInput> inputs;
  private final Map<Integer, FrameOutput> outputs;
  // error and data streams are paired by the client's requestid
  private final Map<String, PortPair> pairs = new HashMap<>();

  private static final class PortPair {
    int port;
    int errorId;
    int dataId;
    FrameOutput errors;
    FrameInput dataIn;
    FrameOutput dataOut;
  }

  SpdyPortForward(
      PortForwardRequest request,
      StreamingBackend backend,
      Channel channel,
      FrameInput.ReadGate gate,
      Map<Integer, FrameInput> inputs,
      Map<Integer, FrameOutput> outputs) {
    this.request = request;
    this.backend = backend;
    this.channel = channel;
    this.gate = gate;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  /** Takes a stream the client opened; false refuses it. */
  boolean onStream(ChannelHandlerContext ctx, SpdySynStreamFrame syn, String type) {
    int id = syn.streamId();
    int port;
    try {
      port = Integer.parseInt(syn.headers().getAsString("port"));
    } catch (NumberFormatException e) {
      return false;
    }
    if (port < 1 || port > 65535 || !("error".equals(type) || "data".equals(type))) {
      return false;
    }
    String requestId = syn.headers().getAsString("requestid");
    if (requestId == null) {
      // clients from before requestID open the error stream, then the data stream right after it
      requestId = Integer.toString("error".equals(type) ? id : id - 2);
    }
    PortPair pair = pairs.get(requestId);
    if (pair == null) {
      pair = new PortPair();
      pair.port = port;
      pairs.put(requestId, pair);
      expireIfIncomplete(ctx, requestId, pair);
    }
    if (pair.port != port) {
      return false;
    }
    if ("error".equals(type) && pair.errors == null) {
      pair.errors = new FrameOutput(channel, SpdyConnection.framer(id));
      pair.errorId = id;
      outputs.put(id, pair.errors);
    } else if ("data".equals(type) && pair.dataIn == null) {
      pair.dataIn = new FrameInput(gate);
      pair.dataOut = new FrameOutput(channel, SpdyConnection.framer(id));
      pair.dataId = id;
      inputs.put(id, pair.dataIn);
      outputs.put(id, pair.dataOut);
    } else {
      return false;
    }
    if (pair.errors != null && pair.dataIn != null) {
      pairs.remove(requestId);
      PortPair ready = pair;
      ForwardedPort.start(
          backend,
          request.getPodSandboxId(),
          port,
          channel,
          pair.dataIn,
          pair.dataOut,
          pair.errors,
          () ->
              channel
                  .eventLoop()
                  .execute(
                      () -> {
                        inputs.remove(ready.dataId);
                        outputs.remove(ready.dataId);
                        outputs.remove(ready.errorId);
                      }));
    }
    return true;
  }

  private void expireIfIncomplete(ChannelHandlerContext ctx, String requestId, PortPair pair) {
    ctx.executor()
        .schedule(
            () -> {
              if (pairs.remove(requestId, pair)) {
                LOG.info(
                    "event=port_forward_setup_timeout port=" + pair.port + " request=" + requestId);
                if (pair.errors != null) {
                  pair.errors.close();
                }
                if (pair.dataOut != null) {
                  pair.dataOut.close();
                  pair.dataIn.close();
                }
              }
            },
            SpdyConnection.STREAM_CREATION_TIMEOUT_SECONDS,
            TimeUnit.SECONDS);
  }
}
