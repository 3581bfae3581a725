package io.jcri.sys;

/**
 * The one domain failure of jcri: a {@link Kind} the caller can act on and a message that names the
 * field or the object. It knows nothing of gRPC; the server edge maps each kind to a status in one
 * place. Anything that is not a Failure is a bug or an environment fault.
 */
public class Failure extends RuntimeException {
  /** What the caller can do about it. */
  public enum Kind {
    /** The request is malformed; retrying it unchanged fails again. */
    INVALID,
    /** The object named by the request does not exist. */
    NOT_FOUND,
    /** An object with that name or ID already exists. */
    ALREADY_EXISTS,
    /** The object is not in a state that allows the operation. */
    PRECONDITION,
    /** Something jcri depends on is not reachable now; a retry may succeed. */
    UNAVAILABLE,
    /** The operation ran out of its time. */
    DEADLINE,
    /** The caller or a shutdown cancelled the operation. */
    CANCELLED,
    /** A credential was refused. */
    UNAUTHENTICATED,
    /** A limit was reached. */
    EXHAUSTED,
    /** jcri does not do this on this node. */
    UNIMPLEMENTED,
    /**
     * A program jcri ran (a CNI plugin) failed for reasons only its own words in the message give.
     */
    UNKNOWN,
    /** jcri failed; the message says where. */
    INTERNAL
  }

  private final Kind kind;

  public Failure(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Failure(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  public static Failure invalid(String message) {
    return new Failure(Kind.INVALID, message);
  }

  public static Failure notFound(String message) {
    return new Failure(Kind.NOT_FOUND, message);
  }

  public static Failure alreadyExists(String message) {
    return new Failure(Kind.ALREADY_EXISTS, message);
  }

  public static Failure precondition(String message) {
    return new Failure(Kind.PRECONDITION, message);
  }

  public static Failure unavailable(String message) {
    return new Failure(Kind.UNAVAILABLE, message);
  }

  public static Failure deadline(String message) {
    return new Failure(Kind.DEADLINE, message);
  }

  public static Failure cancelled(String message) {
    return new Failure(Kind.CANCELLED, message);
  }

  public static Failure unimplemented(String message) {
    return new Failure(Kind.UNIMPLEMENTED, message);
  }

  public static Failure internal(String message, Throwable cause) {
    return new Failure(Kind.INTERNAL, message, cause);
  }
}
