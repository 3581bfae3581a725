package io.jcri.images.store;

import io.jcri.sys.SysException;
import io.jcri.sys.Syscalls;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * Starts writing a pull's files to disk while the pull still runs: syncfs(2) of the store's
 * filesystem on a background thread, requested every few MiB a layer brings, so that the syncfs a
 * pull ends with (the one that vouches for its record) finds little left to write. A head start
 * only, never the guarantee: an early flush that fails or comes late changes nothing but how long
 * the final one takes. Requests made while a flush runs become one more flush after it; the thread
 * ends when none is pending.
 */
public final class WriteBehind {
  private static final Logger LOG = Logger.getLogger(WriteBehind.class.getName());

  private final Path dir;
  private boolean pending;
  private boolean running;
  private long flushes;

  /** Flushes the filesystem that holds dir. */
  public WriteBehind(Path dir) {
    this.dir = dir;
  }

  /** Asks for a flush of what is written so far; returns at once. */
  public synchronized void request() {
    pending = true;
    if (!running) {
      running = true;
      // a platform thread: syncfs blocks in native code for as long as the disk takes
      Thread.ofPlatform().daemon().name("jcri-write-behind").start(this::flushWhilePending);
    }
  }

  /**
   * Forgets a flush asked for and not yet started: the caller is about to sync itself, and a flush
   * left to run after it would only hold up what comes next (the filesystem's journal commits it
   * forces delay a RemoveImage's deletes).
   */
  public synchronized void dropPending() {
    pending = false;
  }

  /** Flushes started so far (for tests). */
  synchronized long flushes() {
    return flushes;
  }

  private void flushWhilePending() {
    while (true) {
      synchronized (this) {
        if (!pending) {
          running = false;
          return;
        }
        pending = false;
        flushes++;
      }
      try {
        Syscalls.syncfs(dir);
      } catch (SysException e) {
        // the pull's own syncfs reports it, if it persists
        LOG.fine("event=write_behind_failed dir=" + dir + " error=" + e.getMessage());
      }
    }
  }
}
