package io.jcri.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.jcri.sys.Failure;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.provider.Arguments;

/** The table rows and the assertion the request-check tests share. */
final class Refusals {
  private Refusals() {}

  /** Table rows that change a valid request of builder type B. */
  static final class Rows<B> {
    private final Supplier<B> valid;

    Rows(Supplier<B> valid) {
      this.valid = valid;
    }

    /**
     * A row: the message the check must start with, and the change to a valid request that makes it
     * fail.
     */
    Arguments bad(String expectedStart, Consumer<B> change) {
      return Arguments.of(expectedStart, change);
    }

    /** A valid request with change applied is refused by check, naming the field as expected. */
    void assertRefused(String expectedStart, Consumer<B> change, Consumer<B> check) {
      B request = valid.get();
      change.accept(request);
      assertInvalid(expectedStart, () -> check.accept(request));
    }
  }

  /**
   * call is refused with INVALID_ARGUMENT whose message starts with expectedStart (the field
   * first).
   */
  static void assertInvalid(String expectedStart, Executable call) {
    Failure e = assertThrows(Failure.class, call, expectedStart);
    assertEquals(Status.Code.INVALID_ARGUMENT, GrpcErrors.codeOf(e.kind()));
    assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
  }
}
