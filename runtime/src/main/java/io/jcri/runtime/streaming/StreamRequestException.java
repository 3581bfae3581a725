package io.jcri.runtime.streaming;

import io.grpc.Status;
import io.jcri.runtime.server.GrpcErrors;

/** An Exec, Attach or PortForward request the streaming server refuses, with the gRPC code it means. */
public final class StreamRequestException extends RuntimeException implements GrpcErrors.DomainError {
  private final Status.Code code;

  StreamRequestException(Status.Code code, String message) {
    super(message);
    this.code = code;
  }

  @Override
  public Status.Code grpcCode() {
    return code;
  }
}
