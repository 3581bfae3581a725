package io.jcri.runtime.streaming;

import io.jcri.cri.v1.PortForwardRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * A WebSocket connection after the handshake. Each binary message starts with a channel byte: for
 * exec and attach 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; for port forward, port {@code i}
 * of the request has data channel {@code 2i} and error channel {@code 2i+1}, each opened by the
 * server with the port as two little-endian bytes. In v5 the client sends {@code [255, channel]} to
 * close a channel (stdin end of file).
 */
final class WebSocketConnection extends ChannelInboundHandlerAdapter {
  private static final Logger LOG = Logger.getLogger(WebSocketConnection.class.getName());
  private static final int CLOSE_SIGNAL = 255;
  private static final int STDIN = 0;
  private static final int STDOUT = 1;
  private static final int STDERR = 2;
  private static final int ERROR = 3;
  private static final int RESIZE = 4;

  private final Object request;
  private final List<Integer> ports;
  private final StreamingBackend backend;
  private FrameInput[] inputs;
  private FrameOutput[] outputs;
  private String protocol;
  private Channel channel;

  /**
   * {@code ports} is used for port forward only: the ports the client asked for, in channel order.
   */
  WebSocketConnection(Object request, List<Integer> ports, StreamingBackend backend) {
    this.request = request;
    this.ports = ports;
    this.backend = backend;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    FrameInput.ReadGate gate = new FrameInput.ReadGate(channel);
    int channels = request instanceof PortForwardRequest ? 2 * ports.size() : 5;
    inputs = new FrameInput[channels];
    outputs = new FrameOutput[channels];
    if (request instanceof PortForwardRequest) {
      for (int i = 0; i < ports.size(); i++) {
        inputs[2 * i] = new FrameInput(gate);
        outputs[2 * i] = new FrameOutput(channel, framer(2 * i));
        outputs[2 * i + 1] = new FrameOutput(channel, framer(2 * i + 1));
      }
      return;
    }
    RemoteCommand.Request command = RemoteCommand.Request.of(request);
    if (command.stdin()) {
      inputs[STDIN] = new FrameInput(gate);
    }
    if (command.stdout()) {
      outputs[STDOUT] = new FrameOutput(channel, framer(STDOUT));
    }
    if (command.stderr() && !command.tty()) {
      outputs[STDERR] = new FrameOutput(channel, framer(STDERR));
    }
    outputs[ERROR] = new FrameOutput(channel, framer(ERROR));
    if (command.tty()) {
      inputs[RESIZE] = new FrameInput(gate);
    }
  }

  /** Starts the session once the handshake response is on its way. */
  void start(String negotiated) {
    protocol = negotiated;
    if (request instanceof PortForwardRequest pf) {
      startPortForward(pf);
      return;
    }
    var streams =
        new RemoteCommand.Streams(
            inputs[STDIN], outputs[STDOUT], outputs[STDERR], outputs[ERROR], inputs[RESIZE]);
    RemoteCommand.start(
        RemoteCommand.Request.of(request), protocol, backend, channel, streams, this::close);
  }

  private void startPortForward(PortForwardRequest pf) {
    AtomicInteger running = new AtomicInteger(ports.size());
    for (int i = 0; i < ports.size(); i++) {
      int port = ports.get(i);
      byte[] prefix = {(byte) port, (byte) (port >> 8)};
      // written here, on the event loop, so they precede anything the forwarding threads send
      channel.write(framer(2 * i).data(channel.alloc(), prefix, 0, 2));
      channel.write(framer(2 * i + 1).data(channel.alloc(), prefix, 0, 2));
      ForwardedPort.start(
          backend,
          pf.getPodSandboxId(),
          port,
          channel,
          inputs[2 * i],
          outputs[2 * i],
          outputs[2 * i + 1],
          () -> {
            if (running.decrementAndGet() == 0) {
              close();
            }
          });
    }
    channel.flush();
  }

  private void close() {
    channel
        .writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
        .addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      switch (msg) {
        case BinaryWebSocketFrame frame -> onMessage(frame.content());
        case PingWebSocketFrame ping ->
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
        case CloseWebSocketFrame close ->
            ctx.writeAndFlush(new CloseWebSocketFrame(close.statusCode(), close.reasonText()))
                .addListener(ChannelFutureListener.CLOSE);
        default -> {
          // text (base64) channels are not offered, pongs need no answer
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onMessage(ByteBuf content) {
    if (!content.isReadable()) {
      return;
    }
    int ch = content.readUnsignedByte();
    if (ch == CLOSE_SIGNAL && Protocols.V5.equals(protocol)) {
      if (content.isReadable()) {
        int closed = content.readUnsignedByte();
        if (closed < inputs.length && inputs[closed] != null) {
          inputs[closed].end();
        }
      }
      return;
    }
    if (ch < inputs.length && inputs[ch] != null) {
      inputs[ch].offer(content);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    for (FrameInput in : inputs) {
      if (in != null) {
        in.end();
      }
    }
    for (FrameOutput out : outputs) {
      if (out != null) {
        out.reset();
      }
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.info(
        "event=websocket_connection_error remote="
            + ctx.channel().remoteAddress()
            + " error=\""
            + cause
            + "\"");
    ctx.close();
  }

  private static FrameOutput.Framer framer(int channelNumber) {
    return new FrameOutput.Framer() {
      @Override
      public Object data(ByteBufAllocator alloc, byte[] b, int off, int len) {
        return new BinaryWebSocketFrame(
            alloc.buffer(len + 1).writeByte(channelNumber).writeBytes(b, off, len));
      }

      @Override
      public Object end() {
        return null;
      }
    };
  }
}
