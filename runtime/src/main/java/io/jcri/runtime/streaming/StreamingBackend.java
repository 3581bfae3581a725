package io.jcri.runtime.streaming;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * What the streaming server asks of the container runtime. Every method runs on its own virtual
 * thread and may block. When the client disconnects, the thread is interrupted and the session's
 * streams end (reads see end of file, writes fail): the implementation must then free its process
 * or socket and return.
 */
public interface StreamingBackend {
  /**
   * Runs {@code cmd} in the container and streams its stdio through {@code io}; with a TTY, resize
   * events arrive through {@link StreamIo#nextResize}. Returns the exit code once the process has
   * ended and all of its output has been written to {@code io}.
   */
  int exec(String containerId, List<String> cmd, boolean tty, StreamIo io) throws Exception;

  /**
   * Connects {@code io} to the container's own stdio; returns when the container exits or the
   * client detaches.
   */
  void attach(String containerId, boolean tty, StreamIo io) throws Exception;

  /**
   * Connects to {@code localhost:port} inside the sandbox's network namespace and copies bytes both
   * ways: end of file on {@code fromClient} means the client has finished sending. Returns when the
   * connection in the pod has closed; a thrown exception's message reaches the client.
   */
  void portForward(String sandboxId, int port, InputStream fromClient, OutputStream toClient)
      throws Exception;
}
