package io.jcri.runtime;

import io.jcri.sys.Syscalls;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;

/** Tells systemd the daemon is ready (sd_notify) when it was started as Type=notify. */
final class SystemdNotify {
  private static final Logger LOG = Logger.getLogger(Jcrid.class.getName());

  private SystemdNotify() {}

  /** sd_notify(READY=1) when systemd started us as Type=notify. */
  static void ready() {
    String socket = System.getenv("NOTIFY_SOCKET");
    if (socket == null || socket.isEmpty()) {
      return;
    }
    try {
      Syscalls.sendUnixDatagram(socket, "READY=1".getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      LOG.warning("event=sd_notify_failed socket=" + socket + " error=\"" + e.getMessage() + "\"");
    }
  }
}
