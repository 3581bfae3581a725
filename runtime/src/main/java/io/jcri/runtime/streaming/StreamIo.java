package io.jcri.runtime.streaming;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.BlockingQueue;

/**
 * The client's side of an exec or attach session. Streams the client did not ask for are null.
 * Writes block while the client is slow to read (back pressure); they fail once it has gone.
 */
public final class StreamIo {
  // identity marks the end of the resize events; a client cannot send this instance
  static final TerminalSize NO_MORE_RESIZES = new TerminalSize(0, 0);

  private final InputStream stdin;
  private final OutputStream stdout;
  private final OutputStream stderr;
  private final BlockingQueue<TerminalSize> resizes;

  StreamIo(
      InputStream stdin,
      OutputStream stdout,
      OutputStream stderr,
      BlockingQueue<TerminalSize> resizes) {
    this.stdin = stdin;
    this.stdout = stdout;
    this.stderr = stderr;
    this.resizes = resizes;
  }

  public InputStream stdin() {
    return stdin;
  }

  public OutputStream stdout() {
    return stdout;
  }

  public OutputStream stderr() {
    return stderr;
  }

  /**
   * Blocks until the client resizes its terminal; null once no more resizes can come (no TTY, or
   * the session has ended).
   */
  public TerminalSize nextResize() throws InterruptedException {
    if (resizes == null) {
      return null;
    }
    TerminalSize size = resizes.take();
    if (size == NO_MORE_RESIZES) {
      resizes.offer(NO_MORE_RESIZES); // later callers see the end too
      return null;
    }
    return size;
  }
}
