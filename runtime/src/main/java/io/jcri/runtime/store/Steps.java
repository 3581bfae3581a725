package io.jcri.runtime.store;

import io.jcri.sys.Failure;

/** Named steps of the lifecycle services: an unexpected failure says which step failed. */
public final class Steps {
  private Steps() {}

  /** A step of a lifecycle operation. */
  public interface Step<T> {
    T run() throws Exception;
  }

  /** A step with no result. */
  public interface VoidStep {
    void run() throws Exception;
  }

  /** Runs a step; an unexpected failure becomes an INTERNAL error that names the step. */
  public static <T> T step(String what, Step<T> step) {
    try {
      return step.run();
    } catch (Failure e) {
      throw e;
    } catch (Exception e) {
      throw new Failure(Failure.Kind.INTERNAL, "failed to " + what + ": " + e.getMessage(), e);
    }
  }

  public static void perform(String what, VoidStep step) {
    step(
        what,
        () -> {
          step.run();
          return null;
        });
  }

  /**
   * A CRI request that cannot become a runtime spec, as the failure of the RPC (context names it).
   */
  public static Failure specFailure(String context, Failure e) {
    return new Failure(e.kind(), context + ": " + e.getMessage(), e);
  }
}
