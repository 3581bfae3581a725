package io.jcri.runtime.node;

import io.jcri.runtime.config.JcriConfig;
import io.jcri.runtime.monitor.OciRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** RuntimeClass handlers → OCI runtime binaries, resolved on PATH, and whether they can run. */
public final class RuntimeHandlers {
  private volatile JcriConfig.Runtimes config;
  private final Path conmon;
  private final Path stateRoot;
  private final Map<String, HandlerFeatures> features = new ConcurrentHashMap<>();
  private final Path probeScratch;
  private volatile Boolean kernelUserns;

  /**
   * stateRoot holds each handler's own state dir (its --root), e.g. /run/jcri/runtimes/runc;
   * probeScratch is a directory on the filesystem of jcri's root where the user namespace probe may
   * mount.
   */
  public RuntimeHandlers(
      JcriConfig.Runtimes config, Path conmon, Path stateRoot, Path probeScratch) {
    this.config = config;
    this.conmon = conmon;
    this.stateRoot = stateRoot;
    this.probeScratch = probeScratch;
  }

  /**
   * Other handlers or default runtime (a config reload); containers already created keep their
   * runtime.
   */
  public void reconfigure(JcriConfig.Runtimes next) {
    config = next;
    features.clear();
  }

  public record Readiness(boolean ready, String reason, String message) {}

  /** The handler's name: the empty handler is the default runtime. */
  public String canonical(String handler) {
    return handler == null || handler.isEmpty() ? config.defaultRuntime() : handler;
  }

  public boolean exists(String handler) {
    return config.handlers().containsKey(canonical(handler));
  }

  public Map<String, JcriConfig.Handler> all() {
    return new TreeMap<>(config.handlers());
  }

  /** The executable for handler, if it resolves to one. */
  public Optional<Path> binary(String handler) {
    JcriConfig.Handler rt = config.handlers().get(canonical(handler));
    return rt == null ? Optional.empty() : resolveExecutable(rt.path());
  }

  /**
   * What the handler's runtime supports, probed once; nothing for a handler without an executable.
   */
  public HandlerFeatures features(String handler) {
    String name = canonical(handler);
    return binary(name)
        .map(b -> features.computeIfAbsent(name, n -> HandlerFeatures.probe(b, kernelUserns())))
        .orElse(HandlerFeatures.NONE);
  }

  private boolean kernelUserns() {
    Boolean known = kernelUserns;
    if (known == null) {
      synchronized (this) {
        if (kernelUserns == null) {
          kernelUserns = UserNamespaceProbe.works(probeScratch, stateRoot.getParent());
        }
        known = kernelUserns;
      }
    }
    return known;
  }

  /**
   * The runtime to drive for handler; throws IllegalArgumentException naming the configured
   * handlers.
   */
  public OciRuntime ociRuntime(String handler) {
    String name = canonical(handler);
    if (!config.handlers().containsKey(name)) {
      throw new IllegalArgumentException(
          "unknown runtime handler \"" + name + "\"; configured handlers: " + all().keySet());
    }
    Path binary =
        binary(name)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "runtime handler \""
                            + name
                            + "\" ("
                            + config.handlers().get(name).path()
                            + ") is not an executable on this node"));
    return new OciRuntime(name, binary, stateRoot.resolve(name));
  }

  public Readiness readiness() {
    String def = config.defaultRuntime();
    if (binary(def).isEmpty()) {
      return new Readiness(
          false,
          "OCIRuntimeNotFound",
          "OCI runtime \""
              + def
              + "\" ("
              + config.handlers().get(def).path()
              + ") is not an executable on PATH");
    }
    if (!Files.isExecutable(conmon)) {
      return new Readiness(
          false, "ConmonNotFound", "container monitor " + conmon + " is not executable");
    }
    return new Readiness(true, "", "");
  }

  static Optional<Path> resolveExecutable(Path path) {
    if (path.isAbsolute() || path.getNameCount() > 1) {
      return Files.isExecutable(path) ? Optional.of(path.toAbsolutePath()) : Optional.empty();
    }
    String searchPath =
        System.getenv()
            .getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for (String dir : searchPath.split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir).resolve(path);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toAbsolutePath());
      }
    }
    return Optional.empty();
  }
}
