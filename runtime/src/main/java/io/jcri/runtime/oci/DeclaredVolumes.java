package io.jcri.runtime.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The VOLUMEs an image's config declares: one host directory each under the container's volumes
 * dir, seeded from the image, bind-mounted read-write. (Image volumes of the CRI, {@code
 * Mount.image}, are {@link SpecMounts#fromCri}'s.)
 */
final class DeclaredVolumes {
  private DeclaredVolumes() {}

  /**
   * Image VOLUMEs as read-write binds of host directories under volumesDir. A new directory starts
   * with what the image has at that path, as container engines have always done.
   */
  static List<RuntimeSpec.Mount> mounts(List<String> volumes, Path rootfs, Path volumesDir)
      throws OciSpecException {
    List<RuntimeSpec.Mount> entries = new ArrayList<>();
    for (String volume : volumes) {
      String destination = volume.startsWith("/") ? volume : "/" + volume;
      Path dir = volumesDir.resolve(volumeDirName(destination));
      try {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(volumesDir);
          Path inImage = RootfsPaths.resolve(rootfs, destination);
          if (Files.isDirectory(inImage, LinkOption.NOFOLLOW_LINKS)) {
            copyTree(inImage, dir);
          } else {
            Files.createDirectory(dir);
          }
        }
      } catch (IOException e) {
        throw new OciSpecException(
            OciSpecException.Reason.INTERNAL,
            "preparing image volume " + destination + " in " + dir + ": " + e.getMessage(),
            e);
      }
      entries.add(new RuntimeSpec.Mount(destination, "bind", dir.toString(), SpecMounts.BIND_RW));
    }
    return entries;
  }

  /** Readable, and unique per path even where the readable part collides ("/a_b" and "/a/b"). */
  private static String volumeDirName(String destination) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(destination.getBytes(StandardCharsets.UTF_8));
      String readable = destination.replaceAll("[^A-Za-z0-9._-]", "_");
      return readable.substring(Math.max(0, readable.length() - 64))
          + "-"
          + HexFormat.of().formatHex(hash, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /**
   * Copies a directory tree with owners, modes and times; symlinks are copied as links, never
   * followed.
   */
  private static void copyTree(Path from, Path to) throws IOException {
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            return copy(dir);
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            return copy(file);
          }

          private FileVisitResult copy(Path source) throws IOException {
            Files.copy(
                source,
                to.resolve(from.relativize(source).toString()),
                StandardCopyOption.COPY_ATTRIBUTES,
                LinkOption.NOFOLLOW_LINKS);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
