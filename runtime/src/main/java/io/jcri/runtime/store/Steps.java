package io.jcri.runtime.store;

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
    } catch (Failure e) {
      throw e;
    } catch (Exception e) {
      throw new Failure(Failure.Kind.INTERNAL, "failed to " + what + ": " + e.getMessage(), e);
    }
  }

  public static void perform(String what, VoidStep step) {
    step(what, () -> {
      step.run();
      return null;
    });
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
