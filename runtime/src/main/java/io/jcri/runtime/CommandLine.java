package io.jcri.runtime;

import io.jcri.runtime.config.ConfigLoader;
import java.nio.file.Path;

/** jcrid's flags: parsed into the config file to load and the flags that override it; the usage. */
final class CommandLine {
  private static final Path DEFAULT_CONFIG = Path.of("/etc/jcri/jcri.toml");
  static final String USAGE =
      """
      usage: jcrid [flags]              serve CRI on the configured Unix socket
             jcrid version              print the version
             jcrid config default       print the default configuration (TOML)

      flags (each also a key of the config file; flags win):
        --config FILE          config file (default /etc/jcri/jcri.toml, optional)
        --listen unix:///PATH  gRPC endpoint (default unix:///run/jcri/jcri.sock)
        --root DIR             persistent state (default /var/lib/jcri)
        --state DIR            run-time state (default /run/jcri)
        --cni-conf-dir DIR     CNI network configurations (default /etc/cni/net.d)
        --cni-bin-dir DIR      CNI plugin binaries, searched first
        --log-level LEVEL      error, warn, info or debug (default info)
      """;

  /** What serving needs of the command line. */
  record Serve(Path configFile, boolean explicit, ConfigLoader.Flags flags) {}

  private CommandLine() {}

  /** The flags of {@code jcrid [flags]}; each as {@code --name value} or {@code --name=value}. */
  static Serve parse(String[] args) throws UsageException {
    Path configFile = DEFAULT_CONFIG;
    boolean explicit = false;
    String listen = null;
    String logLevel = null;
    Path root = null;
    Path state = null;
    Path cniConf = null;
    Path cniBin = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      if (!name.startsWith("--")) {
        throw new UsageException("unexpected argument \"" + arg + "\"");
      }
      String value;
      if (arg.contains("=")) {
        value = arg.substring(arg.indexOf('=') + 1);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new UsageException(name + " needs a value");
      }
      switch (name) {
        case "--config" -> {
          configFile = Path.of(value);
          explicit = true;
        }
        case "--listen" -> listen = value;
        case "--root" -> root = Path.of(value);
        case "--state" -> state = Path.of(value);
        case "--cni-conf-dir" -> cniConf = Path.of(value);
        case "--cni-bin-dir" -> cniBin = Path.of(value);
        case "--log-level" -> logLevel = value;
        default -> throw new UsageException("unknown flag " + name);
      }
    }
    return new Serve(
        configFile,
        explicit,
        new ConfigLoader.Flags(listen, root, state, cniConf, cniBin, logLevel));
  }

  /** A command line jcrid does not understand: exit 2 with the usage. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }
}
