package io.jcri.runtime.streaming;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bytes the client sends on one stream or channel, read by a blocking backend thread. When the
 * reader falls behind, the connection stops reading from the socket (TCP pushes back on the
 * client) instead of buffering without bound.
 */
final class FrameInput extends InputStream {
  private static final int HIGH_WATER = 256 * 1024;
  private static final int LOW_WATER = HIGH_WATER / 4;

  /** Turns socket reads off while any input of the connection is over its high water mark. */
  static final class ReadGate {
    private final Channel channel;
    private int paused; // event loop and readers both touch it: guarded by this

    ReadGate(Channel channel) {
      this.channel = channel;
    }

    synchronized void pause() {
      if (paused++ == 0) {
        channel.config().setAutoRead(false);
      }
    }

    synchronized void resume() {
      if (--paused == 0) {
        channel.config().setAutoRead(true);
      }
    }
  }

  private final ReadGate gate;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readable = lock.newCondition();
  private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
  private int queued;
  private boolean paused;
  private boolean ended;
  private boolean closed;
  private byte[] current;
  private int position;

  FrameInput(ReadGate gate) {
    this.gate = gate;
  }

  /** Called on the event loop with bytes the client sent; does not take ownership of {@code data}. */
  void offer(ByteBuf data) {
    if (!data.isReadable()) {
      return;
    }
    byte[] bytes = new byte[data.readableBytes()];
    data.readBytes(bytes);
    lock.lock();
    try {
      if (ended || closed) {
        return;
      }
      chunks.add(bytes);
      queued += bytes.length;
      if (queued > HIGH_WATER && !paused) {
        paused = true;
        gate.pause();
      }
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The client will send no more (stream half-closed, v5 close signal, or connection gone). */
  void end() {
    lock.lock();
    try {
      ended = true;
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    lock.lock();
    try {
      while (current == null) {
        if (closed) {
          throw new IOException("stream closed");
        }
        byte[] next = chunks.poll();
        if (next != null) {
          current = next;
          position = 0;
          queued -= next.length;
          if (paused && queued <= LOW_WATER) {
            paused = false;
            gate.resume();
          }
        } else if (ended) {
          return -1;
        } else {
          readable.await();
        }
      }
      int n = Math.min(len, current.length - position);
      System.arraycopy(current, position, b, off, n);
      position += n;
      if (position == current.length) {
        current = null;
      }
      return n;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while reading client input");
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int available() {
    lock.lock();
    try {
      return (current == null ? 0 : current.length - position) + queued;
    } finally {
      lock.unlock();
    }
  }

  /** Discards what is queued and lets the connection read again. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      ended = true;
      chunks.clear();
      current = null;
      queued = 0;
      if (paused) {
        paused = false;
        gate.resume();
      }
      readable.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
