package io.jcri.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child started by posix_spawn as the leader of a new session (and so of its own process group),
 * stdin from /dev/null, stdout and stderr on pipes. The JDK's launcher cannot make a session: it
 * took {@code setsid(1)} in front of the program, and the JDK itself execs {@code jspawnhelper}
 * before the program; here the program is the only exec (one exec instead of three, ≈ 15 ms of CPU
 * per start on this class of node). Its exit is seen through a pidfd ({@link ProcessExits}), not a
 * thread per child. Its output streams are plain file streams over the pipes: a read blocks its
 * thread in native code and so pins a virtual thread's carrier (the JDK's own pipe streams
 * compensate with an internal API), so they are read on platform threads.
 */
final class SessionProcess extends Process {
  private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  private static final short POSIX_SPAWN_SETSID = 0x80;
  // glibc's sizes on 64-bit Linux are 336 (attributes), 80 (file actions) and 128 (sigset_t)
  private static final int OPAQUE = 512;
  private static final int SIGTERM = 15;
  private static ProcessExits exits;

  /** The posix_spawn calls: each returns an error number instead of setting errno. */
  private interface Spawn extends Library {
    Spawn INSTANCE = Native.load("c", Spawn.class);

    int posix_spawnattr_init(Pointer attr);

    int posix_spawnattr_setflags(Pointer attr, short flags);

    int posix_spawnattr_setsigmask(Pointer attr, Pointer mask);

    int posix_spawnattr_setsigdefault(Pointer attr, Pointer signals);

    int posix_spawnattr_destroy(Pointer attr);

    int posix_spawn_file_actions_init(Pointer actions);

    int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);

    int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

    int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

    int posix_spawn_file_actions_destroy(Pointer actions);

    int posix_spawnp(
        IntByReference pid,
        String file,
        Pointer actions,
        Pointer attr,
        String[] argv,
        String[] envp);

    int sigemptyset(Pointer set);

