package io.jcri.runtime.streaming;

import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PortForwardRequest;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The CRI streaming server: Exec, Attach and PortForward hand out a URL here, and the client
 * (kubelet, crictl, kubectl through the API server) connects to it and upgrades to SPDY/3.1 or
 * WebSocket. Each URL carries a random token that works once, within the configured time.
 */
public final class StreamingServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(StreamingServer.class.getName());
  // the request line and headers of the upgrade; these requests have no body
  private static final int MAX_REQUEST = 64 * 1024;

  private final EventLoopGroup group;
  private final Channel server;
  private final Tokens tokens;
  private final String baseUrl;

  private StreamingServer(EventLoopGroup group, Channel server, Tokens tokens, String baseUrl) {
    this.group = group;
    this.server = server;
    this.tokens = tokens;
    this.baseUrl = baseUrl;
  }

  public static StreamingServer start(StreamingOptions options, StreamingBackend backend)
      throws IOException {
    SslContext ssl =
        options.tls()
            ? SslContextBuilder.forServer(options.tlsCert().toFile(), options.tlsKey().toFile())
                .build()
            : null;
    Tokens tokens = new Tokens(options.tokenTtl());
    // sessions block on virtual threads, never here: one thread per core covers the framing work
    EventLoopGroup group =
        new NioEventLoopGroup(
            Runtime.getRuntime().availableProcessors(),
            new DefaultThreadFactory("jcri-streaming", true));
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (ssl != null) {
                      ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()));
                    }
                    ch.pipeline().addLast("http-codec", new HttpServerCodec());
                    ch.pipeline().addLast("http-aggregator", new HttpObjectAggregator(MAX_REQUEST));
                    ch.pipeline().addLast("router", new HttpRouter(tokens, backend, ssl != null));
                  }
                });
    InetAddress address = InetAddress.getByName(options.address());
    Channel server;
    try {
      server = bootstrap.bind(new InetSocketAddress(address, options.port())).sync().channel();
    } catch (Exception e) {
      group.shutdownGracefully();
      throw new IOException(
          "streaming server cannot listen on "
              + options.address()
              + ":"
              + options.port()
              + ": "
              + e.getMessage(),
          e);
    }
    int port = ((InetSocketAddress) server.localAddress()).getPort();
    String host =
        address.getHostAddress().contains(":")
            ? "[" + address.getHostAddress() + "]"
            : address.getHostAddress();
    String baseUrl = (ssl != null ? "https://" : "http://") + host + ":" + port;
    LOG.info(
        "event=streaming_server_started url="
            + baseUrl
            + " token_ttl_ms="
            + options.tokenTtl().toMillis());
    return new StreamingServer(group, server, tokens, baseUrl);
  }

  public String execUrl(ExecRequest req) {
    return baseUrl + "/exec/" + tokens.issue(req);
  }

  public String attachUrl(AttachRequest req) {
    return baseUrl + "/attach/" + tokens.issue(req);
  }

  public String portForwardUrl(PortForwardRequest req) {
    return baseUrl + "/portforward/" + tokens.issue(req);
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** Stops listening and ends every open session (their backends are interrupted). */
  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
