package io.jcri.runtime.monitor;

import com.sun.jna.LastErrorException;
import io.jcri.sys.ChunkInput;
import io.jcri.sys.LibC;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.logging.Logger;

/**
 * A connection to a running container's stdio through conmon's attach socket. Detaching ({@link
 * #close}) leaves the container running. Closing {@link #stdin()} closes the container's stdin only
 * when it was created with stdin_once; otherwise conmon keeps it open for the next client.
 */
public final class Attachment implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Attachment.class.getName());
  // conmon prefixes each message it sends with the pipe it came from
  private static final byte STDOUT_PIPE = 2;
  private static final byte STDERR_PIPE = 3;
  private static final int SUN_PATH_MAX = 107;

  private final String id;
  private final Path bundle;
  private final FdIo.Descriptor socket;
  private final ChunkInput stdout = FdIo.chunks();
  private final ChunkInput stderr = FdIo.chunks();
  private final OutputStream stdin;

  private Attachment(String id, Path bundle, FdIo.Descriptor socket) {
    this.id = id;
    this.bundle = bundle;
    this.socket = socket;
    this.stdin = socket.output(() -> shutdown(LibC.SHUT_WR));
    socket.pump(
        "attach-" + id,
        this::demultiplex,
        () -> {
          stdout.end();
          stderr.end();
        });
  }

  static Attachment connect(String id, Path socketPath, Path bundle) throws MonitorException {
    if (socketPath.toString().getBytes(StandardCharsets.UTF_8).length <= SUN_PATH_MAX) {
      return connect(id, socketPath.toString(), socketPath, bundle);
    }
    // a path longer than sun_path (a deep state dir) is reached through a descriptor of its
    // directory,
    // as conmon itself binds it
    int dir;
    try {
      dir = LibC.INSTANCE.open(socketPath.getParent().toString(), LibC.O_PATH | LibC.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new MonitorException(
          "attach to container "
              + id
              + ": open "
              + socketPath.getParent()
              + ": errno "
              + e.getErrorCode());
    }
    try {
      return connect(
          id, "/proc/self/fd/" + dir + "/" + socketPath.getFileName(), socketPath, bundle);
    } finally {
      FdIo.closeQuietly(dir);
    }
  }

  private static Attachment connect(String id, String reachablePath, Path socketPath, Path bundle)
      throws MonitorException {
    byte[] path = reachablePath.getBytes(StandardCharsets.UTF_8);
    byte[] address = new byte[2 + SUN_PATH_MAX + 1];
    address[0] = (byte) LibC.AF_UNIX; // sa_family_t, little-endian
    System.arraycopy(path, 0, address, 2, path.length);
    int fd;
    try {
      fd = LibC.INSTANCE.socket(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw new MonitorException("socket: errno " + e.getErrorCode());
    }
    try {
      LibC.INSTANCE.connect(fd, address, 2 + path.length + 1);
    } catch (LastErrorException e) {
      FdIo.closeQuietly(fd);
      throw new MonitorException(
          "attach to container "
              + id
              + " at "
              + socketPath
              + ": errno "
              + e.getErrorCode()
              + " (is its conmon running?)");
    }
    LOG.fine("event=attached container=" + id);
    return new Attachment(id, bundle, new FdIo.Descriptor(fd, true));
  }

  public OutputStream stdin() {
    return stdin;
  }

  public InputStream stdout() {
    return stdout;
  }

  /** Empty for a TTY container: a terminal has one output. */
  public InputStream stderr() {
    return stderr;
  }

  /** Resizes the container's terminal (conmon's ctl fifo); meaningless without a TTY. */
  public void resize(int cols, int rows) throws IOException {
    ConmonCtl.resize(bundle, cols, rows);
  }

  /**
   * Detaches; the socket closes once the reading thread sees the end. Output nobody read is
   * dropped, so a reader that left cannot hold the reading thread on a full queue.
   */
  @Override
  public void close() {
    shutdown(LibC.SHUT_RDWR);
    stdout.close();
    stderr.close();
    LOG.fine("event=detached container=" + id);
  }

  private void demultiplex(byte[] message) {
    if (message.length < 2) {
      return;
    }
    byte[] data = Arrays.copyOfRange(message, 1, message.length);
    switch (message[0]) {
      case STDOUT_PIPE -> stdout.put(data);
      case STDERR_PIPE -> stderr.put(data);
      default -> LOG.fine("event=attach_unknown_pipe container=" + id + " pipe=" + message[0]);
    }
  }

  private void shutdown(int how) {
    try {
      socket.ifOpen(fd -> LibC.INSTANCE.shutdown(fd, how));
    } catch (LastErrorException e) {
      // not connected any more: conmon went away, which the reader sees as end of input
    }
  }
}
