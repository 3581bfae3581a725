package io.jcri.runtime.server;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * The gRPC server on jcrid's Unix socket: root-only, one event loop, handlers on virtual threads
 * except the {@link #INLINE} ones, which answer on the event loop itself.
 */
public final class GrpcEndpoint implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(GrpcEndpoint.class.getName());
  private static final int MAX_MESSAGE_BYTES = 16 << 20;

  /**
   * RPCs that read only in-memory state (volatile records, no lock a lifecycle RPC holds, no
   * process, no network): answered on the event loop, without the hand-off to a virtual thread and
   * back. On a node whose CPUs are busy each hand-off waits for a CPU; these are the calls kubelet
   * makes most (docs/performance.md, "Session 6").
   */
  static final Set<String> INLINE =
      Set.of(
          RuntimeServiceGrpc.getVersionMethod().getFullMethodName(),
          RuntimeServiceGrpc.getPodSandboxStatusMethod().getFullMethodName(),
          RuntimeServiceGrpc.getContainerStatusMethod().getFullMethodName(),
          RuntimeServiceGrpc.getListPodSandboxMethod().getFullMethodName(),
          RuntimeServiceGrpc.getListContainersMethod().getFullMethodName());

  private final Path socket;
  private final Server server;
  private final EventLoopGroup loop;
  private final ExecutorService handlers;

  private GrpcEndpoint(Path socket, Server server, EventLoopGroup loop, ExecutorService handlers) {
    this.socket = socket;
    this.server = server;
    this.loop = loop;
    this.handlers = handlers;
  }

  /**
   * Binds socket (replacing a stale socket file, refusing a live one) and starts serving through
   * interceptors. The {@link #INLINE} reads answer on the event loop while inlineReads says so (not
   * while the {@link StartupGate} holds them: waiting is for virtual threads).
   */
  public static GrpcEndpoint start(
      Path socket,
      List<ServerServiceDefinition> services,
      List<ServerInterceptor> interceptors,
      BooleanSupplier inlineReads)
      throws IOException {
    Files.createDirectories(socket.getParent());
    if (Files.exists(socket)) {
      if (isLive(socket)) {
        throw new IOException(
            "another process is serving on " + socket + "; stop it or choose another --listen");
      }
      Files.delete(socket);
      LOG.info("event=stale_socket_removed path=" + socket);
    }
    EventLoopGroup loop = new EpollEventLoopGroup(1);
    ExecutorService handlers =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("rpc-", 0).factory());
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(loop)
            .workerEventLoopGroup(loop)
            // the call's start (method lookup, interceptors) runs on the loop; then every RPC but
            // the inline ones moves to a virtual thread before its request is read
            .directExecutor()
            .callExecutor(
                new ServerCallExecutorSupplier() {
                  @Override
                  public <Q, A> Executor getExecutor(ServerCall<Q, A> call, Metadata headers) {
                    return inlineReads.getAsBoolean()
                            && INLINE.contains(call.getMethodDescriptor().getFullMethodName())
                        ? null
                        : handlers;
                  }
                })
            .maxInboundMessageSize(MAX_MESSAGE_BYTES);
    services.forEach(builder::addService);
    interceptors.forEach(builder::intercept);
    Server server = builder.build().start();
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
    return new GrpcEndpoint(socket, server, loop, handlers);
  }

  private static boolean isLive(Path socket) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Stops accepting, lets in-flight RPCs finish within grace, then cuts the rest and removes the
   * socket.
   */
  public void shutdown(Duration grace) {
    server.shutdown();
    try {
      if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warning(
            "event=shutdown_forced reason=\"RPCs still running after "
                + grace.toMillis()
                + " ms\"");
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    handlers.shutdownNow();
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      LOG.warning(
          "event=socket_remove_failed path=" + socket + " error=\"" + e.getMessage() + "\"");
    }
  }

  @Override
  public void close() {
    shutdown(Duration.ZERO);
  }
}
