package io.jcri.runtime.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.LastErrorException;
import io.jcri.sys.Command;
import io.jcri.sys.LibC;
import io.jcri.sys.Syscalls;
import io.jcri.sys.Trees;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Launches one conmon per container, which runs {@code <runtime> create}, then holds the
 * container's stdio, writes the CRI log, serves the attach socket and ctl fifo and writes the exit
 * code — so containers and their logs outlive a jcrid restart. Also owns conmon's files.
 *
 * <p>Files: {@code <persistDir>/<id>/} holds conmon's pid file, its early stderr ({@code
 * conmon.log}), its exit/oom markers and exec pid files; {@code <attachDir>/<id>} is conmon's link
 * to the bundle (keeping the attach socket path short); {@code <exitDir>/<id>} holds the exit code.
 * Container ids must not contain '.', which marks conmon's temporary exit files.
 */
final class ConmonLauncher {
  private static final Logger LOG = Logger.getLogger(ConmonLauncher.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CONMON_EXIT_WAIT = Duration.ofSeconds(5);
  private static final int SUN_PATH_MAX = 107;
  /*
   * conmon reports the container pid (or runc's error) on the fd named by _OCI_SYNCPIPE. A JVM
   * child inherits only fds 0-2, so a shell opens a fifo as fd 3 and then becomes conmon.
   */
  private static final String SYNC_PIPE_LAUNCHER = "exec 3>\"$1\" || exit 1; shift; exec \"$@\"";

  /**
   * conmon did not report within the timeout; it has been killed, the runtime's container may
   * remain.
   */
  static final class TimedOut extends MonitorException {
    TimedOut(String message) {
      super(message);
    }
  }

  private final Path conmon;
  private final Path exitDir;
  private final Path persistDir;
  private final Path attachDir;

  ConmonLauncher(Path conmonBinary, Path exitDir, Path persistDir, Path attachDir) {
    this.conmon = conmonBinary;
    this.exitDir = exitDir;
    this.persistDir = persistDir;
    this.attachDir = attachDir;
  }

  /**
   * Starts conmon, which runs {@code <runtime> create} for the bundle (config.json written), and
   * returns once the container is CREATED. logPath receives the CRI log (kubelet format).
   */
  CreatedContainer create(
      OciRuntime rt,
      String id,
      Path bundle,
      Path logPath,
      boolean stdin,
      boolean stdinOnce,
      boolean tty,
      Duration timeout)
      throws MonitorException {
    Path dir = persistDir.resolve(id);
    Path sync = dir.resolve("sync");
    try {
      Files.createDirectories(dir);
      Files.createDirectories(exitDir);
      Files.createDirectories(attachDir);
      Files.createDirectories(logPath.toAbsolutePath().getParent());
      for (Path stale :
          List.of(exitDir.resolve(id), dir.resolve("exit"), dir.resolve("oom"), sync)) {
        Files.deleteIfExists(stale);
      }
      LibC.INSTANCE.mkfifo(sync.toString(), 0600);
    } catch (IOException | LastErrorException e) {
      throw new MonitorException("preparing conmon files for " + id + ": " + e.getMessage(), e);
    }

    List<String> argv =
        new ArrayList<>(
            List.of(
                "/bin/sh",
                "-c",
                SYNC_PIPE_LAUNCHER,
                "conmon-launcher",
                sync.toString(),
                conmon.toString(),
                "--api-version",
                "1",
                "-c",
                id,
                "-u",
                id,
                "-n",
                id,
                "-r",
                rt.binary().toString(),
                "--runtime-arg",
                "--root",
                "--runtime-arg",
                rt.root().toString(),
                "-b",
                bundle.toString(),
                "-p",
                bundle.resolve("pidfile").toString(),
                "-P",
                dir.resolve("conmon.pid").toString(),
                "-l",
                "k8s-file:" + logPath,
                "--exit-dir",
                exitDir.toString(),
                "--socket-dir-path",
                attachDir.toString(),
                "--persist-dir",
                dir.toString(),
                "--log-level",
                "info"));
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
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .directory(dir.toFile())
            .redirectInput(Redirect.from(new File("/dev/null")))
            .redirectOutput(conmonLog)
            .redirectError(conmonLog);
    builder.environment().put("_OCI_SYNCPIPE", "3");

    CompletableFuture<String> reply = readFirstLine(sync);
    String line;
    try {
      Command.start(builder);
      line = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      unblockFifo(sync);
      killConmon(id);
      throw new TimedOut(
          "container " + id + " was not created within " + timeout.toMillis() + " ms");
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

  private CreatedContainer createdFrom(OciRuntime rt, String id, String line)
      throws MonitorException {
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
      LOG.warning(
          "event=container_create_failed id="
              + id
              + " runtime="
              + rt.handler()
              + " error="
              + message.strip().replace('\n', ' '));
      removeFiles(id);
      throw new MonitorException(rt.handler() + " create " + id + ": " + message.strip());
    }
    int conmonPid = readPid(persistDir.resolve(id).resolve("conmon.pid")).orElse(-1);
    LOG.info(
        "event=container_created id="
            + id
            + " runtime="
            + rt.handler()
            + " pid="
            + pid
            + " conmon_pid="
            + conmonPid);
    return new CreatedContainer(id, pid, conmonPid);
  }

  /** Connects to the container's stdio through its conmon's attach socket. */
  Attachment attach(String id, Path bundle) throws MonitorException {
    Path viaLink = attachDir.resolve(id).resolve("attach");
    Path socket = viaLink.toString().length() <= SUN_PATH_MAX ? viaLink : bundle.resolve("attach");
    return Attachment.connect(id, socket, bundle);
  }

  /** Asks conmon to reopen the container's log file (after kubelet rotated it). */
  void reopenLog(String id, Path bundle) throws MonitorException {
    ConmonCtl.reopenLogs(bundle);
    LOG.info("event=container_log_reopened id=" + id);
  }

  /**
   * After the runtime deleted the container: lets its conmon finish, then removes conmon's files.
   */
  void cleanUp(String id) {
    // conmon writes the exit file as it leaves; let it finish so no stale file reappears
    awaitConmonExit(id);
    removeFiles(id);
  }

  private void killConmon(String id) {
    readPid(persistDir.resolve(id).resolve("conmon.pid"))
        .ifPresent(
            pid -> {
              try {
                Syscalls.kill(pid, LibC.SIGKILL);
              } catch (IOException e) {
                LOG.warning(
                    "event=conmon_kill_failed id="
                        + id
                        + " pid="
                        + pid
                        + " error="
                        + e.getMessage());
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
      return stat.contains("(conmon)")
          && close + 2 < stat.length()
          && stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  private void removeFiles(String id) {
    try {
      Files.deleteIfExists(exitDir.resolve(id));
      Files.deleteIfExists(attachDir.resolve(id));
      Trees.delete(persistDir.resolve(id));
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

  static Optional<Integer> readPid(Path pidFile) {
    try {
      return Optional.of(Integer.parseInt(Files.readString(pidFile).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * Opening a fifo for reading blocks until a writer opens it, so it happens off the caller's
   * thread, on a platform thread: the JDK does not compensate a virtual thread blocked in open(2),
   * so a few readers waiting for conmons not yet spawned would pin every carrier and starve the
   * threads that spawn them (the 50-way hang of issue 16).
   */
  static CompletableFuture<String> readFirstLine(Path fifo) {
    CompletableFuture<String> line = new CompletableFuture<>();
    Thread.ofPlatform()
        .daemon()
        .name("conmon-sync")
        .start(
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(
                      new InputStreamReader(Files.newInputStream(fifo), StandardCharsets.UTF_8))) {
                line.complete(reader.readLine());
              } catch (IOException e) {
                line.completeExceptionally(e);
              }
            });
    return line;
  }

  /** Releases a reader blocked opening the fifo when no writer will ever come. */
  static void unblockFifo(Path fifo) {
    try {
      FdIo.closeQuietly(
          LibC.INSTANCE.open(fifo.toString(), LibC.O_WRONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC));
    } catch (LastErrorException e) {
      // no reader waiting (ENXIO) or the fifo is gone: nothing to release
    }
  }

  static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warning("event=delete_failed path=" + path + " error=" + e.getMessage());
    }
  }
}
