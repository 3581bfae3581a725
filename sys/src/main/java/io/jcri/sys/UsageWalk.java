package io.jcri.sys;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One count of a tree's usage, as "du -sb" and "du -s --inodes" count it: each hard-linked file
 * once, symlinks not followed. Only files with more than one link are remembered to count them
 * once, so a walk of millions of files holds memory for its hard links and its pending directories,
 * not for every file.
 */
final class UsageWalk {
  // one lstat per entry gives all of these
  private static final String ATTRIBUTES = "unix:size,nlink,ino,dev,isDirectory,isRegularFile";

  private record Inode(long dev, long ino) {}

  private final Set<Inode> linked = new HashSet<>();
  private long bytes;
  private long inodes;

  Trees.Usage walk(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return new Trees.Usage(0, 0);
    }
    count(Files.readAttributes(dir, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS));
    ArrayDeque<Path> pending = new ArrayDeque<>();
    pending.push(dir);
    while (!pending.isEmpty()) {
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(pending.pop())) {
        for (Path entry : entries) {
          Map<String, Object> a;
          try {
            a = Files.readAttributes(entry, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
          } catch (IOException removedWhileWalking) {
            continue;
          }
          if ((Boolean) a.get("isDirectory")) {
            pending.push(entry);
          }
          count(a);
        }
      } catch (IOException removedWhileWalking) {
        // a directory that went away has nothing left to count
      }
    }
    return new Trees.Usage(bytes, inodes);
  }

  /** Files remembered to count their other links once: those with more than one link. */
  int remembered() {
    return linked.size();
  }

  private void count(Map<String, Object> a) {
    // only regular files can share an inode (directories cannot be hard-linked)
    if ((Boolean) a.get("isRegularFile")
        && (Integer) a.get("nlink") > 1
        && !linked.add(new Inode((Long) a.get("dev"), (Long) a.get("ino")))) {
      return;
    }
    bytes += (Long) a.get("size");
    inodes++;
  }
}
