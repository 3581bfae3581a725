package io.jcri.it.registry;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * One image layer written by the test itself: a tar (entries in the order added), compressed as
 * asked. {@code digest} names the blob, {@code diffId} the uncompressed tar.
 */
public record Layer(byte[] blob, String mediaType, String digest, String diffId) {
  public enum Compression {
    GZIP,
    ZSTD,
    NONE
  }

  private static final Instant MTIME = Instant.parse("2024-01-01T00:00:00Z");

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private final List<TarArchiveEntry> entries = new ArrayList<>();
    private final List<byte[]> contents = new ArrayList<>();

    public Builder dir(String path, int mode) {
      TarArchiveEntry e =
          new TarArchiveEntry(path.endsWith("/") ? path : path + "/", TarConstants.LF_DIR);
      e.setMode(mode);
      return add(e, null);
    }

    public Builder file(String path, int mode, byte[] content) {
      return file(path, mode, 0, 0, content);
    }

    public Builder file(String path, int mode, String content) {
      return file(path, mode, content.getBytes(StandardCharsets.UTF_8));
    }

    public Builder file(String path, int mode, int uid, int gid, byte[] content) {
      TarArchiveEntry e = new TarArchiveEntry(path);
      e.setMode(mode);
      e.setIds(uid, gid);
      e.setSize(content.length);
      return add(e, content);
    }

    public Builder symlink(String path, String target) {
      TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_SYMLINK);
      e.setLinkName(target);
      e.setMode(0777);
      return add(e, null);
    }

    /**
     * A hard link whose header carries the target's mode, as tar writes it (containerd applies that
     * mode).
     */
    public Builder hardlink(String path, String target) {
      TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_LINK);
      e.setLinkName(target);
      entries.stream()
          .filter(t -> t.getName().equals(target))
          .findFirst()
          .ifPresent(t -> e.setMode(t.getMode()));
      return add(e, null);
    }

    public Builder fifo(String path) {
      TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_FIFO);
      e.setMode(0644);
      return add(e, null);
    }

    public Builder charDevice(String path, int major, int minor) {
      TarArchiveEntry e = new TarArchiveEntry(path, TarConstants.LF_CHR);
      e.setMode(0666);
      e.setDevMajor(major);
      e.setDevMinor(minor);
      return add(e, null);
    }

    /** An OCI whiteout: the lower layers' {@code path} is deleted. */
    public Builder whiteout(String path) {
      int slash = path.lastIndexOf('/');
      return file(
          path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1), 0644, new byte[0]);
    }

    /** An OCI opaque marker: the lower layers' content of {@code dir} is hidden. */
    public Builder opaque(String dir) {
      return file((dir.endsWith("/") ? dir : dir + "/") + ".wh..wh..opq", 0644, new byte[0]);
    }

    /** A file entry whose name is kept verbatim, leading '/' and '..' included (hostile layers). */
    public Builder rawFile(String name, byte[] content) {
      TarArchiveEntry e = new TarArchiveEntry(name, true);
      e.setMode(0644);
      e.setSize(content.length);
      return add(e, content);
    }

    /** A file entry with a PAX extended attribute (e.g. {@code security.capability}). */
    public Builder fileWithXattr(
        String path, int mode, byte[] content, String xattr, String value) {
      TarArchiveEntry e = new TarArchiveEntry(path);
      e.setMode(mode);
      e.setSize(content.length);
      e.addPaxHeader("SCHILY.xattr." + xattr, value);
      return add(e, content);
    }

    private Builder add(TarArchiveEntry entry, byte[] content) {
      entry.setModTime(java.util.Date.from(MTIME));
      entries.add(entry);
      contents.add(content);
      return this;
    }

    public byte[] tar() {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      try (TarArchiveOutputStream tar = new TarArchiveOutputStream(buf)) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        for (int i = 0; i < entries.size(); i++) {
          tar.putArchiveEntry(entries.get(i));
          if (contents.get(i) != null) {
            tar.write(contents.get(i));
          }
          tar.closeArchiveEntry();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return buf.toByteArray();
    }

    public Layer build() {
      return build(Compression.GZIP);
    }

    public Layer build(Compression compression) {
      byte[] tar = tar();
      byte[] blob = compress(tar, compression);
      String mediaType =
          switch (compression) {
            case GZIP -> "application/vnd.oci.image.layer.v1.tar+gzip";
            case ZSTD -> "application/vnd.oci.image.layer.v1.tar+zstd";
            case NONE -> "application/vnd.oci.image.layer.v1.tar";
          };
      return new Layer(blob, mediaType, LocalRegistry.sha256(blob), LocalRegistry.sha256(tar));
    }
  }

  static byte[] compress(byte[] tar, Compression compression) {
    if (compression == Compression.NONE) {
      return tar;
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (OutputStream out =
        compression == Compression.GZIP
            ? new GZIPOutputStream(buf, 1 << 16)
            : new ZstdOutputStream(buf)) {
      out.write(tar);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  /** The Docker schema2 media type of this layer (gzip only in Docker images). */
  public String dockerMediaType() {
    return mediaType.endsWith("+gzip")
        ? "application/vnd.docker.image.rootfs.diff.tar.gzip"
        : mediaType;
  }
}
