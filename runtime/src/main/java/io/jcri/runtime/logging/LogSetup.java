package io.jcri.runtime.logging;

import io.jcri.runtime.DaemonLogManager;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Points the JDK's logging at stderr with the configured level and format (text lines or JSON
 * objects). Called at start and again on a config reload.
 */
public final class LogSetup {
  private LogSetup() {}

  public static void configure(String level, String format) {
    Level jul =
        switch (level) {
          case "error" -> Level.SEVERE;
          case "warn" -> Level.WARNING;
          case "debug" -> Level.FINE;
          default -> Level.INFO;
        };
    ConsoleHandler handler = new ConsoleHandler();
    handler.setLevel(jul);
    handler.setFormatter(format.equals("json") ? new JsonLineFormatter() : new LineFormatter());
    Logger root = Logger.getLogger("");
    synchronized (LogSetup.class) {
      if (LogManager.getLogManager() instanceof DaemonLogManager daemon) {
        daemon.resetForConfiguration();
      } else {
        LogManager.getLogManager().reset();
      }
      root.setLevel(jul);
      root.addHandler(handler);
    }
    // grpc-netty sets SO_KEEPALIVE on every accepted Unix socket, which Netty rejects with a WARN
    // each time.
    Logger.getLogger("io.netty.bootstrap").setLevel(Level.SEVERE);
    // grpc's INFO lines (transport details) only at debug
    Logger.getLogger("io.grpc")
        .setLevel(
            jul.intValue() < Level.INFO.intValue()
                ? Level.INFO
                : jul.intValue() > Level.WARNING.intValue() ? jul : Level.WARNING);
    Logger.getLogger("io.netty").setLevel(Level.WARNING);
    Logger.getLogger("com.sun.jna").setLevel(Level.INFO);
    Logger.getLogger("java.lang.ProcessBuilder").setLevel(Level.INFO);
  }
}
