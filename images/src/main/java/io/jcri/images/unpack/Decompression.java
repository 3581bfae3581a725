package io.jcri.images.unpack;

import com.github.luben.zstd.ZstdInputStream;
import io.jcri.images.ImageException;
import io.jcri.images.ImageException.Reason;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * A layer's bytes as the tar they compress: the format recognised by its magic bytes, and the
 * uncompressed bytes counted so a decompression bomb stops at the cap.
 */
final class Decompression {
  private Decompression() {}

  /** The layer as an uncompressed tar: gzip, zstd or plain, recognised by their magic bytes. */
  static InputStream decompress(InputStream in) throws IOException {
    BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
    b.mark(4);
    byte[] magic = b.readNBytes(4);
    b.reset();
    if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
      return new GZIPInputStream(b, 1 << 16);
    }
    if (magic.length == 4
        && (magic[0] & 0xff) == 0x28
        && (magic[1] & 0xff) == 0xb5
        && (magic[2] & 0xff) == 0x2f
        && (magic[3] & 0xff) == 0xfd) {
      return new ZstdInputStream(b);
    }
    return b;
  }

  /** Counts the uncompressed tar and stops a decompression bomb at the cap. */
  static final class CountingInputStream extends FilterInputStream {
    private final long max;
    long count;

    CountingInputStream(InputStream in, long max) {
      super(in);
      this.max = max;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      if (n > 0) {
        counted(n);
      }
      return n;
    }

    private void counted(int n) {
      count += n;
      if (count > max) {
        throw new ImageException(
            Reason.BAD_LAYER, "refused layer: it decompresses to more than " + max + " bytes");
      }
    }
  }
}
