package io.jcri.sys;

import com.sun.jna.LastErrorException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Tells when watched processes exit, without polling: a pidfd per process (it keeps naming that
 * process even once its PID is reused) in one epoll set, waited on by one platform thread; each
 * exit is handed to its callback once, on a virtual thread.
 */
public final class ProcessExits {
  private static final Logger LOG = Logger.getLogger(ProcessExits.class.getName());
  private static final long SYS_PIDFD_OPEN = 434; // the same number on every architecture
  private static final int EPOLL_CLOEXEC = 0x80000;
  private static final int EPOLL_CTL_ADD = 1;
  private static final int EPOLL_CTL_DEL = 2;
  private static final int EPOLLIN = 1;
  private static final int ESRCH = 3;
  private static final int EINTR = 4;
  // struct epoll_event is packed on x86-64 (u32 events, u64 data), naturally aligned elsewhere
  private static final int EVENT_SIZE = "amd64".equals(System.getProperty("os.arch")) ? 12 : 16;
  private static final int DATA_OFFSET = EVENT_SIZE - 8;
  private static final int BATCH = 64;

  private record Watch(int pidfd, int pid, Runnable onExit) {}

  private final int epoll;
  private final Map<Long, Watch> watches = new ConcurrentHashMap<>();
  private final AtomicLong tokens = new AtomicLong();

  private ProcessExits(int epoll) {
    this.epoll = epoll;
  }

  /** An epoll set and its waiting thread. */
  public static ProcessExits start(String name) throws SysException {
    int fd;
    try {
      fd = LibC.INSTANCE.epoll_create1(EPOLL_CLOEXEC);
    } catch (LastErrorException e) {
      throw new SysException("epoll_create1", e.getErrorCode());
    }
    ProcessExits exits = new ProcessExits(fd);
    Thread.ofPlatform().daemon().name(name).start(exits::loop);
    return exits;
  }

  /**
   * Runs onExit once the process now at pid exits; empty (and onExit never runs) when no process
   * has that PID. The token cancels the watch.
   */
  public OptionalLong watch(int pid, Runnable onExit) throws SysException {
    int pidfd;
    try {
      pidfd = (int) LibC.INSTANCE.syscall(SYS_PIDFD_OPEN, pid, 0);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == ESRCH) {
        return OptionalLong.empty();
      }
      throw new SysException("pidfd_open " + pid, e.getErrorCode());
    }
    long token = tokens.incrementAndGet();
    watches.put(token, new Watch(pidfd, pid, onExit));
    byte[] event = new byte[EVENT_SIZE];
    ByteBuffer.wrap(event)
        .order(ByteOrder.nativeOrder())
        .putInt(0, EPOLLIN)
        .putLong(DATA_OFFSET, token);
    try {
      LibC.INSTANCE.epoll_ctl(epoll, EPOLL_CTL_ADD, pidfd, event);
    } catch (LastErrorException e) {
      watches.remove(token);
      closeQuietly(pidfd);
      throw new SysException("epoll_ctl add pidfd of " + pid, e.getErrorCode());
    }
    return OptionalLong.of(token);
  }

  /** The watch ends; its callback will not run. Unknown or finished tokens are ignored. */
  public void cancel(long token) {
    Watch w = watches.remove(token);
    if (w != null) {
      release(w);
    }
  }

  private void loop() {
    byte[] events = new byte[EVENT_SIZE * BATCH];
    ByteBuffer view = ByteBuffer.wrap(events).order(ByteOrder.nativeOrder());
    while (true) {
      int n;
      try {
        n = LibC.INSTANCE.epoll_wait(epoll, events, BATCH, -1);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == EINTR) {
          continue;
        }
        LOG.severe("event=process_watch_stopped error=errno_" + e.getErrorCode());
        return;
      }
      for (int i = 0; i < n; i++) {
        Watch w = watches.remove(view.getLong(i * EVENT_SIZE + DATA_OFFSET));
        if (w != null) {
          release(w);
          Thread.ofVirtual().name("process-exit-" + w.pid()).start(w.onExit());
        }
      }
    }
  }

  private void release(Watch w) {
    try {
      LibC.INSTANCE.epoll_ctl(epoll, EPOLL_CTL_DEL, w.pidfd(), null);
    } catch (LastErrorException e) {
      // closing the pidfd removes it from the set anyway
    }
    closeQuietly(w.pidfd());
  }

  private static void closeQuietly(int fd) {
    try {
      LibC.INSTANCE.close(fd);
    } catch (LastErrorException e) {
      // already closed
    }
  }
}
