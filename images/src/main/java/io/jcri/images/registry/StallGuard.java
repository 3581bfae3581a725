package io.jcri.images.registry;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cancels transfers that make no progress: a stream wrapped here that delivers no byte for the
 * stall timeout has its reading thread interrupted and its source closed, and then reports {@link
 * Stalled}. One watchdog thread checks every wrapped stream.
 */
public final class StallGuard {
  /** Thrown by a guarded stream whose transfer stalled. */
  public static final class Stalled extends IOException {
    Stalled(Duration timeout) {
      super("no progress for " + timeout.toSeconds() + "s");
    }
  }

  private final Duration timeout;
  private final Set<Guarded> active = ConcurrentHashMap.newKeySet();

  public StallGuard(Duration timeout) {
    this.timeout = timeout;
    Thread.ofPlatform().daemon().name("jcri-stall-guard").start(this::watch);
  }

  public Duration timeout() {
    return timeout;
  }

  /** The stream, watched while it is read by the calling thread; closing it stops the watch. */
  public InputStream guard(InputStream in) {
    Guarded g = new Guarded(in, Thread.currentThread());
    active.add(g);
    return g;
  }

  private void watch() {
    long tick = Math.max(10, Math.min(1000, timeout.toMillis() / 4));
    while (true) {
      try {
        Thread.sleep(tick);
      } catch (InterruptedException e) {
        return;
      }
      long now = System.nanoTime();
      for (Guarded g : active) {
        if (now - g.lastProgress > timeout.toNanos()) {
          g.stall();
        }
      }
    }
  }

  private final class Guarded extends FilterInputStream {
    private final Thread reader;
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean stalled;

    Guarded(InputStream in, Thread reader) {
      super(in);
      this.reader = reader;
    }

    void stall() {
      stalled = true;
      active.remove(this);
      reader.interrupt();
      try {
        in.close();
      } catch (IOException ignored) {
        // the reader sees the stall either way
      }
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        int n = in.read(b, off, len);
        lastProgress = System.nanoTime();
        if (stalled) {
          throw stalledNow();
        }
        return n;
      } catch (IOException e) {
        if (stalled) {
          throw stalledNow();
        }
        throw e;
      }
    }

    private Stalled stalledNow() {
      Thread.interrupted(); // the interrupt was ours, not the caller's
      return new Stalled(timeout);
    }

    @Override
    public void close() throws IOException {
      active.remove(this);
      in.close();
    }
  }
}
