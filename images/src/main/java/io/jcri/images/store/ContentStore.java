package io.jcri.images.store;

import io.jcri.images.ImageException;
import io.jcri.images.ImageException.Reason;
import io.jcri.images.registry.Digests;
import io.jcri.sys.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Blobs by digest under {@code <images>/blobs/sha256/<hex>}. A blob is written to a temporary file,
 * checked against its digest and size, then renamed into place: a blob under its name is always
 * complete and correct.
 */
public final class ContentStore {
  private final Path blobs;
  private final Path tmp;

  public ContentStore(Path imagesDir) throws IOException {
    this.blobs = imagesDir.resolve("blobs/sha256");
    this.tmp = imagesDir.resolve("tmp");
    Files.createDirectories(blobs);
    Trees.delete(tmp); // whatever is here was interrupted
    Files.createDirectories(tmp);
  }

  public Path path(String digest) {
    return blobs.resolve(Digests.hex(digest));
  }

  public boolean has(String digest) {
    return Files.isRegularFile(path(digest));
  }

  public byte[] read(String digest) throws IOException {
    return Files.readAllBytes(path(digest));
  }

  /** Stores content already in memory after checking its digest. */
  public void write(String digest, byte[] content) throws IOException {
    if (!Digests.sha256(content).equals(digest)) {
      throw new ImageException(Reason.REGISTRY, "content does not match digest " + digest);
    }
    if (!has(digest)) {
      Path t = newTemp();
      Files.write(t, content);
      commit(t, digest);
    }
  }

  /** A temporary file for a blob on its way in. */
  public Path newTemp() {
    return tmp.resolve(UUID.randomUUID().toString());
  }

  /**
   * Moves a verified temporary file into place. Not fsynced here: the image store syncs the whole
   * filesystem once per pull before it writes the record that makes the blob count.
   */
  public void commit(Path temp, String digest) throws IOException {
    Files.move(
        temp, path(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Copies in to out while hashing; fails unless exactly size bytes with the digest arrived. */
  public static void copyVerified(
      InputStream in, OutputStream out, MessageDigest sha, String digest, long size)
      throws IOException {
    byte[] buf = new byte[1 << 16];
    long total = 0;
    int n;
    while ((n = in.read(buf)) >= 0) {
      total += n;
      if (total > size) {
        throw new ImageException(
            Reason.REGISTRY, "blob " + digest + " is longer than its declared " + size + " bytes");
      }
      sha.update(buf, 0, n);
      out.write(buf, 0, n);
    }
    verify(sha, digest, size, total);
  }

  public static void verify(MessageDigest sha, String digest, long size, long total) {
    if (total != size) {
      throw new ImageException(
          Reason.REGISTRY, "blob " + digest + " is truncated: " + total + " of " + size + " bytes");
    }
    String actual = Digests.format(sha.digest());
    if (!actual.equals(digest)) {
      throw new ImageException(
          Reason.REGISTRY, "blob " + digest + " arrived with digest " + actual);
    }
  }

  /** Fetches a small blob (manifest, config) into memory with the same checks. */
  public static byte[] readVerified(InputStream in, String digest, long size, long limit)
      throws IOException {
    if (size > limit) {
      throw new ImageException(
          Reason.REGISTRY,
          "blob " + digest + " of " + size + " bytes exceeds the limit of " + limit);
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream((int) size);
    copyVerified(in, out, Digests.newSha256(), digest, size);
    return out.toByteArray();
  }

  /** Opens a new temporary file (from {@link #newTemp}) for writing. */
  public OutputStream create(Path temp) throws IOException {
    return Channels.newOutputStream(
        FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
  }

  /** Moves the blob to the temporary directory and returns where it went; null if absent. */
  public Path retire(String digest) throws IOException {
    Path retired = newTemp();
    try {
      Files.move(path(digest), retired, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
    return retired;
  }

  public Set<String> list() throws IOException {
    Set<String> all = new HashSet<>();
    try (Stream<Path> s = Files.list(blobs)) {
      s.forEach(p -> all.add("sha256:" + p.getFileName()));
    }
    return all;
  }
}