    int sigfillset(Pointer set);
  }

  private final int pid;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private InputStream stdout = InputStream.nullInputStream();
  private InputStream stderr = InputStream.nullInputStream();

  private SessionProcess(int pid) {
    this.pid = pid;
  }

  /**
   * Starts argv (argv[0] looked up on PATH) with jcrid's environment, every signal at its default
   * and none blocked, no descriptor of jcrid's but the three.
   */
  static SessionProcess start(List<String> argv) throws IOException {
    int[] out = pipe();
    int[] err;
    try {
      err = pipe();
    } catch (IOException e) {
      closeQuietly(out[0], out[1]);
      throw e;
    }
    try {
      int pid = spawn(argv, out[1], err[1]);
      SessionProcess p = new SessionProcess(pid);
      try {
        p.stdout = reopen(out[0]);
        p.stderr = reopen(err[0]);
        if (watcher().watch(pid, p::reap).isEmpty()) {
          p.reap(); // no pidfd: gone already (only we reap it), so this returns at once
        }
      } catch (IOException e) {
        p.destroyForcibly();
        p.reap();
        throw new IOException("starting " + argv.getFirst() + ": " + e.getMessage(), e);
      }
      return p;
    } finally {
      closeQuietly(out[0], out[1], err[0], err[1]);
    }
  }

  private static int spawn(List<String> argv, int stdout, int stderr) throws IOException {
    Spawn s = Spawn.INSTANCE;
    Memory attr = new Memory(OPAQUE);
    Memory actions = new Memory(OPAQUE);
    Memory none = new Memory(OPAQUE);
    Memory all = new Memory(OPAQUE);
    check(argv, "attributes", s.posix_spawnattr_init(attr));
    try {
      check(argv, "file actions", s.posix_spawn_file_actions_init(actions));
      try {
        s.sigemptyset(none);
        s.sigfillset(all);
        short flags = POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
        check(argv, "flags", s.posix_spawnattr_setflags(attr, flags));
        check(argv, "signal mask", s.posix_spawnattr_setsigmask(attr, none));
        check(argv, "signal defaults", s.posix_spawnattr_setsigdefault(attr, all));
        check(
            argv,
            "stdin",
            s.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", LibC.O_RDONLY, 0));
        check(argv, "stdout", s.posix_spawn_file_actions_adddup2(actions, stdout, 1));
        check(argv, "stderr", s.posix_spawn_file_actions_adddup2(actions, stderr, 2));
        check(argv, "descriptors", s.posix_spawn_file_actions_addclosefrom_np(actions, 3));
        String[] env =
            System.getenv().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        IntByReference pid = new IntByReference();
        ChildReaper.SPAWNING.readLock().lock();
        try {
          check(
              argv,
              "posix_spawn",
              s.posix_spawnp(
                  pid, argv.getFirst(), actions, attr, argv.toArray(String[]::new), env));
          ChildReaper.own(pid.getValue());
        } finally {
          ChildReaper.SPAWNING.readLock().unlock();
        }
        return pid.getValue();
      } finally {
        s.posix_spawn_file_actions_destroy(actions);
      }
    } finally {
      s.posix_spawnattr_destroy(attr);
    }
  }

  private static void check(List<String> argv, String what, int errno) throws IOException {
    if (errno != 0) {
      throw new IOException(
          "starting " + argv.getFirst() + ": " + new SysException(what, errno).getMessage());
    }
  }

  private static synchronized ProcessExits watcher() throws IOException {
    if (exits == null) {
      try {
        exits = ProcessExits.start("session-exits");
      } catch (SysException e) {
        throw new IOException("process exit watcher: " + e.getMessage(), e);
      }
    }
    return exits;
  }

  private static int[] pipe() throws IOException {
    int[] fds = new int[2];
    try {
      LibC.INSTANCE.pipe2(fds, LibC.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new SysException("pipe2", e.getErrorCode());
    }
    return fds;
  }

  /**
   * The read end as a JDK stream (a new open of the pipe through /proc), so virtual threads read it
   * as they read the JDK's own process pipes.
   */
  private static InputStream reopen(int fd) throws IOException {
    return new FileInputStream("/proc/self/fd/" + fd);
  }

  private static void closeQuietly(int... fds) {
    for (int fd : fds) {
      try {
        LibC.INSTANCE.close(fd);
      } catch (LastErrorException ignored) {
        // not open
      }
    }
  }

  /**
   * Collects the exit status once the pidfd says the child ended; under the lock {@link #signal}
   * takes, so no signal reaches a reused PID.
   */
  private synchronized void reap() {
    if (exit.isDone()) {
      return;
    }
    int[] status = new int[1];
    int code;
    try {
      LibC.INSTANCE.waitpid(pid, status, 0);
      int s = status[0];
      code = (s & 0x7f) == 0 ? (s >> 8) & 0xff : 0x80 + (s & 0x7f);
    } catch (LastErrorException e) {
      code = 0x80 + LibC.SIGKILL; // someone else reaped it: as the JDK, report it killed
    }
    ChildReaper.disown(pid);
    exit.complete(code);
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public OutputStream getOutputStream() {
    return OutputStream.nullOutputStream();
  }

  @Override
  public InputStream getInputStream() {
    return stdout;
  }

  @Override
  public InputStream getErrorStream() {
    return stderr;
  }

  @Override
  public int waitFor() throws InterruptedException {
    try {
      return exit.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    try {
      exit.get(timeout, unit);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public CompletableFuture<Process> onExit() {
    return exit.thenApply(code -> this);
  }

  @Override
  public int exitValue() {
    Integer code = exit.getNow(null);
    if (code == null) {
      throw new IllegalThreadStateException("process " + pid + " has not exited");
    }
    return code;
  }

  @Override
  public boolean isAlive() {
    return !exit.isDone();
  }

  @Override
  public void destroy() {
    signal(SIGTERM);
  }

  @Override
  public Process destroyForcibly() {
    signal(LibC.SIGKILL);
    return this;
  }

  private synchronized void signal(int sig) {
    if (!exit.isDone()) { // not reaped, so the PID is still this child's
      try {
        Syscalls.kill(pid, sig);
      } catch (SysException ignored) {
        // it exited meanwhile
      }
    }
  }
}
