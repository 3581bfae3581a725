package io.jcri.sys;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Whole directory trees: removal (never following symlinks) and usage. */
public final class Trees {
  private Trees() {}

  public static void delete(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
            if (exc != null && !(exc instanceof NoSuchFileException)) {
              throw exc;
            }
            Files.deleteIfExists(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  /**
   * Bytes (apparent file sizes) and inodes (entries, directories included) under dir, as "du -sb"
   * and "du -s --inodes" count them: each hard-linked file once, symlinks not followed.
   */
  public record Usage(long bytes, long inodes) {}

  public static Usage usage(Path dir) throws IOException {
    long[] sum = new long[2];
    if (!Files.isDirectory(dir)) {
      return new Usage(0, 0);
    }
    // only regular files can share an inode (directories cannot be hard-linked)
    java.util.Set<Object> seenFiles = new java.util.HashSet<>();
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
            sum[0] += attrs.size();
            sum[1]++;
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (!attrs.isRegularFile() || seenFiles.add(attrs.fileKey())) {
              sum[0] += attrs.size();
              sum[1]++;
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException exc) {
            return FileVisitResult.CONTINUE; // removed while walking
          }
        });
    return new Usage(sum[0], sum[1]);
  }
}
