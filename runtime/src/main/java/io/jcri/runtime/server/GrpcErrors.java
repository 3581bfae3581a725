package io.jcri.runtime.server;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.jcri.sys.Failure;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place where failures become gRPC statuses. Every module throws {@link Failure} with the
 * kind it means; anything else is a bug or an environment fault and becomes INTERNAL with its
 * message (and, only then, a stack trace in the log).
 */
public final class GrpcErrors {
  private static final Logger LOG = Logger.getLogger(GrpcErrors.class.getName());

  private GrpcErrors() {}

  public static StatusRuntimeException toStatus(String rpc, Throwable error) {
    if (error instanceof StatusRuntimeException s) {
      return s;
    }
    Status mapped =
        error instanceof Failure f
            ? codeOf(f.kind()).toStatus()
            : error instanceof InterruptedException ? Status.CANCELLED : null;
    if (mapped != null) {
      LOG.info(
          "event=rpc_failed rpc="
              + rpc
              + " code="
              + mapped.getCode()
              + " message=\""
              + error.getMessage()
              + "\"");
      return mapped.withDescription(error.getMessage()).asRuntimeException();
    }
    LOG.log(
        Level.WARNING,
        "event=rpc_failed rpc=" + rpc + " code=INTERNAL error=\"" + error + "\"",
        error);
    return Status.INTERNAL
        .withDescription(rpc + ": " + error.getMessage())
        .withCause(error)
        .asRuntimeException();
  }

  /** The gRPC code of each domain failure kind: the only place the two vocabularies meet. */
  static Status.Code codeOf(Failure.Kind kind) {
    return switch (kind) {
      case INVALID -> Status.Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
      case PRECONDITION -> Status.Code.FAILED_PRECONDITION;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case DEADLINE -> Status.Code.DEADLINE_EXCEEDED;
      case CANCELLED -> Status.Code.CANCELLED;
      case UNAUTHENTICATED -> Status.Code.UNAUTHENTICATED;
      case EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
      case UNIMPLEMENTED -> Status.Code.UNIMPLEMENTED;
      case UNKNOWN -> Status.Code.UNKNOWN;
      case INTERNAL -> Status.Code.INTERNAL;
    };
  }
}
