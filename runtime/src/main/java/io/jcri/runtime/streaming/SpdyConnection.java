package io.jcri.runtime.streaming;

import io.jcri.cri.v1.PortForwardRequest;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.DefaultSpdyWindowUpdateFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A SPDY/3.1 connection after the upgrade. The client opens every stream (SYN_STREAM with a {@code
 * streamtype} header); the server replies and then reads or writes each one: the streams of an exec
 * or attach here, those of a port forward in {@link SpdyPortForward}. All state here belongs to the
 * event loop; backend threads only touch the {@link FrameInput}s and {@link FrameOutput}s.
 *
 * <p>Flow control: Go's spdystream (kubectl, crictl, kubelet) neither sends nor honours
 * WINDOW_UPDATE, so outbound data ignores the peer's window (TCP paces it); inbound data is
 * acknowledged as it arrives for peers that do count windows.
 */
final class SpdyConnection extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = Logger.getLogger(SpdyConnection.class.getName());
  // kubelet's streamCreationTimeout: how long a client may take to open the streams of a session
  static final long STREAM_CREATION_TIMEOUT_SECONDS = 30;
  // after GOAWAY the client closes the connection once it has read everything; this bounds the wait
  private static final long CLOSE_GRACE_SECONDS = 10;

  private final Object request;
  private final String protocol;
  private final StreamingBackend backend;
  private final Map<Integer, FrameInput> inputs = new HashMap<>();
  private final Map<Integer, FrameOutput> outputs = new HashMap<>();
  private Channel channel;
  private FrameInput.ReadGate gate;
  private int lastClientStream;

  // exec and attach: the streams gathered until all expected ones are open
  private RemoteCommand.Request command;
  private final Map<String, Integer> commandStreams = new HashMap<>();
  private boolean commandStarted;

  // port forward: set up with the channel
  private SpdyPortForward portForward;

  SpdyConnection(Object request, String protocol, StreamingBackend backend) {
    this.request = request;
    this.protocol = protocol;
    this.backend = backend;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    gate = new FrameInput.ReadGate(channel);
    if (request instanceof PortForwardRequest pf) {
      portForward = new SpdyPortForward(pf, backend, channel, gate, inputs, outputs);
    } else {
      command = RemoteCommand.Request.of(request);
      ctx.executor()
          .schedule(
              () -> {
                if (!commandStarted && channel.isActive()) {
                  LOG.info(
                      "event=stream_setup_timeout kind="
                          + command.kind()
                          + " container="
                          + command.containerId()
                          + " streams="
                          + commandStreams.keySet());
                  channel.close();
                }
              },
              STREAM_CREATION_TIMEOUT_SECONDS,
              TimeUnit.SECONDS);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      switch (msg) {
        case SpdySynStreamFrame syn -> onSynStream(ctx, syn);
        case SpdyDataFrame data -> onData(ctx, data);
        case SpdyRstStreamFrame rst -> onReset(rst.streamId());
        // only the client pings: we never do
        case SpdyPingFrame ping -> ctx.write(new DefaultSpdyPingFrame(ping.id()));
        default -> {
          // SETTINGS, WINDOW_UPDATE, GOAWAY, HEADERS: nothing to act on (the client closes after
          // GOAWAY)
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.flush();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    inputs.values().forEach(FrameInput::end);
    outputs.values().forEach(FrameOutput::reset);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.info(
        "event=spdy_connection_error remote="
            + ctx.channel().remoteAddress()
            + " error=\""
            + cause
            + "\"");
    ctx.close();
  }

  private void onSynStream(ChannelHandlerContext ctx, SpdySynStreamFrame syn) {
    int id = syn.streamId();
    lastClientStream = Math.max(lastClientStream, id);
    String type = syn.headers().getAsString("streamtype");
    boolean accepted =
        portForward != null ? portForward.onStream(ctx, syn, type) : onCommandStream(type, id);
    if (!accepted) {
      ctx.write(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.PROTOCOL_ERROR));
      return;
    }
    // Netty encodes an empty header block as no bytes at all, which Go's SPDY framer (kubectl,
    // crictl,
    // kubelet) cannot parse; one header makes a real, compressed block
    DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(id);
    reply.headers().set("streamtype", type);
    ctx.write(reply);
    if (syn.isLast() && inputs.containsKey(id)) {
      inputs.get(id).end();
    }
    if (command != null && !commandStarted && commandStreams.size() == expectedCommandStreams()) {
      startCommand();
    }
  }

  private boolean onCommandStream(String type, int id) {
    if (type == null || commandStarted || commandStreams.containsKey(type)) {
      return false;
    }
    switch (type) {
      case "stdin", "resize" -> inputs.put(id, new FrameInput(gate));
      case "stdout", "stderr", "error" -> outputs.put(id, new FrameOutput(channel, framer(id)));
      default -> {
        return false;
      }
    }
    commandStreams.put(type, id);
    return true;
  }

  private int expectedCommandStreams() {
    int n = 1; // error
    n += command.stdin() ? 1 : 0;
    n += command.stdout() ? 1 : 0;
    n += command.stderr() && !command.tty() ? 1 : 0;
    n += command.tty() && Protocols.spdyResize(protocol) ? 1 : 0;
    return n;
  }

  private void startCommand() {
    commandStarted = true;
    var streams =
        new RemoteCommand.Streams(
            command.stdin() ? inputs.get(commandStreams.get("stdin")) : null,
            command.stdout() ? outputs.get(commandStreams.get("stdout")) : null,
            command.stderr() && !command.tty() ? outputs.get(commandStreams.get("stderr")) : null,
            outputs.get(commandStreams.get("error")),
            commandStreams.containsKey("resize") ? inputs.get(commandStreams.get("resize")) : null);
    RemoteCommand.start(command, protocol, backend, channel, streams, this::finish);
  }

  /** Tells the client the session is over; it closes the connection once it has read everything. */
  private void finish() {
    channel
        .eventLoop()
        .execute(
            () -> {
              channel.writeAndFlush(new DefaultSpdyGoAwayFrame(lastClientStream));
              channel
                  .eventLoop()
                  .schedule(
                      () -> {
                        channel.close();
                      },
                      CLOSE_GRACE_SECONDS,
                      TimeUnit.SECONDS);
            });
  }

  private void onData(ChannelHandlerContext ctx, SpdyDataFrame data) {
    int id = data.streamId();
    int n = data.content().readableBytes();
    FrameInput input = inputs.get(id);
    if (input != null) {
      input.offer(data.content());
      if (data.isLast()) {
        input.end();
      }
    }
    if (n > 0) {
      ctx.write(new DefaultSpdyWindowUpdateFrame(id, n));
      ctx.write(new DefaultSpdyWindowUpdateFrame(0, n));
    }
  }

  private void onReset(int id) {
    FrameInput input = inputs.get(id);
    if (input != null) {
      input.end();
    }
    FrameOutput output = outputs.get(id);
    if (output != null) {
      output.reset();
    }
  }

  /** Data frames of one stream. */
  static FrameOutput.Framer framer(int streamId) {
    return new FrameOutput.Framer() {
      @Override
      public Object data(ByteBufAllocator alloc, byte[] b, int off, int len) {
        return new DefaultSpdyDataFrame(streamId, alloc.buffer(len).writeBytes(b, off, len));
      }

      @Override
      public Object end() {
        return new DefaultSpdyDataFrame(streamId).setLast(true);
      }
    };
  }
}
