package io.jcri.sys;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An input stream fed chunk by chunk from another thread, with back-pressure: when the reader falls
 * behind by more than the high water mark, a feeder that may block ({@link #put}) waits, and a
 * feeder that must not block ({@link #offer}, an event loop) is told to pause its source until the
 * reader has drained to a quarter of it.
 */
public class ChunkInput extends InputStream {
  /** Stops and restarts the source of a feeder that must not block (e.g. socket reads). */
  public interface Backpressure {
    Backpressure NONE =
        new Backpressure() {
          @Override
          public void pause() {}

          @Override
          public void resume() {}
        };

    void pause();

    void resume();
  }

  private final int highWater;
  private final int lowWater;
  private final Backpressure backpressure;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition readable = lock.newCondition();
  private final Condition writable = lock.newCondition();
  private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
  private int queued;
  private boolean paused;
  private boolean ended;
  private boolean closed;
  private byte[] current;
  private int position;

  /** highWater: bytes queued before the feeder is held back. */
  public ChunkInput(int highWater, Backpressure backpressure) {
    this.highWater = highWater;
    this.lowWater = highWater / 4;
    this.backpressure = backpressure;
  }

  /**
   * Queues chunk (now owned by this stream) without blocking; over the high water mark the source
   * is paused.
   */
  public void offer(byte[] chunk) {
    if (chunk.length == 0) {
      return;
    }
    lock.lock();
    try {
      if (ended || closed) {
        return;
      }
      add(chunk);
      if (queued > highWater && !paused) {
        paused = true;
        backpressure.pause();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues chunk (now owned by this stream), first waiting while the reader is behind; dropped once
   * closed.
   */
  public void put(byte[] chunk) {
    if (chunk.length == 0) {
      return;
    }
    lock.lock();
    try {
      while (!closed && queued >= highWater) {
        writable.await();
      }
      if (!ended && !closed) {
        add(chunk);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private void add(byte[] chunk) {
    chunks.add(chunk);
    queued += chunk.length;
    readable.signalAll();
  }

  /** The feeder will send no more: the reader gets what is queued, then end of stream. */
  public void end() {
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
          writable.signalAll();
          if (paused && queued <= lowWater) {
            paused = false;
            backpressure.resume();
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
      throw new InterruptedIOException("interrupted while waiting for input");
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

  /**
   * The reader is done: what is queued and whatever still arrives is dropped, the source resumes.
   */
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
        backpressure.resume();
      }
      readable.signalAll();
      writable.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
