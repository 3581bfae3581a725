package io.jcri.runtime.streaming;

import io.jcri.cri.v1.AttachRequest;
import io.jcri.cri.v1.ExecRequest;
import io.jcri.cri.v1.PortForwardRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The one HTTP request of a streaming connection: {@code /exec/<token>}, {@code /attach/<token>} or
 * {@code /portforward/<token>}. It consumes the token and upgrades the connection to SPDY/3.1 or
 * WebSocket; from then on the connection belongs to {@link SpdyConnection} or {@link
 * WebSocketConnection}.
 */
final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = Logger.getLogger(HttpRouter.class.getName());
  private static final String PROTOCOL_HEADER = "X-Stream-Protocol-Version";
  private static final int MAX_WEBSOCKET_MESSAGE = 1 << 20;

  private final Tokens tokens;
  private final StreamingBackend backend;
  private final boolean tls;

  HttpRouter(Tokens tokens, StreamingBackend backend, boolean tls) {
    this.tokens = tokens;
    this.backend = backend;
    this.tls = tls;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    QueryStringDecoder uri = new QueryStringDecoder(req.uri());
    String[] parts = uri.path().split("/");
    Object request = parts.length == 3 && parts[0].isEmpty() ? tokens.consume(parts[2]) : null;
    if (request == null || !parts[1].equals(endpoint(request))) {
      respond(ctx, HttpResponseStatus.NOT_FOUND, "unknown or expired stream token\n");
      return;
    }
    String upgrade = req.headers().get(HttpHeaderNames.UPGRADE, "");
    if (upgrade.equalsIgnoreCase("websocket")) {
      upgradeToWebSocket(ctx, req, request, uri);
    } else if (upgrade.equalsIgnoreCase("SPDY/3.1")) {
      upgradeToSpdy(ctx, req, request);
    } else {
      respond(ctx, HttpResponseStatus.BAD_REQUEST, "upgrade to SPDY/3.1 or websocket required\n");
    }
  }

  private static String endpoint(Object request) {
    return switch (request) {
      case ExecRequest e -> "exec";
      case AttachRequest a -> "attach";
      case PortForwardRequest p -> "portforward";
      default -> "";
    };
  }

  private void upgradeToSpdy(ChannelHandlerContext ctx, FullHttpRequest req, Object request) {
    List<String> offered = new ArrayList<>();
    for (String value : req.headers().getAll(PROTOCOL_HEADER)) {
      for (String p : value.split(",")) {
        if (!p.isBlank()) {
          offered.add(p.strip());
        }
      }
    }
    List<String> supported =
        request instanceof PortForwardRequest
            ? Protocols.SPDY_PORT_FORWARD
            : Protocols.SPDY_COMMAND;
    String protocol = Protocols.negotiate(offered, supported);
    if (protocol == null) {
      respond(
          ctx,
          HttpResponseStatus.FORBIDDEN,
          "unable to upgrade: none of the requested protocols "
              + offered
              + " is supported; supported: "
              + supported
              + "\n");
      return;
    }
    FullHttpResponse switching =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
    switching
        .headers()
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
        .set(HttpHeaderNames.UPGRADE, "SPDY/3.1")
        .set(PROTOCOL_HEADER, protocol);
    // The response is encoded as it is written, so the HTTP codec can go right after; whatever
    // the client sends next is SPDY and reaches the frame codec.
    ctx.writeAndFlush(switching);
    ChannelPipeline p = ctx.pipeline();
    p.replace(this, "spdy-connection", new SpdyConnection(request, protocol, backend));
    p.remove(HttpObjectAggregator.class);
    p.replace(HttpServerCodec.class, "spdy-codec", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
    LOG.fine("event=stream_upgraded transport=spdy protocol=" + protocol);
  }

  private void upgradeToWebSocket(
      ChannelHandlerContext ctx, FullHttpRequest req, Object request, QueryStringDecoder uri) {
    List<Integer> ports = List.of();
    List<String> supported =
        request instanceof PortForwardRequest
            ? Protocols.WEBSOCKET_PORT_FORWARD
            : Protocols.WEBSOCKET_COMMAND;
    if (request instanceof PortForwardRequest pf) {
      try {
        ports =
            uri.parameters().containsKey("port")
                ? uri.parameters().get("port").stream().map(Integer::valueOf).toList()
                : pf.getPortList();
      } catch (NumberFormatException e) {
        ports = List.of();
      }
      if (ports.isEmpty() || ports.stream().anyMatch(port -> port < 1 || port > 65535)) {
        respond(
            ctx, HttpResponseStatus.BAD_REQUEST, "port forward over websocket needs valid ports\n");
        return;
      }
    }
    String location =
        (tls ? "wss://" : "ws://")
            + req.headers().get(HttpHeaderNames.HOST, "localhost")
            + uri.path();
    WebSocketServerHandshaker handshaker =
        new WebSocketServerHandshakerFactory(
                location, String.join(",", supported), false, MAX_WEBSOCKET_MESSAGE)
            .newHandshaker(req);
    if (handshaker == null) {
      WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
      return;
    }
    WebSocketConnection connection = new WebSocketConnection(request, ports, backend);
    ChannelPipeline p = ctx.pipeline();
    p.addBefore(ctx.name(), "ws-aggregator", new WebSocketFrameAggregator(MAX_WEBSOCKET_MESSAGE));
    p.replace(this, "ws-connection", connection);
    handshaker
        .handshake(ctx.channel(), req)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                LOG.info("event=websocket_handshake_failed error=\"" + f.cause() + "\"");
                ctx.channel().close();
                return;
              }
              String selected = handshaker.selectedSubprotocol();
              String protocol = selected == null ? supported.getLast() : selected;
              LOG.fine("event=stream_upgraded transport=websocket protocol=" + protocol);
              connection.start(protocol);
            });
  }

  private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    HttpUtil.setContentLength(response, response.content().readableBytes());
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.info(
        "event=stream_request_error remote="
            + ctx.channel().remoteAddress()
            + " error=\""
            + cause
            + "\"");
    ctx.close();
  }
}
