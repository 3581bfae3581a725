package io.jcri.runtime.monitor;

import com.sun.jna.LastErrorException;
import io.jcri.sys.LibC;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** conmon's control fifo ({@code <bundle>/ctl}): one line per request, "type height width". */
final class ConmonCtl {
  private static final int WINDOW_RESIZE = 1;
  private static final int REOPEN_LOGS = 2;

  private ConmonCtl() {}

  static void resize(Path bundle, int cols, int rows) throws MonitorException {
    send(bundle, WINDOW_RESIZE + " " + rows + " " + cols + "\n");
  }

  static void reopenLogs(Path bundle) throws MonitorException {
    send(bundle, REOPEN_LOGS + " 0 0\n");
  }

  private static void send(Path bundle, String line) throws MonitorException {
    Path fifo = bundle.resolve("ctl");
    int fd;
    try {
      // non-blocking: with no conmon reading, open fails (ENXIO) instead of waiting forever
      fd = LibC.INSTANCE.open(fifo.toString(), LibC.O_WRONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new MonitorException(
          e.getErrorCode() == LibC.ENXIO || e.getErrorCode() == 2
              ? "conmon is not running for bundle " + bundle
              : "open " + fifo + ": errno " + e.getErrorCode());
    }
    try {
      byte[] bytes = line.getBytes(StandardCharsets.US_ASCII);
      LibC.INSTANCE.write(fd, bytes, bytes.length);
    } catch (LastErrorException e) {
      throw new MonitorException("write " + fifo + ": errno " + e.getErrorCode());
    } finally {
      FdIo.closeQuietly(fd);
    }
  }
}
