package io.jcri.runtime.stats;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Bytes and inodes a container's writable layer holds, counted as "du -sb" and "du -s --inodes"
 * count them: apparent sizes, symlinks not followed, each hard-linked inode once.
 */
record LayerUsage(long bytes, long inodes) {
  /** Empty when the directory does not exist (the container was removed meanwhile). */
  static Optional<LayerUsage> of(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    long[] totals = new long[2];
    // Only regular files can share an inode inside one tree (directories cannot be hard-linked),
    // so only their (device, inode) keys are remembered.
    Set<Object> seenFiles = new HashSet<>();
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        count(attrs);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (!attrs.isRegularFile() || seenFiles.add(attrs.fileKey())) {
          count(attrs);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE; // deleted by the running container while we walked
        }
        throw e;
      }

      private void count(BasicFileAttributes attrs) {
        totals[0] += attrs.size();
        totals[1]++;
      }
    });
    return Optional.of(new LayerUsage(totals[0], totals[1]));
  }
}
