package io.jcri.images.store;

import io.jcri.images.registry.Digests;
import io.jcri.sys.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Unpacked layers, one directory per chain ID under {@code <images>/snapshots/<hex>}, usable as
 * overlayfs lower dirs. A snapshot is filled under a temporary name and renamed when complete.
 */
public final class Snapshots {
  private static final String TEMP_PREFIX = ".tmp-";

  /** Fills an empty directory. */
  public interface Filler {
    void fill(Path dir) throws IOException;
  }

  private final Path dir;

  public Snapshots(Path imagesDir) throws IOException {
    this.dir = imagesDir.resolve("snapshots");
    Files.createDirectories(dir);
    // layers hold set-id binaries and device nodes for containers: no host user may reach them here
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).toList()) {
        Trees.delete(p); // interrupted unpacks
      }
    }
  }

  public Path path(String chainId) {
    return dir.resolve(Digests.hex(chainId));
  }

  public boolean has(String chainId) {
    return Files.isDirectory(path(chainId));
  }

  /**
   * Fills a new snapshot; when filler fails, nothing of it remains. When someone else completed the
   * same chain ID meanwhile, theirs stays (a chain ID names one content) and this one goes.
   */
  public void create(String chainId, Filler filler) throws IOException {
    Path temp = newTemp();
    Files.createDirectory(temp);
    try {
      filler.fill(temp);
    } catch (IOException | RuntimeException e) {
      Trees.delete(temp);
      throw e;
    }
    try {
      Files.move(temp, path(chainId), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // rename(2) onto a complete snapshot fails with ENOTEMPTY, which the JDK reports as a plain
      // FileSystemException, not DirectoryNotEmptyException
      Trees.delete(temp);
      if (!has(chainId)) {
        throw e;
      }
    }
  }

  /**
   * Renames the snapshot out of sight (to a temporary name, removed at the next open if need be)
   * and returns where it went, so its tree can be deleted outside the store's lock; null if absent.
   */
  public Path retire(String chainId) throws IOException {
    Path retired = newTemp();
    try {
      Files.move(path(chainId), retired, StandardCopyOption.ATOMIC_MOVE);
    } catch (NoSuchFileException e) {
      return null;
    }
    return retired;
  }

  private Path newTemp() {
    return dir.resolve(TEMP_PREFIX + UUID.randomUUID());
  }

  public Set<String> list() throws IOException {
    Set<String> all = new HashSet<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(TEMP_PREFIX))
          .forEach(n -> all.add("sha256:" + n));
    }
    return all;
  }

  /** Chain IDs of a layer stack: the first is its diff ID, each next hashes "parent diffId". */
  public static List<String> chainIds(List<String> diffIds) {
    String[] chain = new String[diffIds.size()];
    for (int i = 0; i < chain.length; i++) {
      chain[i] =
          i == 0
              ? diffIds.get(0)
              : Digests.sha256(
                  (chain[i - 1] + " " + diffIds.get(i))
                      .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
    return List.of(chain);
  }
}
