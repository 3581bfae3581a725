package io.jcri.runtime.monitor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * A process started in a running container whose stdio the caller streams. With a TTY, stdout
 * carries the terminal output (stdout and stderr merged, as on a terminal) and stderr is empty.
 * Closing {@link #stdin()} delivers end of file to the process (on a TTY: the EOF character).
 */
public interface InteractiveExec extends AutoCloseable {
  OutputStream stdin();

  InputStream stdout();

  InputStream stderr();

  /** Terminal resize; ignored without a TTY. */
  void resize(int cols, int rows) throws IOException;

  /** The exit code, when the process (and the runtime watching it) has ended. */
  CompletableFuture<Integer> onExit();

  int waitFor() throws InterruptedException;

  /** Kills the process in the container (SIGKILL), then the runtime process watching it. */
  void kill();

  /** Kills the process if it is still running and frees the terminal. */
  @Override
  void close();
}
