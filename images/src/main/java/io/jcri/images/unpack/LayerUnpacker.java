package io.jcri.images.unpack;

import io.jcri.images.ImageException;
import io.jcri.images.ImageException.Reason;
import io.jcri.images.registry.Digests;
import io.jcri.sys.SysException;
import io.jcri.sys.Syscalls;
import io.jcri.sys.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks one layer (gzip, zstd or plain tar, recognised by its magic bytes) into an empty
 * directory that becomes an overlayfs lower dir. OCI whiteouts become 0/0 character devices and
 * opaque markers the {@code trusted.overlay.opaque} xattr. Nothing is ever written or removed
 * outside the directory: an entry whose name, link target or whiteout target leaves it (an absolute
 * name, {@code ..}, a whiteout of {@code .}, {@code ..} or nothing, a write through a symlink that
 * leads out) or whose header checksum is wrong makes the unpack fail with {@link Reason#BAD_LAYER}
 * naming the entry. Overlay xattrs the tar carries are dropped; runs of zeros are written as holes;
 * a layer that expands beyond the cap (tar bytes or file bytes) is refused.
 */
public final class LayerUnpacker {
  private static final String WHITEOUT = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";

  /** aufs bookkeeping (".wh..wh.plnk", ".wh..wh.aufs"): means nothing to overlayfs. */
  private static final String WHITEOUT_META = ".wh..wh.";

  private static final String OVERLAY_XATTRS = "trusted.overlay.";

  /**
   * What one layer may expand to unless the caller says otherwise: tar bytes, and file bytes (holes
   * included).
   */
  public static final long DEFAULT_MAX_EXPANDED_BYTES = 64L << 30;

  private static final int CHUNK = 1 << 16;
  private static final int S_IFIFO = 0010000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;
  private static final byte[] ZEROS = new byte[CHUNK];

  /** What was unpacked: the digest and size of the uncompressed tar (the layer's diff ID). */
  public record Result(String diffId, long tarBytes) {}

  private final Path root;
  private final LayerPaths paths;
  private final long maxExpandedBytes;
  private final Map<Path, FileTime> directoryTimes = new LinkedHashMap<>();
  private final byte[] chunk = new byte[CHUNK];
  private long fileBytes;
  private String entry = "";

  private LayerUnpacker(Path root, long maxExpandedBytes) {
    this.root = root;
    this.paths = new LayerPaths(root, this::bad);
    this.maxExpandedBytes = maxExpandedBytes;
  }

  /**
   * Unpacks the (possibly compressed) layer stream into root, which must exist and be empty. The
   * stream stays open: the caller may still need what follows the archive.
   */
  public static Result unpack(InputStream layer, Path root) throws IOException {
    return unpack(layer, root, DEFAULT_MAX_EXPANDED_BYTES);
  }

  /**
   * As {@link #unpack(InputStream, Path)}, refusing the layer once it expands beyond
   * maxExpandedBytes.
   */
  public static Result unpack(InputStream layer, Path root, long maxExpandedBytes)
      throws IOException {
    return new LayerUnpacker(root, maxExpandedBytes)
        .run(
            new java.io.FilterInputStream(layer) {
              @Override
              public void close() {
                // the caller's stream
              }
            });
  }

  private Result run(InputStream layer) throws IOException {
    MessageDigest sha = Digests.newSha256();
    Decompression.CountingInputStream tarBytes =
        new Decompression.CountingInputStream(
            new DigestInputStream(Decompression.decompress(layer), sha), maxExpandedBytes);
    try (TarArchiveInputStream tar = new TarArchiveInputStream(tarBytes, 1 << 16)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        apply(e, tar);
      }
      // the digest covers the whole tar, including the end-of-archive blocks the reader skips
      tarBytes.transferTo(OutputStream.nullOutputStream());
    }
    for (Map.Entry<Path, FileTime> d : directoryTimes.entrySet()) {
      setTimes(d.getKey(), d.getValue());
    }
    return new Result(Digests.format(sha.digest()), tarBytes.count);
  }

  private void apply(TarArchiveEntry e, InputStream content) throws IOException {
    entry = e.getName();
    if (!e.isCheckSumOK()) {
      throw bad("header checksum does not match");
    }
    if (e.isGlobalPaxHeader()) {
      return; // PAX globals carry nothing to write
    }
    List<String> parts = paths.clean(e.getName());
    if (parts.isEmpty()) {
      if (!e.isDirectory()) {
        throw bad("names the layer's root but is not a directory");
      }
      setMetadata(root, e); // "./": the layer's root directory itself
      return;
    }
    String base = parts.getLast();
    Path dir = paths.directory(parts.subList(0, parts.size() - 1));
    if (base.equals(OPAQUE)) {
      Syscalls.lsetxattr(dir, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
      return;
    }
    if (base.startsWith(WHITEOUT_META)) {
      return;
    }
    if (base.startsWith(WHITEOUT)) {
      Path hidden =
          dir.resolve(paths.childName(base.substring(WHITEOUT.length()), "whiteout target"));
      removeExisting(hidden);
      Syscalls.mknod(hidden, S_IFCHR, 0, 0);
      return;
    }
    Path target = dir.resolve(base);
    if (e.isDirectory()) {
      BasicFileAttributes existing = LayerPaths.attributes(target);
      if (existing == null || !existing.isDirectory()) {
        removeExisting(target);
        Files.createDirectory(target);
      }
      setMetadata(target, e);
      directoryTimes.put(target, FileTime.from(e.getLastModifiedDate().toInstant()));
      return;
    }
    removeExisting(target);
    if (e.isLink()) {
      List<String> linkParts = paths.clean(e.getLinkName());
      if (linkParts.isEmpty()) {
        throw bad("hard link has no target");
      }
      Path source =
          paths.directory(linkParts.subList(0, linkParts.size() - 1)).resolve(linkParts.getLast());
      BasicFileAttributes a = LayerPaths.attributes(source);
      if (a == null || a.isDirectory()) {
        throw bad("hard link to " + e.getLinkName() + ", which is not a file of this layer");
      }
      Files.createLink(target, source);
      return;
    }
    if (e.isSymbolicLink()) {
      String link = e.getLinkName();
      if (link.isEmpty()) {
        throw bad("symlink has no target");
      }
      Files.createSymbolicLink(target, Path.of(link));
    } else if (e.isFIFO()) {
      Syscalls.mknod(target, S_IFIFO | 0600, 0, 0);
    } else if (e.isCharacterDevice() || e.isBlockDevice()) {
      Syscalls.mknod(
          target,
          (e.isCharacterDevice() ? S_IFCHR : S_IFBLK) | 0600,
          e.getDevMajor(),
          e.getDevMinor());
    } else if (e.isFile()) {
      writeFile(target, e.getRealSize(), content);
    } else {
      return; // other non-file entries carry nothing to write
    }
    setMetadata(target, e);
    setTimes(target, FileTime.from(e.getLastModifiedDate().toInstant()));
  }

  /** The file's bytes, with each all-zero chunk left as a hole, so sparse files stay sparse. */
  private void writeFile(Path target, long size, InputStream content) throws IOException {
    fileBytes += size;
    if (fileBytes > maxExpandedBytes) {
      throw bad("the layer's files exceed " + maxExpandedBytes + " bytes");
    }
    try (FileChannel out =
        FileChannel.open(
            target,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
      long position = 0;
      int n;
      while ((n = content.read(chunk)) > 0) {
        if (Arrays.mismatch(chunk, 0, n, ZEROS, 0, n) >= 0) {
          out.write(ByteBuffer.wrap(chunk, 0, n), position);
        }
        position += n;
      }
      if (out.size() < position) {
        out.write(
            ByteBuffer.wrap(ZEROS, 0, 1), position - 1); // a trailing hole still counts in the size
      }
    }
  }

  private void setMetadata(Path path, TarArchiveEntry e) throws IOException {
    Syscalls.lchown(path, (int) e.getLongUserId(), (int) e.getLongGroupId());
    for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
      String xattr =
          h.getKey().startsWith("SCHILY.xattr.")
              ? h.getKey().substring("SCHILY.xattr.".length())
              : null;
      // overlay's own xattrs (redirect, metacopy, opaque) would steer the mount: only whiteouts may
      // set them
      if (xattr != null && !xattr.startsWith(OVERLAY_XATTRS)) {
        Syscalls.lsetxattr(path, xattr, h.getValue().getBytes(StandardCharsets.ISO_8859_1));
      }
    }
    if (!e.isSymbolicLink()) {
      // after chown, which clears set-id bits; Java's permission API cannot set them
      Syscalls.chmod(path, e.getMode());
    }
  }

  /**
   * utimensat(AT_SYMLINK_NOFOLLOW): Java's setTimes opens the file, which blocks on a FIFO and
   * follows links.
   */
  private static void setTimes(Path path, FileTime mtime) throws SysException {
    Syscalls.setTimesNoFollow(path, mtime.toInstant());
  }

  private void removeExisting(Path path) throws IOException {
    BasicFileAttributes a = LayerPaths.attributes(path);
    if (a == null) {
      return;
    }
    if (a.isDirectory()) {
      Trees.delete(path);
    } else {
      Files.delete(path);
    }
    directoryTimes.remove(path);
  }

  private ImageException bad(String why) {
    return new ImageException(Reason.BAD_LAYER, "refused layer entry \"" + entry + "\": " + why);
  }
}
