package io.jcri.runtime.monitor;

import io.jcri.sys.ChunkInput;
import io.jcri.sys.LibC;
import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/** An {@link InteractiveExec} run by {@code <runtime> exec}, with pipes or with a host pty. */
final class RuncExec implements InteractiveExec {
  private static final Logger LOG = Logger.getLogger(RuncExec.class.getName());
  private static final byte EOF_CHAR = 4; // ^D: what "closing stdin" means on a terminal
  private static final int SIGWINCH = 28;
  private static final Duration STARTUP = Duration.ofSeconds(2);
  private static final List<Duration> WINCH_REPEATS =
      List.of(Duration.ofMillis(200), Duration.ofMillis(800));

  private final String containerId;
  private final Process process;
  private final Path pidFile;
  private final Pty pty;
  private final OutputStream stdin;
  private final InputStream stdout;
  private final InputStream stderr;
  private final CompletableFuture<Integer> exit;
  private final long startedNanos = System.nanoTime();

  RuncExec(String containerId, Process process, Path pidFile, Pty pty, boolean stdinOpen) {
    this.containerId = containerId;
    this.process = process;
    this.pidFile = pidFile;
    this.pty = pty;
    if (pty == null) {
      stdin = stdinOpen ? process.getOutputStream() : OutputStream.nullOutputStream();
      stdout = process.getInputStream();
      stderr = process.getErrorStream();
    } else {
      stdin = stdinOpen ? pty.master().output(this::sendEof) : OutputStream.nullOutputStream();
      ChunkInput out = FdIo.chunks();
      pty.master().pump("exec-pty-" + containerId, out::put, out::end);
      stdout = out;
      stderr = InputStream.nullInputStream();
    }
    exit =
        process
            .onExit()
            .thenApply(
                p -> {
                  cleanUp();
                  return p.exitValue();
                });
  }

  @Override
  public OutputStream stdin() {
    return stdin;
  }

  @Override
  public InputStream stdout() {
    return stdout;
  }

  @Override
  public InputStream stderr() {
    return stderr;
  }

  @Override
  public void resize(int cols, int rows) throws IOException {
    if (pty == null) {
      return;
    }
    pty.resize(cols, rows);
    if (System.nanoTime() - startedNanos < STARTUP.toNanos()) {
      // a SIGWINCH that lands before the runtime installs its handler is lost (and the runtime
      // may have copied the old size already), so repeat it while the runtime is starting up
      Thread.ofVirtual().name("exec-resize-" + containerId).start(this::repeatWinch);
    }
  }

  private void repeatWinch() {
    try {
      for (Duration delay : WINCH_REPEATS) {
        Thread.sleep(delay);
        if (!process.isAlive() || !Syscalls.kill((int) process.pid(), SIGWINCH)) {
          return;
        }
      }
    } catch (InterruptedException | IOException e) {
      LOG.fine("event=exec_winch_failed container=" + containerId + " error=" + e);
    }
  }

  @Override
  public CompletableFuture<Integer> onExit() {
    return exit;
  }

  @Override
  public int waitFor() throws InterruptedException {
    return process.waitFor();
  }

  @Override
  public void kill() {
    if (!process.isAlive()) {
      return;
    }
    try {
      // SIGKILL to the runtime cannot be forwarded; the process in the container needs its own
      int pid = Integer.parseInt(Files.readString(pidFile).trim());
      Syscalls.kill(pid, LibC.SIGKILL);
    } catch (IOException | NumberFormatException e) {
      LOG.fine("event=exec_kill_no_pid container=" + containerId + " error=" + e.getMessage());
    }
    process.destroyForcibly();
  }

  /**
   * Kills the process and drops output nobody will read, so a pty pump waiting on a full queue (the
   * client left) goes on to the end of the output and closes the pty master.
   */
  @Override
  public void close() {
    kill();
    try {
      stdout.close();
    } catch (IOException e) {
      LOG.fine("event=exec_close_failed container=" + containerId + " error=" + e.getMessage());
    }
  }

  private void sendEof() {
    try {
      pty.master().write(new byte[] {EOF_CHAR}, 0, 1);
    } catch (IOException e) {
      LOG.fine("event=exec_eof_failed container=" + containerId + " error=" + e.getMessage());
    }
  }

  private void cleanUp() {
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      LOG.warning(
          "event=exec_pidfile_cleanup_failed container="
              + containerId
              + " error="
              + e.getMessage());
    }
  }
}
