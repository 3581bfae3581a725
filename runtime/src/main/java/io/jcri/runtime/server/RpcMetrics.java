package io.jcri.runtime.server;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.jcri.runtime.metrics.DaemonMetrics;

/** Times every CRI RPC from its arrival to its status and counts it by method and status code. */
public final class RpcMetrics implements ServerInterceptor {
  private final DaemonMetrics metrics;

  public RpcMetrics(DaemonMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    long started = System.nanoTime();
    String method = call.getMethodDescriptor().getBareMethodName();
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            metrics.rpc(method, status.getCode().name(), System.nanoTime() - started);
            super.close(status, trailers);
          }
        },
        headers);
  }
}
