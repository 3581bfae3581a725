package io.jcri.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.ContainerStatusResponse;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.StopContainerRequest;
import io.jcri.cri.v1.StopContainerResponse;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The endpoint answers the in-memory reads on its event loop and runs every other RPC on a virtual
 * thread.
 */
class GrpcEndpointTest {
  @TempDir Path dir;

  /** Records on which thread each RPC ran. */
  private static final class Recording extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    final Map<String, Thread> threads = new ConcurrentHashMap<>();

    @Override
    public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
      answer("Version", out, VersionResponse.getDefaultInstance());
    }

    @Override
    public void containerStatus(
        ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
      answer("ContainerStatus", out, ContainerStatusResponse.getDefaultInstance());
    }

    @Override
    public void stopContainer(
        StopContainerRequest request, StreamObserver<StopContainerResponse> out) {
      answer("StopContainer", out, StopContainerResponse.getDefaultInstance());
    }

    private <T> void answer(String rpc, StreamObserver<T> out, T response) {
      threads.put(rpc, Thread.currentThread());
      out.onNext(response);
      out.onCompleted();
    }
  }

  @Test
  void readsAnswerOnTheEventLoopAndTheRestOnVirtualThreads() throws Exception {
    Recording service = new Recording();
    Path socket = dir.resolve("jcri.sock");
    GrpcEndpoint endpoint =
        GrpcEndpoint.start(socket, List.of(service.bindService()), List.of(), () -> true);
    EventLoopGroup loop = new EpollEventLoopGroup(1);
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(loop)
            .usePlaintext()
            .build();
    try {
      var stub = RuntimeServiceGrpc.newBlockingStub(channel);
      stub.version(VersionRequest.getDefaultInstance());
      stub.containerStatus(ContainerStatusRequest.newBuilder().setContainerId("c").build());
      stub.stopContainer(StopContainerRequest.newBuilder().setContainerId("c").build());
    } finally {
      channel.shutdownNow();
      loop.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      endpoint.shutdown(Duration.ZERO);
    }
    assertFalse(service.threads.get("Version").isVirtual(), "Version on the event loop");
    assertFalse(service.threads.get("ContainerStatus").isVirtual(), "ContainerStatus inline");
    assertEquals(service.threads.get("Version"), service.threads.get("ContainerStatus"));
    assertTrue(service.threads.get("StopContainer").isVirtual(), "StopContainer off the loop");
  }
}
