package io.jcri.runtime.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.LastErrorException;
import io.jcri.sys.Command;
import io.jcri.sys.LibC;
import io.jcri.sys.Syscalls;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The one place that runs conmon and the OCI runtime. Each container gets a conmon that runs
 * {@code <runtime> create}, then holds the container's stdio, writes the CRI log, serves the
 * attach socket and ctl fifo and writes the exit code to the exit directory — so containers and
 * their logs outlive a jcrid restart.
 *
 * <p>Files: {@code <persistDir>/<id>/} holds conmon's pid file, its early stderr ({@code conmon.log}),
 * its exit/oom markers and exec pid files; {@code <attachDir>/<id>} is conmon's link to the bundle
 * (keeping the attach socket path short); {@code <exitDir>/<id>} holds the exit code.
 * Container ids must not contain '.', which marks conmon's temporary exit files.
 */
public final class ContainerMonitor implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ContainerMonitor.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration RUNTIME_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration EXEC_KILL_GRACE = Duration.ofSeconds(10);
  private static final Duration CONMON_EXIT_WAIT = Duration.ofSeconds(5);
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final int SIGKILL = 9;
  private static final int SUN_PATH_MAX = 107;
  /*
   * conmon reports the container pid (or runc's error) on the fd named by _OCI_SYNCPIPE. A JVM
   * child inherits only fds 0-2, so a shell opens a fifo as fd 3 and then becomes conmon.
   */
  private static final String SYNC_PIPE_LAUNCHER = "exec 3>\"$1\" || exit 1; shift; exec \"$@\"";

  private final Path conmon;
  private volatile MonitorListener listener = MonitorListener.NONE;
  private final Path exitDir;
  private final Path persistDir;
  private final Path attachDir;
  private final Map<String, Instant> deliveredExits = new ConcurrentHashMap<>();
  private volatile WatchService exitWatch;

  public ContainerMonitor(Path conmonBinary, Path exitDir, Path persistDir, Path attachDir) {
    this.conmon = conmonBinary;
    this.exitDir = exitDir;
    this.persistDir = persistDir;
    this.attachDir = attachDir;
  }

  /** Who hears of runtime calls and OOM kills (the daemon's metrics). */
  public void setListener(MonitorListener listener) {
    this.listener = listener;
  }

  /**
   * Starts conmon, which runs {@code <runtime> create} for the bundle (config.json written), and
   * returns once the container is CREATED. logPath receives the CRI log (kubelet format).
   */
  public CreatedContainer create(OciRuntime rt, String id, Path bundle, Path logPath, boolean stdin,
      boolean stdinOnce, boolean tty, Duration timeout) throws MonitorException {
    long started = System.nanoTime();
    boolean ok = false;
    try {
      CreatedContainer created = launch(rt, id, bundle, logPath, stdin, stdinOnce, tty, timeout);
      ok = true;
      return created;
    } finally {
      listener.runtimeCall(rt.handler(), "create", System.nanoTime() - started, ok);
    }
  }

  private CreatedContainer launch(OciRuntime rt, String id, Path bundle, Path logPath, boolean stdin,
      boolean stdinOnce, boolean tty, Duration timeout) throws MonitorException {
    Path dir = persistDir.resolve(id);
    Path sync = dir.resolve("sync");
    try {
      Files.createDirectories(dir);
      Files.createDirectories(exitDir);
      Files.createDirectories(attachDir);
      Files.createDirectories(logPath.toAbsolutePath().getParent());
      for (Path stale : List.of(exitDir.resolve(id), dir.resolve("exit"), dir.resolve("oom"), sync)) {
        Files.deleteIfExists(stale);
      }
      LibC.INSTANCE.mkfifo(sync.toString(), 0600);
    } catch (IOException | LastErrorException e) {
      throw new MonitorException("preparing conmon files for " + id + ": " + e.getMessage(), e);
    }

    List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", SYNC_PIPE_LAUNCHER, "conmon-launcher",
        sync.toString(), conmon.toString(),
        "--api-version", "1",
        "-c", id, "-u", id, "-n", id,
        "-r", rt.binary().toString(),
        "--runtime-arg", "--root", "--runtime-arg", rt.root().toString(),
        "-b", bundle.toString(),
        "-p", bundle.resolve("pidfile").toString(),
        "-P", dir.resolve("conmon.pid").toString(),
        "-l", "k8s-file:" + logPath,
        "--exit-dir", exitDir.toString(),
        "--socket-dir-path", attachDir.toString(),
        "--persist-dir", dir.toString(),
        "--log-level", "info"));
    if (stdin) {
      argv.add("--stdin");
      if (!stdinOnce) {
        argv.add("--leave-stdin-open");
      }
    }
    if (tty) {
      argv.add("--terminal");
    }
    Redirect conmonLog = Redirect.appendTo(dir.resolve("conmon.log").toFile());
    // conmon's cwd is its persist dir: it drops an "oom" marker into its cwd
    ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile())
        .redirectInput(Redirect.from(new File("/dev/null"))).redirectOutput(conmonLog).redirectError(conmonLog);
    builder.environment().put("_OCI_SYNCPIPE", "3");

    CompletableFuture<String> reply = readFirstLine(sync);
    String line;
    try {
      Command.start(builder);
      line = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      unblockFifo(sync);
      killConmon(id);
      try {
        delete(rt, id, true);
      } catch (MonitorException cleanup) {
        LOG.warning("event=container_create_cleanup_failed id=" + id + " error=" + cleanup.getMessage());
      }
      throw new MonitorException("container " + id + " was not created within " + timeout.toMillis() + " ms");
    } catch (IOException | ExecutionException e) {
      unblockFifo(sync);
      throw new MonitorException("starting conmon for " + id + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      unblockFifo(sync);
      Thread.currentThread().interrupt();
      throw new MonitorException("interrupted creating " + id, e);
    } finally {
      deleteQuietly(sync);
    }
    return createdFrom(rt, id, line);
  }

  private CreatedContainer createdFrom(OciRuntime rt, String id, String line) throws MonitorException {
    int pid = -1;
    String message = null;
    if (line != null) {
      try {
        JsonNode reply = JSON.readTree(line);
        pid = reply.path("data").asInt(-1);
        message = reply.path("message").asText(null);
      } catch (IOException e) {
        message = "unreadable reply from conmon: " + line;
      }
    }
    if (pid <= 0) {
      if (message == null) {
        message = "conmon exited without reporting a pid: " + conmonLog(id);
      }
      LOG.warning("event=container_create_failed id=" + id + " runtime=" + rt.handler() + " error="
          + message.strip().replace('\n', ' '));
      removeFiles(id);
      throw new MonitorException(rt.handler() + " create " + id + ": " + message.strip());
    }
    int conmonPid = readPid(persistDir.resolve(id).resolve("conmon.pid")).orElse(-1);
    LOG.info("event=container_created id=" + id + " runtime=" + rt.handler() + " pid=" + pid + " conmon_pid=" + conmonPid);
    return new CreatedContainer(id, pid, conmonPid);
  }

  /** {@code <runtime> start}: the created container's process begins to run. */
  public void start(OciRuntime rt, String id) throws MonitorException {
    check(rt, runtime(rt, null, "start", id), "start", id);
    LOG.info("event=container_started id=" + id);
  }

  /** The runtime's view of the container; empty when the runtime does not know it. */
  public Optional<RuncState> state(OciRuntime rt, String id) throws MonitorException {
    Command.Result result = runtime(rt, null, "state", id);
    if (!result.ok()) {
      if (isMissing(result.err())) {
        return Optional.empty();
      }
      throw failure(rt, "state", id, result);
    }
    try {
      JsonNode s = JSON.readTree(result.stdout());
      String created = s.path("created").asText(null);
      return Optional.of(new RuncState(s.path("id").asText(id), RuncState.Status.parse(s.path("status").asText()),
          s.path("pid").asInt(0), Path.of(s.path("bundle").asText("")), created == null ? null : Instant.parse(created)));
    } catch (IOException | RuntimeException e) {
      throw new MonitorException(rt.handler() + " state " + id + ": unreadable output: " + result.out(), e);
    }
  }

  /**
   * Sends a signal to the container's init process (all its processes with {@code all}).
   * False when there is nothing to signal: the container is unknown or no longer running.
   */
  public boolean kill(OciRuntime rt, String id, int signal, boolean all) throws MonitorException {
    List<String> args = new ArrayList<>(List.of("kill"));
    if (all) {
      args.add("--all");
    }
    args.add(id);
    args.add(Integer.toString(signal));
    Command.Result result = runtime(rt, null, args.toArray(String[]::new));
    if (!result.ok()) {
      String err = result.err().toLowerCase(Locale.ROOT);
      if (isMissing(err) || err.contains("not running") || err.contains("process already finished")) {
        return false;
      }
      throw failure(rt, "kill", id, result);
    }
    LOG.info("event=container_signalled id=" + id + " signal=" + signal + " all=" + all);
    return true;
  }

  /**
   * {@code <runtime> delete} (with {@code force}: kills a running container first), then removes
   * conmon's files for it, the exit file included. Deleting an unknown container is no error.
   */
  public void delete(OciRuntime rt, String id, boolean force) throws MonitorException {
    Command.Result result = force ? runtime(rt, null, "delete", "--force", id) : runtime(rt, null, "delete", id);
    if (!result.ok() && !isMissing(result.err())) {
      throw failure(rt, "delete", id, result);
    }
    // conmon writes the exit file as it leaves; let it finish so no stale file reappears
    awaitConmonExit(id);
    removeFiles(id);
    deliveredExits.remove(id);
    LOG.info("event=container_deleted id=" + id + " force=" + force);
  }

  /** {@code <runtime> update --resources -} with an OCI LinuxResources JSON document. */
  public void update(OciRuntime rt, String id, byte[] resourcesJson) throws MonitorException {
    check(rt, runtime(rt, resourcesJson, "update", "--resources", "-", id), "update", id);
    LOG.info("event=container_updated id=" + id);
  }

  /**
   * Runs cmd in the running container and collects its output (each stream capped at 16 MiB).
   * At the deadline the process is killed and the result says {@code timedOut}.
   */
  public ExecResult execSync(OciRuntime rt, String id, List<String> cmd, Duration timeout) throws MonitorException {
    Path pidFile = execPidFile(id);
    List<String> argv = runtimeArgv(rt, "exec", "--pid-file", pidFile.toString(), id);
    argv.addAll(cmd);
    AtomicBoolean timedOut = new AtomicBoolean();
    Thread watchdog = Thread.ofVirtual().name("exec-deadline-" + id).start(() -> {
      try {
        Thread.sleep(timeout);
      } catch (InterruptedException e) {
        return;
      }
      timedOut.set(true);
      killProcessIn(pidFile, id);
    });
    Command.Result result;
    boolean started;
    long began = System.nanoTime();
    try {
      result = Command.run(argv, Map.of(), null, timeout.plus(EXEC_KILL_GRACE));
      started = Files.exists(pidFile);
    } catch (IOException e) {
      listener.runtimeCall(rt.handler(), "exec", System.nanoTime() - began, false);
      throw new MonitorException(rt.handler() + " exec in " + id + ": " + e.getMessage(), e);
    } finally {
      watchdog.interrupt();
      joinQuietly(watchdog);
      deleteQuietly(pidFile);
    }
    listener.runtimeCall(rt.handler(), "exec", System.nanoTime() - began, started || result.ok());
    if (!started && !result.ok()) {
      throw failure(rt, "exec", id, result);
    }
    LOG.info("event=exec_sync id=" + id + " exit_code=" + result.exitCode() + " timed_out=" + timedOut.get());
    return new ExecResult(result.exitCode(), result.stdout(), result.stderr(), timedOut.get());
  }

  /**
   * Starts cmd in the running container with streamed stdio. With tty the process gets a
   * terminal inside the container (the runtime relays it to a host pty jcrid holds, and follows
   * its size); without, plain pipes.
   */
  public InteractiveExec exec(OciRuntime rt, String id, List<String> cmd, boolean tty, boolean stdin)
      throws MonitorException {
    Path pidFile = execPidFile(id);
    List<String> argv = new ArrayList<>();
    Pty pty = null;
    if (tty) {
      pty = Pty.open();
      // the runtime must lead a session with the pty as its terminal to receive SIGWINCH on
      // resize; setsid execs it in place (a JVM child never leads a process group), same pid
      argv.addAll(List.of(SETSID.toString(), "--wait", "--ctty"));
      argv.addAll(runtimeArgv(rt, "exec", "--tty", "--pid-file", pidFile.toString(), id));
    } else {
      argv.addAll(runtimeArgv(rt, "exec", "--pid-file", pidFile.toString(), id));
    }
    argv.addAll(cmd);
    ProcessBuilder builder = new ProcessBuilder(argv);
    if (pty != null) {
      File slave = pty.slave().toFile();
      builder.redirectInput(Redirect.from(slave)).redirectOutput(Redirect.appendTo(slave))
          .redirectError(Redirect.appendTo(slave));
    } else if (!stdin) {
      builder.redirectInput(Redirect.from(new File("/dev/null")));
    }
    try {
      Process process = Command.start(builder);
      LOG.info("event=exec_started id=" + id + " tty=" + tty + " stdin=" + stdin);
      return new RuncExec(id, process, pidFile, pty, stdin);
    } catch (IOException e) {
      if (pty != null) {
        pty.abandon();
      }
      throw new MonitorException(rt.handler() + " exec in " + id + ": " + e.getMessage(), e);
    }
  }

  /** Connects to the container's stdio through its conmon's attach socket. */
  public Attachment attach(String id, Path bundle) throws MonitorException {
    Path viaLink = attachDir.resolve(id).resolve("attach");
    Path socket = viaLink.toString().length() <= SUN_PATH_MAX ? viaLink : bundle.resolve("attach");
    return Attachment.connect(id, socket, bundle);
  }

  /** Asks conmon to reopen the container's log file (after kubelet rotated it). */
  public void reopenLog(String id, Path bundle) throws MonitorException {
    ConmonCtl.reopenLogs(bundle);
    LOG.info("event=container_log_reopened id=" + id);
  }

  /** The container's exit as conmon recorded it; empty while it runs (or if never created). */
  public Optional<Exit> exitOf(String id) {
    Path file = exitDir.resolve(id);
    try {
      int code = Integer.parseInt(Files.readString(file).trim());
      Instant finished = Files.getLastModifiedTime(file).toInstant();
      return Optional.of(new Exit(code, finished, Files.exists(persistDir.resolve(id).resolve("oom"))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | NumberFormatException e) {
      LOG.warning("event=exit_file_unreadable id=" + id + " error=" + e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Calls onExit for every exit already recorded, then for each new one as conmon writes it
   * (inotify on the exit directory, no runtime polling). Each exit is delivered once.
   */
  public synchronized void watchExits(BiConsumer<String, Exit> onExit) throws IOException {
    if (exitWatch != null) {
      throw new IllegalStateException("exits are already being watched");
    }
    Files.createDirectories(exitDir);
    WatchService watch = FileSystems.getDefault().newWatchService();
    exitDir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    exitWatch = watch;
    Thread.ofVirtual().name("exit-watch").start(() -> watchLoop(watch, onExit));
  }

  private void watchLoop(WatchService watch, BiConsumer<String, Exit> onExit) {
    deliverAll(onExit);
    try {
      while (true) {
        WatchKey key = watch.take();
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            deliverAll(onExit);
          } else {
            deliver(event.context().toString(), onExit);
          }
        }
        if (!key.reset()) {
          LOG.warning("event=exit_watch_stopped dir=" + exitDir);
          return;
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closing the monitor ends the watch
    }
  }

  private void deliverAll(BiConsumer<String, Exit> onExit) {
    try (Stream<Path> files = Files.list(exitDir)) {
      files.map(f -> f.getFileName().toString()).forEach(id -> deliver(id, onExit));
    } catch (IOException e) {
      LOG.warning("event=exit_scan_failed dir=" + exitDir + " error=" + e.getMessage());
    }
  }

  private void deliver(String id, BiConsumer<String, Exit> onExit) {
    if (id.contains(".")) {
      return; // conmon's temporary file, renamed into place when complete
    }
    exitOf(id).ifPresent(exit -> {
      if (exit.finishedAt().equals(deliveredExits.put(id, exit.finishedAt()))) {
        return;
      }
      LOG.info("event=container_exited id=" + id + " exit_code=" + exit.code() + " oom=" + exit.oomKilled());
      if (exit.oomKilled()) {
        listener.oomKilled(id);
      }
      try {
        onExit.accept(id, exit);
      } catch (RuntimeException e) {
        LOG.warning("event=exit_handler_failed id=" + id + " error=" + e);
      }
    });
  }

  /** Stops watching exits; containers and their conmons keep running. */
  @Override
  public void close() throws IOException {
    WatchService watch = exitWatch;
    if (watch != null) {
      watch.close();
    }
  }

  private List<String> runtimeArgv(OciRuntime rt, String... args) {
    List<String> argv = new ArrayList<>(List.of(rt.binary().toString(), "--root", rt.root().toString()));
    argv.addAll(List.of(args));
    return argv;
  }

  private Command.Result runtime(OciRuntime rt, byte[] stdin, String... args) throws MonitorException {
    long started = System.nanoTime();
    try {
      Command.Result result = Command.run(runtimeArgv(rt, args), Map.of(), stdin, RUNTIME_TIMEOUT);
      listener.runtimeCall(rt.handler(), args[0], System.nanoTime() - started, result.ok());
      return result;
    } catch (IOException e) {
      listener.runtimeCall(rt.handler(), args[0], System.nanoTime() - started, false);
      throw new MonitorException(rt.handler() + " " + args[0] + ": " + e.getMessage(), e);
    }
  }

  private static void check(OciRuntime rt, Command.Result result, String op, String id) throws MonitorException {
    if (!result.ok()) {
      throw failure(rt, op, id, result);
    }
  }

  private static MonitorException failure(OciRuntime rt, String op, String id, Command.Result result) {
    return new MonitorException(rt.handler() + " " + op + " " + id + " failed (exit " + result.exitCode() + "): "
        + result.err());
  }

  private static boolean isMissing(String runtimeError) {
    String err = runtimeError.toLowerCase(Locale.ROOT);
    return err.contains("does not exist") || err.contains("not found") || err.contains("no such file");
  }

  private Path execPidFile(String id) throws MonitorException {
    Path dir = persistDir.resolve(id);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new MonitorException("creating " + dir + ": " + e.getMessage(), e);
    }
    return dir.resolve("exec-" + UUID.randomUUID() + ".pid");
  }

  /** SIGKILL to an exec'd process: the runtime watching it then exits with its status. */
  private static void killProcessIn(Path pidFile, String id) {
    readPid(pidFile).ifPresent(pid -> {
      try {
        Syscalls.kill(pid, SIGKILL);
        LOG.info("event=exec_timeout_killed id=" + id + " pid=" + pid);
      } catch (IOException e) {
        LOG.warning("event=exec_kill_failed id=" + id + " pid=" + pid + " error=" + e.getMessage());
      }
    });
  }

  private static Optional<Integer> readPid(Path pidFile) {
    try {
      return Optional.of(Integer.parseInt(Files.readString(pidFile).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private void killConmon(String id) {
    readPid(persistDir.resolve(id).resolve("conmon.pid")).ifPresent(pid -> {
      try {
        Syscalls.kill(pid, SIGKILL);
      } catch (IOException e) {
        LOG.warning("event=conmon_kill_failed id=" + id + " pid=" + pid + " error=" + e.getMessage());
      }
    });
  }

  private void awaitConmonExit(String id) {
    Optional<Integer> pid = readPid(persistDir.resolve(id).resolve("conmon.pid"));
    if (pid.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + CONMON_EXIT_WAIT.toNanos();
    try {
      while (isConmon(pid.get())) {
        if (System.nanoTime() > deadline) {
          LOG.warning("event=conmon_lingers id=" + id + " pid=" + pid.get());
          return;
        }
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A live (not zombie) conmon at pid; a recycled pid running something else does not count. */
  private static boolean isConmon(int pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      return stat.contains("(conmon)") && close + 2 < stat.length() && stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  private void removeFiles(String id) {
    try {
      Files.deleteIfExists(exitDir.resolve(id));
      Files.deleteIfExists(attachDir.resolve(id));
      Path dir = persistDir.resolve(id);
      if (Files.exists(dir)) {
        try (Stream<Path> walk = Files.walk(dir)) {
          for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(p);
          }
        }
      }
    } catch (IOException e) {
      LOG.warning("event=conmon_files_cleanup_failed id=" + id + " error=" + e.getMessage());
    }
  }

  private String conmonLog(String id) {
    try {
      String log = Files.readString(persistDir.resolve(id).resolve("conmon.log")).strip();
      return log.isEmpty() ? "(conmon.log is empty)" : log;
    } catch (IOException e) {
      return "(no conmon.log)";
    }
  }

  /** Opening a fifo for reading blocks until a writer opens it, so it happens off the caller's thread. */
  private static CompletableFuture<String> readFirstLine(Path fifo) {
    CompletableFuture<String> line = new CompletableFuture<>();
    Thread.ofVirtual().name("conmon-sync").start(() -> {
      try (BufferedReader reader = new BufferedReader(
          new InputStreamReader(Files.newInputStream(fifo), StandardCharsets.UTF_8))) {
        line.complete(reader.readLine());
      } catch (IOException e) {
        line.completeExceptionally(e);
      }
    });
    return line;
  }

  /** Releases a reader blocked opening the fifo when no writer will ever come. */
  private static void unblockFifo(Path fifo) {
    try {
      FdIo.closeQuietly(LibC.INSTANCE.open(fifo.toString(), LibC.O_WRONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC));
    } catch (LastErrorException e) {
      // no reader waiting (ENXIO) or the fifo is gone: nothing to release
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warning("event=delete_failed path=" + path + " error=" + e.getMessage());
    }
  }

  private static void joinQuietly(Thread thread) {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
