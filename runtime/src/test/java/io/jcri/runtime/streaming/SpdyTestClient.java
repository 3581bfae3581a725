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
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A SPDY/3.1 client as kubectl and crictl speak it: an HTTP upgrade, then streams the client opens.
 */
public final class SpdyTestClient implements AutoCloseable {
  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final CompletableFuture<FullHttpResponse> upgraded = new CompletableFuture<>();
  private final Map<Integer, ByteArrayOutputStream> received = new ConcurrentHashMap<>();
  private final Map<Integer, CountDownLatch> finished = new ConcurrentHashMap<>();
  private final Map<Integer, AtomicLong> counted = new ConcurrentHashMap<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile boolean goAway;
  private Channel channel;
  private int nextStreamId = 1;
  private int status;
  private String protocol;

  /** Connects and upgrades; {@link #status()} tells whether the server switched protocols (101). */
  public static SpdyTestClient connect(String url, List<String> protocols) throws Exception {
    SpdyTestClient client = new SpdyTestClient();
    client.open(URI.create(url), protocols);
    return client;
  }

  private void open(URI uri, List<String> protocols) throws Exception {
    channel =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast("http", new HttpClientCodec());
                    ch.pipeline().addLast("aggregator", new HttpObjectAggregator(1 << 16));
                    ch.pipeline()
                        .addLast(
                            "upgrade",
                            new SimpleChannelInboundHandler<FullHttpResponse>() {
                              @Override
                              protected void channelRead0(
                                  ChannelHandlerContext ctx, FullHttpResponse response) {
                                if (response.status().code() == 101) {
                                  ctx.pipeline().replace(this, "frames", new FrameHandler());
                                  ctx.pipeline().remove("aggregator");
                                  ctx.pipeline()
                                      .replace(
                                          "http", "spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
                                }
                                upgraded.complete(response.retainedDuplicate());
                              }
                            });
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
              upgraded.completeExceptionally(
                  new IllegalStateException("connection closed before the response"));
            });
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri.getRawPath());
    request
        .headers()
        .set(HttpHeaderNames.HOST, uri.getHost() + ":" + uri.getPort())
        .set(HttpHeaderNames.CONNECTION, "Upgrade")
        .set(HttpHeaderNames.UPGRADE, "SPDY/3.1")
        .set(HttpHeaderNames.CONTENT_LENGTH, 0);
    for (String p : protocols) {
      request.headers().add("X-Stream-Protocol-Version", p);
    }
    channel.writeAndFlush(request);
    FullHttpResponse response = upgraded.get(10, TimeUnit.SECONDS);
    status = response.status().code();
    protocol = response.headers().get("X-Stream-Protocol-Version");
    response.release();
  }

  public int status() {
    return status;
  }

  public String protocol() {
    return protocol;
  }

  /** Opens a stream with these headers and returns its id. */
  public synchronized int openStream(Map<String, String> headers) {
    int id = nextStreamId;
    nextStreamId += 2;
    received.put(id, new ByteArrayOutputStream());
    finished.put(id, new CountDownLatch(1));
    SpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
    headers.forEach(syn.headers()::set);
    channel.writeAndFlush(syn);
    return id;
  }

  public int openStream(String type) {
    return openStream(Map.of("streamtype", type));
  }

  /** From now on the stream's bytes are only counted (for throughput runs). */
  public void countOnly(int stream) {
    counted.put(stream, new AtomicLong());
  }

  public long counted(int stream) {
    return counted.get(stream).get();
  }

  public void send(int stream, byte[] data) {
    channel.writeAndFlush(new DefaultSpdyDataFrame(stream, Unpooled.wrappedBuffer(data)));
  }

  public void send(int stream, String text) {
    send(stream, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Half-closes the stream: the server reads end of file. */
  public void finish(int stream) {
    channel.writeAndFlush(new DefaultSpdyDataFrame(stream).setLast(true));
  }

  /** Waits for the server to end the stream, then returns all it sent on it. */
  public String awaitText(int stream, Duration timeout) throws InterruptedException {
    awaitEnd(stream, timeout);
    return text(stream);
  }

  public void awaitEnd(int stream, Duration timeout) throws InterruptedException {
    if (!finished.get(stream).await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("stream " + stream + " not finished; so far: " + text(stream));
    }
  }

  public String text(int stream) {
    ByteArrayOutputStream buf = received.get(stream);
    synchronized (buf) {
      return buf.toString(StandardCharsets.UTF_8);
    }
  }

  public int bytesReceived(int stream) {
    ByteArrayOutputStream buf = received.get(stream);
    synchronized (buf) {
      return buf.size();
    }
  }

  public boolean goAway() {
    return goAway;
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

  private final class FrameHandler extends SimpleChannelInboundHandler<SpdyFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, SpdyFrame frame) {
      switch (frame) {
        case SpdyDataFrame data -> {
          ByteArrayOutputStream buf = received.get(data.streamId());
          AtomicLong count = counted.get(data.streamId());
          if (count != null) {
            count.addAndGet(data.content().readableBytes());
            if (data.isLast()) {
              finished.get(data.streamId()).countDown();
            }
          } else if (buf != null) {
            synchronized (buf) {
              byte[] bytes = new byte[data.content().readableBytes()];
              data.content().readBytes(bytes);
              buf.writeBytes(bytes);
            }
            if (data.isLast()) {
              finished.get(data.streamId()).countDown();
            }
          }
        }
        case SpdyRstStreamFrame rst ->
            finished.getOrDefault(rst.streamId(), new CountDownLatch(1)).countDown();
        case SpdyGoAwayFrame g -> goAway = true;
        default -> {}
      }
    }
  }
}
