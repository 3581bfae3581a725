package io.jcri.images.unpack;

import io.jcri.images.ImageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/**
 * Where a layer entry's names lead inside the snapshot root, never outside it: names are split into
 * plain components (absolute names and {@code ..} refused) and directories are resolved with
 * symlinks followed only while they stay inside root.
 */
final class LayerPaths {
  private static final int MAX_SYMLINK_HOPS = 40;
  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private final Path root;

  /** The refusal of the entry being unpacked, for a reason. */
  private final Function<String, ImageException> bad;

  LayerPaths(Path root, Function<String, ImageException> bad) {
    this.root = root;
    this.bad = bad;
  }

  /**
   * The name's components; '.' and empty ones dropped; absolute names and '..' refused. (The tar
   * reader ends every name at its first NUL, as GNU tar does, so none reaches here.)
   */
  List<String> clean(String name) {
    if (name.startsWith("/")) {
      throw bad.apply("absolute path");
    }
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.equals("..")) {
        throw bad.apply("'..' in a path: " + name);
      }
      if (!p.isEmpty() && !p.equals(".")) {
        parts.add(p);
      }
    }
    return parts;
  }

  /**
   * name when it is one plain entry of a directory (it is one component of a cleaned name already).
   */
  String childName(String name, String what) {
    if (name.isEmpty() || name.equals(".") || name.equals("..")) {
      throw bad.apply(what + " \"" + name + "\" is not a plain name");
    }
    return name;
  }

  /**
   * The real directory (no symlink left in it) that the components name inside root, creating
   * missing ones. Symlinks on the way are followed only while they stay inside root.
   */
  Path directory(List<String> components) throws IOException {
    Deque<String> todo = new ArrayDeque<>(components);
    List<String> resolved = new ArrayList<>();
    Path current = root;
    int hops = 0;
    while (!todo.isEmpty()) {
      String c = todo.pop();
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (resolved.isEmpty()) {
          throw bad.apply("a symlink in the layer leads outside it");
        }
        resolved.removeLast();
        current = current.getParent();
        continue;
      }
      Path next = current.resolve(c);
      BasicFileAttributes a = attributes(next);
      if (a == null) {
        Files.createDirectory(next);
      } else if (a.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw bad.apply("too many symlinks");
        }
        String target = Files.readSymbolicLink(next).toString();
        if (target.startsWith("/")) {
          throw bad.apply(
              "write through absolute symlink " + root.relativize(next) + " -> " + target);
        }
        String[] t = target.split("/");
        for (int i = t.length - 1; i >= 0; i--) {
          todo.push(t[i]);
        }
        continue;
      } else if (!a.isDirectory()) {
        throw bad.apply(root.relativize(next) + " is not a directory");
      }
      resolved.add(c);
      current = next;
    }
    return current;
  }

  static BasicFileAttributes attributes(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }
}
