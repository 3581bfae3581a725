package io.jcri.runtime.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/** Paths inside a container's root filesystem, resolved as the container would see them. */
final class RootfsPaths {
  private static final int MAX_SYMLINKS = 40;

  private RootfsPaths() {}

  /**
   * The host path of {@code containerPath} inside rootfs. Symlinks are followed with rootfs as "/",
   * so an image's absolute or ".." link can never lead onto the host.
   */
  static Path resolve(Path rootfs, String containerPath) throws IOException {
    Deque<String> pending = new ArrayDeque<>();
    pushComponents(pending, containerPath);
    Deque<String> resolved = new ArrayDeque<>();
    int links = 0;
    while (!pending.isEmpty()) {
      String part = pending.pop();
      if (part.isEmpty() || part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        resolved.pollLast();
        continue;
      }
      Path candidate = join(rootfs, resolved).resolve(part);
      if (Files.isSymbolicLink(candidate)) {
        if (++links > MAX_SYMLINKS) {
          throw new IOException("too many symlinks resolving " + containerPath + " in " + rootfs);
        }
        String target = Files.readSymbolicLink(candidate).toString();
        if (target.startsWith("/")) {
          resolved.clear();
        }
        pushComponents(pending, target);
      } else {
        resolved.addLast(part);
      }
    }
    return join(rootfs, resolved);
  }

  private static void pushComponents(Deque<String> pending, String path) {
    String[] parts = path.split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      pending.push(parts[i]);
    }
  }

  private static Path join(Path rootfs, Deque<String> parts) {
    Path p = rootfs;
    for (String part : parts) {
      p = p.resolve(part);
    }
    return p;
  }
}
