package io.jcri.images;

import io.jcri.sys.Failure;

/**
 * Why an image operation failed: a {@link Reason} for logs and metrics, and the {@link Failure}
 * kind that reason means to a caller.
 */
public final class ImageException extends Failure {
  public enum Reason {
    /** The reference or ID is malformed. */
    INVALID_REFERENCE,
    /** The registry or the store does not have it. */
    NOT_FOUND,
    /** A container still uses the image, or it is pinned. */
    IN_USE,
    /**
     * The image exists but jcri cannot use it (schema 1, no matching platform, unknown media type).
     */
    UNSUPPORTED,
    /** The registry refused our credentials. */
    UNAUTHORIZED,
    /**
     * The registry answered wrongly: bad digest, truncated blob, oversized manifest, HTTP error.
     */
    REGISTRY,
    /** The registry could not be reached. */
    UNAVAILABLE,
    /** The transfer made no progress for the configured stall timeout. */
    DEADLINE,
    /** A layer tried to write outside its snapshot or is not a valid tar. */
    BAD_LAYER,
    /** Local storage failed. */
    STORAGE
  }

  private final Reason reason;

  public ImageException(Reason reason, String message) {
    super(kindOf(reason), message);
    this.reason = reason;
  }

  public ImageException(Reason reason, String message, Throwable cause) {
    super(kindOf(reason), message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }

  /** What each reason lets the caller do. */
  static Kind kindOf(Reason reason) {
    return switch (reason) {
      case INVALID_REFERENCE -> Kind.INVALID;
      case NOT_FOUND -> Kind.NOT_FOUND;
      case IN_USE, UNSUPPORTED, BAD_LAYER -> Kind.PRECONDITION;
      case UNAUTHORIZED -> Kind.UNAUTHENTICATED;
      case REGISTRY, UNAVAILABLE -> Kind.UNAVAILABLE;
      case DEADLINE -> Kind.DEADLINE;
      case STORAGE -> Kind.INTERNAL;
    };
  }
}
