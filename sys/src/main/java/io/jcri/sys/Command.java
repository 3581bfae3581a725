package io.jcri.sys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.logging.Logger;

/**
 * Runs a helper program (runc, conmon, a CNI plugin) to completion with a timeout, feeding stdin
 * and collecting both output streams. Every child jcri starts goes through {@link #start} (or
 * {@link #runInNewSession}), so the {@link ChildReaper} knows which children the JDK, or jcri,
 * waits for itself.
 */
public final class Command {
  private static final int OUTPUT_CAP = 16 << 20;
  private static final Logger LOG = Logger.getLogger(Command.class.getName());

  private Command() {}

  public record Result(int exitCode, byte[] stdout, byte[] stderr) {
    public String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    public String err() {
      return new String(stderr, StandardCharsets.UTF_8).strip();
    }

    public boolean ok() {
      return exitCode == 0;
    }
  }

  /** The program did not finish within its timeout; it was killed. */
  public static final class TimeoutException extends IOException {
    public TimeoutException(String program, Duration timeout) {
      super(program + " did not finish within " + timeout.toMillis() + " ms and was killed");
    }
  }

  public static Process start(ProcessBuilder builder) throws IOException {
    ChildReaper.SPAWNING.readLock().lock();
    try {
      Process process = builder.start();
      ChildReaper.own(process);
      return process;
    } finally {
      ChildReaper.SPAWNING.readLock().unlock();
    }
  }

  public static Result run(List<String> argv, Duration timeout) throws IOException {
    return run(argv, Map.of(), null, timeout);
  }

  /** Runs argv with env added to jcrid's own environment. */
  public static Result run(
      List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(argv);
    builder.environment().putAll(env);
    return run(builder, stdin, timeout);
  }

  public static Result run(ProcessBuilder builder, byte[] stdin, Duration timeout)
      throws IOException {
    return run(builder, stdin, timeout, null);
  }

  /**
   * Runs the program as {@link #run(ProcessBuilder, byte[], Duration)} does, with watcher called on
   * a thread of its own with the program's pid once it started; interrupted when it ended.
   */
  public static Result run(
      ProcessBuilder builder, byte[] stdin, Duration timeout, LongConsumer watcher)
      throws IOException {
    long started = System.nanoTime();
    if (stdin == null) {
      builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    }
    Process process = start(builder);
    return collect(
        process, builder.command(), cniCommand(builder), stdin, timeout, watcher, started);
  }

  /**
   * Runs argv (argv[0] looked up on PATH) as {@link #run(ProcessBuilder, byte[], Duration,
   * LongConsumer)} does with no input, as the leader of a new session and so of a process group of
   * its own: what it leaves behind can be killed by that group.
   */
  public static Result runInNewSession(List<String> argv, Duration timeout, LongConsumer watcher)
      throws IOException {
    long started = System.nanoTime();
    return collect(SessionProcess.start(argv), argv, "", null, timeout, watcher, started);
  }

  private static Result collect(
      Process process,
      List<String> argv,
      String logSuffix,
      byte[] stdin,
      Duration timeout,
      LongConsumer watcher,
      long started)
      throws IOException {
    String program = argv.getFirst();
    // the JDK's pipe streams free their carrier while they block; a plain file stream pins it
    boolean pins = process instanceof SessionProcess;
    Future<byte[]> out = drain(process.getInputStream(), pins);
    Future<byte[]> err = drain(process.getErrorStream(), pins);
    Thread watch =
        watcher == null
            ? null
            : Thread.ofVirtual().name("command-watch").start(() -> watcher.accept(process.pid()));
    if (stdin != null) {
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin);
      } catch (IOException ignored) {
        // the program exited without reading all of its input; its exit code tells the story
      }
    }
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor();
        throw new TimeoutException(program, timeout);
      }
      Result result = new Result(process.exitValue(), out.get(), err.get());
      // where an RPC's time goes: every runc call and CNI plugin exec, timed (debug level)
      LOG.fine(
          () ->
              "event=command_done argv="
                  + String.join(" ", argv)
                  + logSuffix
                  + " exit="
                  + result.exitCode()
                  + " ms="
                  + (System.nanoTime() - started) / 1_000_000);
      return result;
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(program + " interrupted", e);
    } catch (ExecutionException e) {
      throw new IOException("reading output of " + program, e.getCause());
    } finally {
      ChildReaper.disown(process);
      if (watch != null) {
        watch.interrupt();
      }
    }
  }

  private static String cniCommand(ProcessBuilder builder) {
    String verb = builder.environment().get("CNI_COMMAND");
    return verb == null ? "" : " cni_command=" + verb;
  }

  private static Future<byte[]> drain(InputStream stream, boolean platformThread) {
    FutureTask<byte[]> task =
        new FutureTask<>(
            () -> {
              ByteArrayOutputStream buf = new ByteArrayOutputStream();
              byte[] chunk = new byte[8192];
              int n;
              try (stream) {
                while ((n = stream.read(chunk)) >= 0) {
                  if (buf.size() < OUTPUT_CAP) {
                    buf.write(chunk, 0, Math.min(n, OUTPUT_CAP - buf.size()));
                  }
                }
              }
              return buf.toByteArray();
            });
    (platformThread ? Thread.ofPlatform().daemon() : Thread.ofVirtual()).name("drain").start(task);
    return task;
  }
}
