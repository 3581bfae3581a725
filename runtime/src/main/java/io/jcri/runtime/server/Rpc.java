package io.jcri.runtime.server;

import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** Runs one unary RPC body and answers either its value or the mapped status. */
final class Rpc {
  private Rpc() {}

  static <T> void answer(String rpc, StreamObserver<T> observer, Callable<T> body) {
    T value;
    try {
      value = body.call();
    } catch (Throwable e) {
      observer.onError(GrpcErrors.toStatus(rpc, e));
      return;
    }
    observer.onNext(value);
    observer.onCompleted();
  }

  /** Items per message of the Stream* RPCs: far below the 16 MiB message limit for any item. */
  private static final int CHUNK = 500;

  /** Answers a server-streaming list RPC in chunks of at least one item, then completes. */
  static <I, T> void stream(
      String rpc, StreamObserver<T> observer, List<I> items, Function<List<I>, T> chunk) {
    try {
      for (int i = 0; i < items.size(); i += CHUNK) {
        observer.onNext(chunk.apply(items.subList(i, Math.min(items.size(), i + CHUNK))));
      }
    } catch (Throwable e) {
      observer.onError(GrpcErrors.toStatus(rpc, e));
      return;
    }
    observer.onCompleted();
  }
}
