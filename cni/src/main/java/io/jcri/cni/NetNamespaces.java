package io.jcri.cni;

import io.jcri.sys.LibC;
import io.jcri.sys.Namespaces;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Network namespaces made by jcri itself and pinned by a bind mount, so they outlive every
 * process in them (and jcrid); see {@link Namespaces} for how the calling thread stays put.
 */
public final class NetNamespaces {
  private NetNamespaces() {}

  /** Creates a new netns pinned at pinDir/name and returns the pin; fails if the pin exists. */
  public static Path create(Path pinDir, String name) throws IOException {
    if (name.isEmpty() || name.contains("/") || name.startsWith(".")) {
      throw new IllegalArgumentException("invalid netns name: " + name);
    }
    Path pin = pinDir.resolve(name);
    Namespaces.createPinned(Map.of(LibC.CLONE_NEWNET, pin), () -> { });
    return pin;
  }

  /** Unpins (the netns goes away with its last user) and deletes the pin file; a missing pin is fine. */
  public static void remove(Path pin) throws IOException {
    Namespaces.unpin(pin);
  }

  /** Runs work inside the pinned netns, on a platform thread of its own, and returns its result. */
  public static <T> T runIn(Path pin, Callable<T> work) throws IOException {
    return Namespaces.runIn(pin, LibC.CLONE_NEWNET, work);
  }
}
