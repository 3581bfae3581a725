package io.jcri.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.jcri.cri.v1.ContainerEventResponse;
import io.jcri.cri.v1.GetEventsRequest;
import io.jcri.runtime.container.Containers;
import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.sandbox.Sandboxes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GetContainerEvents under gRPC flow control: a subscriber that does not read costs bounded memory.
 */
class ContainerEventsTest {
  @TempDir Path dir;
  private final LifecycleEvents events = new LifecycleEvents();
  private ContainerRpcs rpcs;

  @BeforeEach
  void setUp() {
    rpcs =
        new ContainerRpcs(
            new RuntimeServer.Lifecycle(
                null,
                new Sandboxes(dir.resolve("sandboxes")),
                null,
                null,
                null,
                new Containers(dir.resolve("containers"))),
            null,
            events);
  }

  private void publish(int n) {
    for (int i = 0; i < n; i++) {
      events.publish("c" + i, "pod", LifecycleEvents.Kind.STARTED);
    }
  }

  @Test
  void eventsWaitWhileTheTransportIsNotReadyAndFollowInOrderOnReady() {
    FakeCall call = new FakeCall();
    rpcs.getContainerEvents(GetEventsRequest.getDefaultInstance(), call);
    call.ready = false;
    publish(10);
    assertEquals(0, call.sent.size(), "nothing is pushed past gRPC's flow control");
    call.ready = true;
    call.onReady.run();
    assertEquals(10, call.sent.size());
    assertEquals("c0", call.sent.getFirst().getContainerId());
    assertEquals("c9", call.sent.getLast().getContainerId());
    publish(1);
    assertEquals(11, call.sent.size(), "a ready subscriber gets events at once");
  }

  @Test
  void aSubscriberThatNeverReadsIsCutOffWithABoundedQueue() {
    FakeCall slow = new FakeCall();
    FakeCall fast = new FakeCall();
    rpcs.getContainerEvents(GetEventsRequest.getDefaultInstance(), slow);
    rpcs.getContainerEvents(GetEventsRequest.getDefaultInstance(), fast);
    slow.ready = false;
    publish(EventStream.MAX_BEHIND * 3);
    assertEquals(0, slow.sent.size());
    assertEquals(
        Status.Code.RESOURCE_EXHAUSTED,
        slow.error == null ? null : Status.fromThrowable(slow.error).getCode(),
        "the slow subscriber is disconnected once too far behind");
    assertEquals(
        EventStream.MAX_BEHIND * 3, fast.sent.size(), "a reading subscriber misses nothing");
    slow.ready = true;
    slow.onReady.run();
    assertEquals(0, slow.sent.size(), "nothing follows the error");
  }

  @Test
  void aCancelledSubscriberIsForgotten() {
    FakeCall call = new FakeCall();
    rpcs.getContainerEvents(GetEventsRequest.getDefaultInstance(), call);
    call.ready = false;
    publish(5);
    call.onCancel.run();
    call.ready = true;
    call.onReady.run();
    publish(5);
    assertEquals(0, call.sent.size());
    assertNull(call.error);
  }

  /** The transport's side of one call: ready or not, recording what the server sends. */
  private static final class FakeCall extends ServerCallStreamObserver<ContainerEventResponse> {
    final List<ContainerEventResponse> sent = new ArrayList<>();
    volatile boolean ready = true;
    Throwable error;
    Runnable onReady = () -> {};
    Runnable onCancel = () -> {};

    @Override
    public boolean isReady() {
      return ready;
    }

    @Override
    public void setOnReadyHandler(Runnable handler) {
      onReady = handler;
    }

    @Override
    public void setOnCancelHandler(Runnable handler) {
      onCancel = handler;
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void setCompression(String compression) {}

    @Override
    public void disableAutoInboundFlowControl() {}

    @Override
    public void request(int count) {}

    @Override
    public void setMessageCompression(boolean enable) {}

    @Override
    public void onNext(ContainerEventResponse value) {
      sent.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}
  }
}
