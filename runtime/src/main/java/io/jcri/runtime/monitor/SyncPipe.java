package io.jcri.runtime.monitor;

import com.sun.jna.LastErrorException;
import io.jcri.sys.LibC;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * The fifo on which conmon reports a created container's pid (or the runtime's error): read off the
 * caller's thread, released when no writer will come.
 */
final class SyncPipe {
  private SyncPipe() {}

  /**
   * Opening a fifo for reading blocks until a writer opens it, so it happens off the caller's
   * thread, on a platform thread: the JDK does not compensate a virtual thread blocked in open(2),
   * so a few readers waiting for conmons not yet spawned would pin every carrier and starve the
   * threads that spawn them (the 50-way hang of issue 16).
   */
  static CompletableFuture<String> readFirstLine(Path fifo) {
    CompletableFuture<String> line = new CompletableFuture<>();
    Thread.ofPlatform()
        .daemon()
        .name("conmon-sync")
        .start(
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(
                      new InputStreamReader(Files.newInputStream(fifo), StandardCharsets.UTF_8))) {
                line.complete(reader.readLine());
              } catch (IOException e) {
                line.completeExceptionally(e);
              }
            });
    return line;
  }

  /** Releases a reader blocked opening the fifo when no writer will ever come. */
  static void unblockFifo(Path fifo) {
    try {
      FdIo.closeQuietly(
          LibC.INSTANCE.open(fifo.toString(), LibC.O_WRONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC));
    } catch (LastErrorException e) {
      // no reader waiting (ENXIO) or the fifo is gone: nothing to release
    }
  }
}
