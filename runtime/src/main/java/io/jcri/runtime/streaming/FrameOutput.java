package io.jcri.runtime.streaming;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/**
 * Bytes for the client on one stream or channel, framed by the protocol. A write blocks while the
 * connection's outbound buffer is over its high water mark, so a slow client slows the process down
 * rather than growing the heap.
 */
final class FrameOutput extends OutputStream {
  // kubelet copies in 32 KiB chunks too; a frame this size keeps latency and overhead both low
  private static final int MAX_FRAME = 32 * 1024;

  /** How one protocol frames data for one stream or channel. */
  interface Framer {
    Object data(ByteBufAllocator alloc, byte[] b, int off, int len);

    /** The frame that ends the stream, or null when the protocol has none. */
    Object end();
  }

  private final Channel channel;
  private final Framer framer;
  private volatile boolean closed;

  FrameOutput(Channel channel, Framer framer) {
    this.channel = channel;
    this.framer = framer;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (closed) {
        throw new IOException("stream closed");
      }
      if (!channel.isActive()) {
        throw new IOException("client disconnected");
      }
      int n = Math.min(len, MAX_FRAME);
      ChannelFuture written = channel.writeAndFlush(framer.data(channel.alloc(), b, off, n));
      if (!channel.isWritable()) {
        try {
          written.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while writing to the client");
        }
      }
      if (written.isDone() && !written.isSuccess()) {
        throw new IOException("writing to the client: " + written.cause().getMessage());
      }
      off += n;
      len -= n;
    }
  }

  /** The peer reset the stream: later writes fail, and no end frame is sent. */
  void reset() {
    closed = true;
  }

  /** Ends the stream for the client (a FIN where the protocol has one). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Object end = framer.end();
    if (end != null && channel.isActive()) {
      channel.writeAndFlush(end);
    }
  }
}
