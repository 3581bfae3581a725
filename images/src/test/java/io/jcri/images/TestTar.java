package io.jcri.images;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Tar archives written by the tests, hostile ones included (names are kept verbatim). */
public final class TestTar {
  public static final Date MTIME = new Date(1_700_000_000_000L);
  private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar = new TarArchiveOutputStream(buf);

  public TestTar() {
    this(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  /**
   * longFileMode: how names over 100 bytes are written, e.g. {@link
   * TarArchiveOutputStream#LONGFILE_GNU}.
   */
  public TestTar(int longFileMode) {
    tar.setLongFileMode(longFileMode);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  public TestTar dir(String name, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_DIR, true);
    e.setMode(mode);
    return put(e, null);
  }

  public TestTar file(String name, String content) {
    return file(name, 0644, 0, 0, content);
  }

  public TestTar file(String name, int mode, int uid, int gid, String content) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    e.setMode(mode);
    e.setIds(uid, gid);
    e.setSize(bytes.length);
    return put(e, bytes);
  }

  public TestTar xattrFile(String name, String xattr, String value) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setMode(0755);
    e.addPaxHeader("SCHILY.xattr." + xattr, value);
    return put(e, new byte[0]);
  }

  public TestTar symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    return put(e, null);
  }

  public TestTar hardlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    e.setLinkName(target);
    return put(e, null);
  }

  public TestTar node(String name, byte type, int major, int minor) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setMode(0640);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return put(e, null);
  }

  /**
   * A regular file whose entry also carries the given PAX headers (xattrs, sparse maps, odd paths).
   */
  public TestTar paxFile(String name, Map<String, String> pax, String content) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    e.setMode(0644);
    e.setSize(bytes.length);
    pax.forEach(e::addPaxHeader);
    return put(e, bytes);
  }

  /**
   * A raw PAX extended header ('x') for the next entry, written as is: the writer's own PAX support
   * checks the records (a GNU sparse map, for one) and would refuse some.
   */
  public TestTar rawPax(Map<String, String> records) {
    StringBuilder body = new StringBuilder();
    records.forEach(
        (k, v) -> {
          String rec = " " + k + "=" + v + "\n";
          int len = rec.length();
          len += String.valueOf(len + String.valueOf(len).length()).length();
          body.append(len).append(rec);
        });
    TarArchiveEntry e =
        new TarArchiveEntry("PaxHeaders/next", TarConstants.LF_PAX_EXTENDED_HEADER_LC, true);
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    e.setSize(bytes.length);
    return put(e, bytes);
  }

  private TestTar put(TarArchiveEntry e, byte[] content) {
    try {
      e.setModTime(MTIME);
      tar.putArchiveEntry(e);
      if (content != null) {
        tar.write(content);
      }
      tar.closeArchiveEntry();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return this;
  }

  public byte[] bytes() {
    try {
      tar.close();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return buf.toByteArray();
  }

  public static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
    return out.toByteArray();
  }
}
