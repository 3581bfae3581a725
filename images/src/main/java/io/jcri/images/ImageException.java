package io.jcri.images;

/** Why an image operation failed, in terms a caller (and the gRPC edge) can act on. */
public final class ImageException extends RuntimeException {
  public enum Reason {
    /** The reference or ID is malformed. */
    INVALID_REFERENCE,
    /** The registry or the store does not have it. */
    NOT_FOUND,
    /** A container still uses the image, or it is pinned. */
    IN_USE,
    /** The image exists but jcri cannot use it (schema 1, no matching platform, unknown media type). */
    UNSUPPORTED,
    /** The registry refused our credentials. */
    UNAUTHORIZED,
    /** The registry answered wrongly: bad digest, truncated blob, oversized manifest, HTTP error. */
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
    super(message);
    this.reason = reason;
  }

  public ImageException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
