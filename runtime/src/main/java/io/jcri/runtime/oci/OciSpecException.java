package io.jcri.runtime.oci;

import io.grpc.Status;
import io.jcri.runtime.server.GrpcErrors;

/** The CRI request cannot be turned into a runtime spec; the message says what to change. */
public final class OciSpecException extends Exception implements GrpcErrors.DomainError {
  public enum Reason { INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, INTERNAL }

  private final Reason reason;

  public OciSpecException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public OciSpecException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  @Override
  public Status.Code grpcCode() {
    return switch (reason) {
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
      case INTERNAL -> Status.Code.INTERNAL;
    };
  }

  static OciSpecException invalid(String message) {
    return new OciSpecException(Reason.INVALID_ARGUMENT, message);
  }
}
