package io.jcri.runtime.streaming;

import io.jcri.sys.Command;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A backend that runs commands on the host, for protocol tests: the real container backend is wired
 * by the daemon. With a TTY it waits for the client's first resize and prints it as {@code resize
 * COLSxROWS} before running the command, so tests see what reached the backend. Attach echoes stdin
 * to stdout.
 */
final class HostBackend implements StreamingBackend {
  final BlockingQueue<Process> started = new LinkedBlockingQueue<>();

  @Override
  public int exec(String containerId, List<String> cmd, boolean tty, StreamIo io) throws Exception {
    if (tty && io.stdout() != null) {
      TerminalSize size = io.nextResize();
      if (size != null) {
        io.stdout()
            .write(
                ("resize " + size.cols() + "x" + size.rows() + "\n")
                    .getBytes(StandardCharsets.UTF_8));
      }
    }
    ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(tty);
    if (io.stdin() == null) {
      builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }
    Process process = Command.start(builder);
    started.add(process);
    try {
      Thread out = copyThread(process.getInputStream(), io.stdout(), false);
      Thread err = tty ? null : copyThread(process.getErrorStream(), io.stderr(), false);
      if (io.stdin() != null) {
        copyThread(io.stdin(), process.getOutputStream(), true);
      }
      out.join();
      if (err != null) {
        err.join();
      }
      return process.waitFor();
    } finally {
      // an interrupted session (client gone) must not leave the process behind
      process.destroyForcibly();
    }
  }

  @Override
  public void attach(String containerId, boolean tty, StreamIo io) throws Exception {
    io.stdin().transferTo(io.stdout());
  }

  @Override
  public void portForward(String sandboxId, int port, InputStream fromClient, OutputStream toClient)
      throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  fromClient.transferTo(socket.getOutputStream());
                  socket.shutdownOutput();
                } catch (IOException e) {
                  // the socket closed under us: the forward is ending anyway
                }
              });
      socket.getInputStream().transferTo(toClient);
    }
  }

  /** Copies until end of file; a missing destination discards. */
  private static Thread copyThread(InputStream from, OutputStream to, boolean closeTarget) {
    return Thread.ofVirtual()
        .start(
            () -> {
              try {
                from.transferTo(to == null ? OutputStream.nullOutputStream() : to);
                if (closeTarget) {
                  to.close();
                }
              } catch (IOException e) {
                // one side closed: the session is ending
              }
            });
  }
}
