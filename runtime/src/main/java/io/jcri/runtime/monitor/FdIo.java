package io.jcri.runtime.monitor;

import com.sun.jna.LastErrorException;
import io.jcri.sys.ChunkInput;
import io.jcri.sys.LibC;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Raw descriptor I/O for the pty master and the attach socket. A blocking native read pins a
 * carrier thread, so each descriptor is read by its own platform thread, which hands chunks to
 * {@link ChunkInput}s that callers (often virtual threads) read without pinning.
 */
final class FdIo {
  private static final int READ_BUFFER = 64 * 1024;
  // as many full reads as the bounded queue of 64 chunks held before
  private static final int CHUNKS_HIGH_WATER = 64 * READ_BUFFER;
  // conmon reads attach messages into a 32 KiB buffer less one byte; longer ones would be cut
  private static final int ATTACH_MESSAGE_MAX = 32 * 1024 - 1;

  private FdIo() {}

  /**
   * A descriptor jcrid owns. Only its reading thread closes it (at end of input), so a read can
   * never land on a recycled descriptor number; writers are refused once it is closed.
   */
  static final class Descriptor {
    private final int fd;
    private final boolean socket;
    private boolean closed;

    Descriptor(int fd, boolean socket) {
      this.fd = fd;
      this.socket = socket;
    }

    int fd() {
      return fd;
    }

    /**
     * Starts a platform thread reading until end of input or an error (EIO: a pty whose slave side
     * closed); each chunk goes to sink, then onEnd runs and the descriptor is closed.
     */
    void pump(String name, Consumer<byte[]> sink, Runnable onEnd) {
      Thread.ofPlatform()
          .daemon()
          .name(name)
          .start(
              () -> {
                byte[] buf = new byte[READ_BUFFER];
                try {
                  while (true) {
                    long n;
                    try {
                      n = LibC.INSTANCE.read(fd, buf, buf.length);
                    } catch (LastErrorException e) {
                      if (e.getErrorCode() == LibC.EINTR) {
                        continue;
                      }
                      return;
                    }
                    if (n <= 0) {
                      return;
                    }
                    sink.accept(Arrays.copyOf(buf, (int) n));
                  }
                } finally {
                  onEnd.run();
                  close();
                }
              });
    }

    /** Writes all of data; on a SOCK_SEQPACKET socket in messages conmon reads whole. */
    synchronized void write(byte[] data, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("stream closed");
      }
      int maxChunk = socket ? ATTACH_MESSAGE_MAX : len;
      int done = 0;
      while (done < len) {
        byte[] chunk = Arrays.copyOfRange(data, off + done, off + Math.min(len, done + maxChunk));
        try {
          long n =
              socket
                  ? LibC.INSTANCE.send(fd, chunk, chunk.length, LibC.MSG_NOSIGNAL)
                  : LibC.INSTANCE.write(fd, chunk, chunk.length);
          done += (int) n;
        } catch (LastErrorException e) {
          if (e.getErrorCode() != LibC.EINTR) {
            throw new IOException("write: errno " + e.getErrorCode());
          }
        }
      }
    }

    /** Runs a native call on the descriptor unless it is already closed; false if it was. */
    synchronized boolean ifOpen(java.util.function.IntConsumer call) {
      if (closed) {
        return false;
      }
      call.accept(fd);
      return true;
    }

    /** An output stream over {@link #write}; closing it runs onClose, not close(2). */
    OutputStream output(Runnable onClose) {
      return new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          Descriptor.this.write(b, off, len);
        }

        @Override
        public void close() {
          onClose.run();
        }
      };
    }

    synchronized void close() {
      if (!closed) {
        closed = true;
        closeQuietly(fd);
      }
    }
  }

  static void closeQuietly(int fd) {
    try {
      LibC.INSTANCE.close(fd);
    } catch (LastErrorException ignored) {
      // already closed; nothing else holds it
    }
  }

  /**
   * A stream the pumping thread feeds with {@link ChunkInput#put}: it waits while the reader is 4
   * MiB behind.
   */
  static ChunkInput chunks() {
    return new ChunkInput(CHUNKS_HIGH_WATER, ChunkInput.Backpressure.NONE);
  }
}
