package io.jcri.runtime.server;

import io.grpc.Status;

/** A failure that the caller can act on, with the gRPC code that says how. */
public final class CriException extends RuntimeException {
  private final Status.Code code;

  public CriException(Status.Code code, String message) {
    super(message);
    this.code = code;
  }

  public CriException(Status.Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Status.Code code() {
    return code;
  }

  public static CriException invalid(String message) {
    return new CriException(Status.Code.INVALID_ARGUMENT, message);
  }

  public static CriException notFound(String message) {
    return new CriException(Status.Code.NOT_FOUND, message);
  }

  public static CriException precondition(String message) {
    return new CriException(Status.Code.FAILED_PRECONDITION, message);
  }
}
