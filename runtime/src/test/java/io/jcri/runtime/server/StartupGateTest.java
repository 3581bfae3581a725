package io.jcri.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.ContainerStatus;
import io.jcri.cri.v1.ContainerStatusRequest;
import io.jcri.cri.v1.ContainerStatusResponse;
import io.jcri.cri.v1.Image;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListImagesResponse;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.StatusResponse;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through a real socket: Version answers while jcrid starts, RPCs that need the node wait for the
 * opened services and then run on them, a failed start answers UNAVAILABLE.
 */
class StartupGateTest {
  @TempDir Path dir;

  private final StartupGate gate = new StartupGate();
  private final AtomicInteger listed = new AtomicInteger();
  private GrpcEndpoint endpoint;
  private EventLoopGroup loop;
  private ManagedChannel channel;

  @BeforeEach
  void bind() throws IOException {
    Path socket = dir.resolve("jcri.sock");
    endpoint = GrpcEndpoint.start(socket, gate.services(), List.of(), gate::isOpen);
    loop = new EpollEventLoopGroup(1);
    channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(loop)
            .usePlaintext()
            .build();
  }

  @AfterEach
  void close() {
    channel.shutdownNow();
    loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    endpoint.close();
  }

  @Test
  void versionAnswersBeforeTheNodeIsOpen() {
    VersionResponse v = runtime(5).version(VersionRequest.getDefaultInstance());
    assertEquals("jcri", v.getRuntimeName());
    assertEquals("v1", v.getRuntimeApiVersion());
  }

  @Test
  void rpcsThatNeedTheNodeWaitForItThenRunOnTheOpenedServices() throws Exception {
    CompletableFuture<ListImagesResponse> images =
        CompletableFuture.supplyAsync(
            () ->
                ImageServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .listImages(ListImagesRequest.getDefaultInstance()));
    CompletableFuture<StatusResponse> status =
        CompletableFuture.supplyAsync(() -> runtime(30).status(StatusRequest.getDefaultInstance()));
    assertThrows(TimeoutException.class, () -> images.get(300, TimeUnit.MILLISECONDS));
    assertFalse(status.isDone(), "Status answered before the node was open");
    assertEquals(0, listed.get());

    gate.open(opened());
    assertEquals("sha256:opened", images.get(10, TimeUnit.SECONDS).getImages(0).getId());
    assertEquals("opened", status.get(10, TimeUnit.SECONDS).getInfoOrThrow("from"));
    assertEquals(1, listed.get());
    assertEquals(
        "opened-version",
        runtime(5).version(VersionRequest.getDefaultInstance()).getRuntimeVersion(),
        "once open, Version too runs on the opened services");
  }

  @Test
  void aReadWaitingForTheNodeLeavesTheEventLoopFree() throws Exception {
    // ContainerStatus answers on the event loop once open; while it waits it must not hold the loop
    CompletableFuture<ContainerStatusResponse> waiting =
        CompletableFuture.supplyAsync(
            () ->
                runtime(30)
                    .containerStatus(
                        ContainerStatusRequest.newBuilder().setContainerId("c").build()));
    Thread.sleep(200);
    assertEquals("jcri", runtime(2).version(VersionRequest.getDefaultInstance()).getRuntimeName());
    assertFalse(waiting.isDone());
    gate.open(opened());
    assertEquals("c", waiting.get(10, TimeUnit.SECONDS).getStatus().getId());
  }

  @Test
  void aFailedStartAnswersUnavailable() throws Exception {
    CompletableFuture<StatusResponse> waiting =
        CompletableFuture.supplyAsync(() -> runtime(30).status(StatusRequest.getDefaultInstance()));
    Thread.sleep(200);
    gate.fail(new IOException("image store unreadable"));
    ExecutionException e = assertThrows(ExecutionException.class, waiting::get);
    Status s = ((StatusRuntimeException) e.getCause()).getStatus();
    assertEquals(Status.Code.UNAVAILABLE, s.getCode(), s.toString());
    assertEquals("jcrid failed to start: image store unreadable", s.getDescription());
    StatusRuntimeException later =
        assertThrows(
            StatusRuntimeException.class,
            () -> runtime(5).status(StatusRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAVAILABLE, later.getStatus().getCode());
  }

  @Test
  void anRpcPastItsDeadlineWhileWaitingNeverRuns() throws Exception {
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                ImageServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                    .listImages(ListImagesRequest.getDefaultInstance()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    gate.open(opened());
    Thread.sleep(Duration.ofMillis(300));
    assertEquals(0, listed.get(), "the abandoned ListImages ran once the node was open");
    assertEquals(
        1,
        ImageServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .listImages(ListImagesRequest.getDefaultInstance())
            .getImagesCount());
    assertEquals(1, listed.get());
  }

  private RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime(int seconds) {
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(seconds, TimeUnit.SECONDS);
  }

  /** Stand-ins for the real services, whose answers show which ran. */
  private List<BindableService> opened() {
    return List.of(
        new RuntimeServiceGrpc.RuntimeServiceImplBase() {
          @Override
          public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
            out.onNext(VersionResponse.newBuilder().setRuntimeVersion("opened-version").build());
            out.onCompleted();
          }

          @Override
          public void containerStatus(
              ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
            out.onNext(
                ContainerStatusResponse.newBuilder()
                    .setStatus(ContainerStatus.newBuilder().setId(request.getContainerId()))
                    .build());
            out.onCompleted();
          }

          @Override
          public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
            out.onNext(StatusResponse.newBuilder().putInfo("from", "opened").build());
            out.onCompleted();
          }
        },
        new ImageServiceGrpc.ImageServiceImplBase() {
          @Override
          public void listImages(
              ListImagesRequest request, StreamObserver<ListImagesResponse> out) {
            listed.incrementAndGet();
            out.onNext(
                ListImagesResponse.newBuilder()
                    .addImages(Image.newBuilder().setId("sha256:opened"))
                    .build());
            out.onCompleted();
          }
        });
  }
}
