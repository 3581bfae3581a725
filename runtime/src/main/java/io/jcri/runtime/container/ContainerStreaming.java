package io.jcri.runtime.container;

import io.jcri.runtime.monitor.Attachment;
import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.monitor.InteractiveExec;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.sandbox.Sandboxes;
import io.jcri.runtime.store.Layout;
import io.jcri.runtime.streaming.StreamIo;
import io.jcri.runtime.streaming.StreamingBackend;
import io.jcri.runtime.streaming.TerminalSize;
import io.jcri.sys.LibC;
import io.jcri.sys.Namespaces;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;

/**
 * The streaming server's view of containers: exec and attach through the monitor, port-forward in
 * the pod netns.
 */
public final class ContainerStreaming implements StreamingBackend {
  private final Containers containers;
  private final Sandboxes sandboxes;
  private final ContainerRuntime monitor;
  private final RuntimeHandlers handlers;
  private final Layout layout;

  public ContainerStreaming(
      Containers containers,
      Sandboxes sandboxes,
      ContainerRuntime monitor,
      RuntimeHandlers handlers,
      Layout layout) {
    this.layout = layout;
    this.containers = containers;
    this.sandboxes = sandboxes;
    this.monitor = monitor;
    this.handlers = handlers;
  }

  @Override
  public int exec(String containerId, List<String> cmd, boolean tty, StreamIo io) throws Exception {
    Container c = containers.requireRunning(containerId, "Exec");
    try (InteractiveExec exec =
        monitor.exec(
            handlers.ociRuntime(c.record().metadata().runtimeHandler()),
            c.id(),
            cmd,
            tty,
            io.stdin() != null)) {
      Thread in = io.stdin() == null ? null : copyInBackground(io.stdin(), exec.stdin(), true);
      Thread resizes =
          tty ? Thread.ofVirtual().start(() -> forwardResizes(io, exec::resize)) : null;
      Thread out = copyOutput(exec.stdout(), io.stdout(), exec);
      Thread err = copyOutput(exec.stderr(), io.stderr(), exec);
      // wait here, not in a read of the process's pipe (which an interrupt does not end), so a
      // client
      // that disconnects interrupts this wait and the process is killed on the way out
      int code = exec.waitFor();
      out.join();
      err.join();
      interrupt(in, resizes);
      return code;
    }
  }

  @Override
  public void attach(String containerId, boolean tty, StreamIo io) throws Exception {
    Container c = containers.requireRunning(containerId, "Attach");
    try (Attachment attachment = monitor.attach(c.id(), layout.containerBundle(c.id()))) {
      // the client's EOF reaches conmon, which closes the container's stdin only for stdin_once
      Thread in =
          io.stdin() == null ? null : copyInBackground(io.stdin(), attachment.stdin(), true);
      Thread resizes =
          tty ? Thread.ofVirtual().start(() -> forwardResizes(io, attachment::resize)) : null;
      // stderr the client did not ask for is dropped as it comes, or it would fill and stall stdout
      if (io.stderr() == null) {
        attachment.stderr().close();
      }
      Thread err =
          io.stderr() == null ? null : copyInBackground(attachment.stderr(), io.stderr(), false);
      attachment
          .stdout()
          .transferTo(io.stdout() != null ? io.stdout() : OutputStream.nullOutputStream());
      if (err != null) {
        err.join();
      }
      interrupt(in, resizes);
    }
  }

  @Override
  public void portForward(String sandboxId, int port, InputStream fromClient, OutputStream toClient)
      throws Exception {
    Sandbox sandbox = sandboxes.require(sandboxId);
    String netns = sandbox.record().metadata().netnsPath();
    // a socket belongs to the netns it was created in, so only the connect needs the pod's netns
    Socket socket =
        netns.isEmpty()
            ? connect(port)
            : Namespaces.runIn(Path.of(netns), LibC.CLONE_NEWNET, () -> connect(port));
    try (socket) {
      Thread up =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      fromClient.transferTo(socket.getOutputStream());
                      socket.shutdownOutput();
                    } catch (IOException ignored) {
                      // the pod side closed first; the download direction ends the session
                    }
                  });
      socket.getInputStream().transferTo(toClient);
      up.interrupt();
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    return s;
  }

  private interface Resizer {
    void resize(int cols, int rows) throws IOException;
  }

  private static void forwardResizes(StreamIo io, Resizer resizer) {
    try {
      TerminalSize size;
      while ((size = io.nextResize()) != null) {
        resizer.resize(size.cols(), size.rows());
      }
    } catch (InterruptedException | IOException ignored) {
      // the session ended
    }
  }

  /**
   * Copies the process's output to the client; a client that cannot take it any more ends the
   * process.
   */
  private static Thread copyOutput(InputStream from, OutputStream to, InteractiveExec exec) {
    return Thread.ofVirtual()
        .start(
            () -> {
              try {
                from.transferTo(to != null ? to : OutputStream.nullOutputStream());
              } catch (IOException e) {
                exec.kill();
              }
            });
  }

  private static Thread copyInBackground(InputStream from, OutputStream to, boolean closeAtEnd) {
    return Thread.ofVirtual()
        .start(
            () -> {
              try {
                from.transferTo(to);
                to.flush();
              } catch (IOException ignored) {
                // either side went away; the main direction decides when the session ends
              } finally {
                if (closeAtEnd) {
                  try {
                    to.close();
                  } catch (IOException ignored) {
                    // already closed
                  }
                }
              }
            });
  }

  private static void interrupt(Thread... threads) {
    for (Thread t : threads) {
      if (t != null) {
        t.interrupt();
      }
    }
  }
}
