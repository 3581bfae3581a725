package io.jcri.runtime.oci;

import io.jcri.sys.Failure;

/** The CRI request cannot be turned into a runtime spec; the message says what to change. */
public final class OciSpecException extends Failure {
  public enum Reason {
    INVALID_ARGUMENT,
    NOT_FOUND,
    FAILED_PRECONDITION,
    INTERNAL
  }

  private final Reason reason;

  public OciSpecException(Reason reason, String message) {
    super(kindOf(reason), message);
    this.reason = reason;
  }

  public OciSpecException(Reason reason, String message, Throwable cause) {
    super(kindOf(reason), message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  private static Kind kindOf(Reason reason) {
    return switch (reason) {
      case INVALID_ARGUMENT -> Kind.INVALID;
      case NOT_FOUND -> Kind.NOT_FOUND;
      case FAILED_PRECONDITION -> Kind.PRECONDITION;
      case INTERNAL -> Kind.INTERNAL;
    };
  }

  /** Hides {@link Failure#invalid}: a spec refusal keeps its reason. */
  public static OciSpecException invalid(String message) {
    return new OciSpecException(Reason.INVALID_ARGUMENT, message);
  }
}
