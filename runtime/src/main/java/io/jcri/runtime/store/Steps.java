package io.jcri.runtime.store;

import io.jcri.runtime.oci.OciSpecException;
import io.jcri.runtime.server.CriException;
import io.jcri.sys.Failure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

/** Helpers shared by the lifecycle services: named steps, tree deletion, CRI timestamps. */
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
    } catch (Failure | CriException e) {
      throw e;
    } catch (Exception e) {
      throw Failure.internal("failed to " + what + ": " + e.getMessage(), e);
    }
  }

  public static void perform(String what, VoidStep step) {
    step(what, () -> {
      step.run();
      return null;
    });
  }

  /** A CRI request that cannot become a runtime spec, as the failure of the RPC (context names it). */
  public static Failure specFailure(String context, OciSpecException e) {
    Failure.Kind kind = switch (e.reason()) {
      case INVALID_ARGUMENT -> Failure.Kind.INVALID;
      case NOT_FOUND -> Failure.Kind.NOT_FOUND;
      case FAILED_PRECONDITION -> Failure.Kind.PRECONDITION;
      case INTERNAL -> Failure.Kind.INTERNAL;
    };
    return new Failure(kind, context + ": " + e.getMessage(), e);
  }

  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Now, in nanoseconds since the epoch (CRI timestamps). */
  public static long nowNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
