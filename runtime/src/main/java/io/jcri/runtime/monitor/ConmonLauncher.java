package io.jcri.runtime.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.sys.Command;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Launches one conmon per container, which runs {@code <runtime> create}, then holds the
 * container's stdio, writes the CRI log, serves the attach socket and ctl fifo and writes the exit
 * code — so containers and their logs outlive a jcrid restart. Its files are {@link ConmonFiles}.
 */
final class ConmonLauncher {
  private static final Logger LOG = Logger.getLogger(ConmonLauncher.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
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
  private final ConmonFiles files;
  private final ConmonProcesses processes;

  ConmonLauncher(Path conmonBinary, ConmonFiles files, ConmonProcesses processes) {
    this.conmon = conmonBinary;
    this.files = files;
    this.processes = processes;
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
    files.prepare(id, logPath);
    Path dir = files.dir(id);
    Path sync = files.syncFifo(id);

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
                files.pidFile(id).toString(),
                "-l",
                "k8s-file:" + logPath,
                "--exit-dir",
                files.exitDir.toString(),
                "--socket-dir-path",
                files.attachDir.toString(),
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
    Redirect conmonLog = Redirect.appendTo(files.conmonLog(id).toFile());
    // conmon's cwd is its persist dir: it drops an "oom" marker into its cwd
    ProcessBuilder builder =
        new ProcessBuilder(argv)
            .directory(dir.toFile())
            .redirectInput(Redirect.from(new File("/dev/null")))
            .redirectOutput(conmonLog)
            .redirectError(conmonLog);
    builder.environment().put("_OCI_SYNCPIPE", "3");

    CompletableFuture<String> reply = SyncPipe.readFirstLine(sync);
    String line;
    try {
      Command.start(builder);
      line = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      SyncPipe.unblockFifo(sync);
      processes.kill(id);
      throw new TimedOut(
          "container " + id + " was not created within " + timeout.toMillis() + " ms");
    } catch (IOException | ExecutionException e) {
      SyncPipe.unblockFifo(sync);
      throw new MonitorException("starting conmon for " + id + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      SyncPipe.unblockFifo(sync);
      Thread.currentThread().interrupt();
      throw new MonitorException("interrupted creating " + id, e);
    } finally {
      ConmonFiles.deleteQuietly(sync);
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
        message = "conmon exited without reporting a pid: " + files.conmonLogText(id);
      }
      LOG.warning(
          "event=container_create_failed id="
              + id
              + " runtime="
              + rt.handler()
              + " error="
              + message.strip().replace('\n', ' '));
      files.remove(id);
      throw new MonitorException(rt.handler() + " create " + id + ": " + message.strip());
    }
    int conmonPid = files.conmonPid(id).orElse(-1);
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
    Path viaLink = files.attachDir.resolve(id).resolve("attach");
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
    processes.awaitExit(id);
    files.remove(id);
  }
}
