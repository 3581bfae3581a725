package io.jcri.runtime.server;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.Callable;

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
}
