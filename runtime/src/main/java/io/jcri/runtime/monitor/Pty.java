package io.jcri.runtime.monitor;

import com.sun.jna.LastErrorException;
import io.jcri.sys.LibC;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A pseudo-terminal pair on the host: jcrid keeps the master, a child gets the slave as its stdio.
 * The master closes when its output has been read to the end (all slave holders gone).
 */
final class Pty {
  private final FdIo.Descriptor master;
  private final Path slave;

  private Pty(FdIo.Descriptor master, Path slave) {
    this.master = master;
    this.slave = slave;
  }

  static Pty open() throws MonitorException {
    int fd;
    try {
      fd = LibC.INSTANCE.posix_openpt(LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new MonitorException("posix_openpt: errno " + e.getErrorCode());
    }
    try {
      LibC.INSTANCE.grantpt(fd);
      LibC.INSTANCE.unlockpt(fd);
      byte[] name = new byte[128];
      LibC.INSTANCE.ptsname_r(fd, name, name.length);
      int len = 0;
      while (len < name.length && name[len] != 0) {
        len++;
      }
      return new Pty(
          new FdIo.Descriptor(fd, false),
          Path.of(new String(name, 0, len, StandardCharsets.US_ASCII)));
    } catch (LastErrorException e) {
      FdIo.closeQuietly(fd);
      throw new MonitorException("allocating a pty: errno " + e.getErrorCode());
    }
  }

  FdIo.Descriptor master() {
    return master;
  }

  Path slave() {
    return slave;
  }

  /**
   * Sets the window size; the kernel signals SIGWINCH to the terminal's foreground process group.
   */
  void resize(int cols, int rows) throws IOException {
    short[] winsize = {(short) rows, (short) cols, 0, 0};
    try {
      master.ifOpen(fd -> LibC.INSTANCE.ioctl(fd, LibC.TIOCSWINSZ, winsize));
    } catch (LastErrorException e) {
      throw new IOException("resize pty " + slave + ": errno " + e.getErrorCode());
    }
  }

  /** Closes the master if its reader never started (the child failed to start). */
  void abandon() {
    master.close();
  }
}
