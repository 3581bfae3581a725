package io.jcri.it.bench.compare;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.VersionRequest;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One CRI daemon under test (jcrid or containerd) run as a child process from a command line, with
 * a gRPC channel to its socket; start() measures exec to the first answered Version.
 */
final class Daemon implements AutoCloseable {
  private final String name;
  private final List<String> command;
  private final Path socket;
  private final Path log;
  private Process process;
  private EventLoopGroup loop;
  private ManagedChannel channel;

  Daemon(String name, List<String> command, Path socket, Path log) {
    this.name = name;
    this.command = command;
    this.socket = socket;
    this.log = log;
  }

  String name() {
    return name;
  }

  Path socket() {
    return socket;
  }

  long pid() {
    return process.pid();
  }

  /** Starts the process and returns the nanoseconds from exec to the first answered Version. */
  long start() throws IOException, InterruptedException {
    Files.deleteIfExists(socket);
    long t0 = System.nanoTime();
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    loop = new EpollEventLoopGroup(2);
    long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " exited with " + process.exitValue() + "; see " + log);
      }
      if (Files.exists(socket)) {
        if (channel == null) {
          channel =
              NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                  .channelType(EpollDomainSocketChannel.class)
                  .eventLoopGroup(loop)
                  .usePlaintext()
                  .maxInboundMessageSize(32 << 20)
                  .build();
        }
        try {
          RuntimeServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .version(VersionRequest.getDefaultInstance());
          return System.nanoTime() - t0;
        } catch (StatusRuntimeException e) {
          // not serving yet
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " did not answer Version within 60 s; see " + log);
      }
      Thread.sleep(2);
    }
  }

  RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.SECONDS);
  }

  ImageServiceGrpc.ImageServiceBlockingStub images() {
    return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(600, TimeUnit.SECONDS);
  }

  /** SIGTERM, then SIGKILL after 30 s. */
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow();
      channel = null;
      loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
