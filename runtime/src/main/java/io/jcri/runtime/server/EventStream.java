package io.jcri.runtime.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.jcri.cri.v1.ContainerEventResponse;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * One GetContainerEvents subscriber's queue. Events are sent while gRPC's transport is ready for
 * them (flow control) and wait here while it is not; a subscriber that falls {@link #MAX_BEHIND}
 * events behind is disconnected with RESOURCE_EXHAUSTED rather than sent a stream with holes: its
 * client (kubelet) relists and subscribes again. Memory per subscriber is bounded either way.
 */
final class EventStream implements Consumer<ContainerEventResponse> {
  private static final Logger LOG = Logger.getLogger(EventStream.class.getName());

  /** Events a subscriber may be behind: minutes of a busy node's lifecycle changes. */
  static final int MAX_BEHIND = 4096;

  private final ServerCallStreamObserver<ContainerEventResponse> call;
  private final ArrayDeque<ContainerEventResponse> queue = new ArrayDeque<>();
  private Runnable unsubscribe = () -> {};
  private boolean ended; // guarded by this, as are queue and every call to the observer

  EventStream(ServerCallStreamObserver<ContainerEventResponse> call) {
    this.call = call;
  }

  /** Sends queued events whenever the transport can take more, until the client cancels. */
  void start(Runnable unsubscribe) {
    synchronized (this) {
      this.unsubscribe = unsubscribe;
      if (ended) {
        unsubscribe.run(); // cut off before it was started
      }
    }
    call.setOnReadyHandler(this::drain);
    call.setOnCancelHandler(this::end);
  }

  /**
   * Queues one event without blocking the publisher; cuts the subscriber off when too far behind.
   */
  @Override
  public void accept(ContainerEventResponse event) {
    synchronized (this) {
      if (ended) {
        return;
      }
      if (queue.size() >= MAX_BEHIND) {
        LOG.warning(
            "event=event_subscriber_cut behind=" + queue.size() + " reason=not_reading_events");
        end();
        call.onError(
            Status.RESOURCE_EXHAUSTED
                .withDescription(
                    "GetContainerEvents: subscriber fell "
                        + MAX_BEHIND
                        + " events behind; subscribe again and relist")
                .asRuntimeException());
        return;
      }
      queue.add(event);
    }
    drain();
  }

  /** Events queued and not yet handed to the transport. */
  synchronized int behind() {
    return queue.size();
  }

  private synchronized void drain() {
    while (!ended && !queue.isEmpty() && call.isReady()) {
      call.onNext(queue.poll());
    }
  }

  private synchronized void end() {
    ended = true;
    queue.clear();
    unsubscribe.run();
  }
}
