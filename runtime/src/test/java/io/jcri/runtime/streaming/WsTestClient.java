package io.jcri.runtime.streaming;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client of kubelet's channel protocol: binary messages whose first byte names the
 * channel.
 */
public final class WsTestClient implements AutoCloseable {
  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final CompletableFuture<Void> handshaken = new CompletableFuture<>();
  private final Map<Integer, ByteArrayOutputStream> received = new ConcurrentHashMap<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private WebSocketClientHandshaker handshaker;
  private Channel channel;

  public static WsTestClient connect(String url, String subprotocol) throws Exception {
    WsTestClient client = new WsTestClient();
    client.open(URI.create(url.replaceFirst("^http", "ws")), subprotocol);
    return client;
  }

  private void open(URI uri, String subprotocol) throws Exception {
    handshaker =
        WebSocketClientHandshakerFactory.newHandshaker(
            uri, WebSocketVersion.V13, subprotocol, false, new DefaultHttpHeaders(), 1 << 20);
    channel =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(
                            new HttpClientCodec(),
                            new HttpObjectAggregator(1 << 16),
                            new WebSocketClientProtocolHandler(handshaker),
                            new MessageHandler());
                  }
                })
            .connect(uri.getHost(), uri.getPort())
            .sync()
            .channel();
    channel
        .closeFuture()
        .addListener(
            f -> {
              closed.countDown();
              handshaken.completeExceptionally(
                  new IllegalStateException("closed during the handshake"));
            });
    handshaken.get(10, TimeUnit.SECONDS);
  }

  public String protocol() {
    return handshaker.actualSubprotocol();
  }

  public void send(int channelNumber, byte[] data) {
    byte[] message = new byte[data.length + 1];
    message[0] = (byte) channelNumber;
    System.arraycopy(data, 0, message, 1, data.length);
    sendRaw(message);
  }

  public void send(int channelNumber, String text) {
    send(channelNumber, text.getBytes(StandardCharsets.UTF_8));
  }

  public void sendRaw(byte[] message) {
    channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message)));
  }

  public byte[] bytes(int channelNumber) {
    ByteArrayOutputStream buf =
        received.computeIfAbsent(channelNumber, c -> new ByteArrayOutputStream());
    synchronized (buf) {
      return buf.toByteArray();
    }
  }

  public String text(int channelNumber) {
    return new String(bytes(channelNumber), StandardCharsets.UTF_8);
  }

  public boolean awaitClosed(Duration timeout) throws InterruptedException {
    return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().syncUninterruptibly();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class MessageHandler extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        handshaken.complete(null);
      }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, BinaryWebSocketFrame frame) {
      if (!frame.content().isReadable()) {
        return;
      }
      int ch = frame.content().readUnsignedByte();
      byte[] bytes = new byte[frame.content().readableBytes()];
      frame.content().readBytes(bytes);
      ByteArrayOutputStream buf = received.computeIfAbsent(ch, c -> new ByteArrayOutputStream());
      synchronized (buf) {
        buf.writeBytes(bytes);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      handshaken.completeExceptionally(cause);
      ctx.close();
    }
  }
}
