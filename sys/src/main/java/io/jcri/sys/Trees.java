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
   * and "du -s --inodes" count them: each hard-linked file once, symlinks not followed; memory
   * grows with the hard-linked files only.
   */
  public record Usage(long bytes, long inodes) {}

  public static Usage usage(Path dir) throws IOException {
    return new UsageWalk().walk(dir);
  }
}
