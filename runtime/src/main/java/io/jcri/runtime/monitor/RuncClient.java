package io.jcri.runtime.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.sys.Command;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * The OCI runtime's command line (runc and compatibles): start, state, kill, delete, update and
 * exec of containers conmon created. Exec pid files live in the container's conmon directory.
 */
final class RuncClient {
  private static final Logger LOG = Logger.getLogger(RuncClient.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration RUNTIME_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration EXEC_KILL_GRACE = Duration.ofSeconds(10);
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private final Path persistDir;

  RuncClient(Path persistDir) {
    this.persistDir = persistDir;
  }

  void start(OciRuntime rt, String id) throws MonitorException {
    check(rt, runtime(rt, null, "start", id), "start", id);
    LOG.info("event=container_started id=" + id);
  }

  Optional<RuncState> state(OciRuntime rt, String id) throws MonitorException {
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
      return Optional.of(
          new RuncState(
              s.path("id").asText(id),
              RuncState.Status.parse(s.path("status").asText()),
              s.path("pid").asInt(0),
              Path.of(s.path("bundle").asText("")),
              created == null ? null : Instant.parse(created)));
    } catch (IOException | RuntimeException e) {
      throw new MonitorException(
          rt.handler() + " state " + id + ": unreadable output: " + result.out(), e);
    }
  }

  boolean kill(OciRuntime rt, String id, int signal, boolean all) throws MonitorException {
    List<String> args = new ArrayList<>(List.of("kill"));
    if (all) {
      args.add("--all");
    }
    args.add(id);
    args.add(Integer.toString(signal));
    Command.Result result = runtime(rt, null, args.toArray(String[]::new));
    if (!result.ok()) {
      String err = result.err().toLowerCase(Locale.ROOT);
      if (isMissing(err)
          || err.contains("not running")
          || err.contains("process already finished")) {
        return false;
      }
      throw failure(rt, "kill", id, result);
    }
    LOG.info("event=container_signalled id=" + id + " signal=" + signal + " all=" + all);
    return true;
  }

  /** {@code <runtime> delete}; deleting an unknown container is no error. */
  void delete(OciRuntime rt, String id, boolean force) throws MonitorException {
    Command.Result result =
        force ? runtime(rt, null, "delete", "--force", id) : runtime(rt, null, "delete", id);
    if (!result.ok() && !isMissing(result.err())) {
      throw failure(rt, "delete", id, result);
    }
  }

  void update(OciRuntime rt, String id, byte[] resourcesJson) throws MonitorException {
    check(rt, runtime(rt, resourcesJson, "update", "--resources", "-", id), "update", id);
    LOG.info("event=container_updated id=" + id);
  }

  /**
   * Runs cmd in the running container and collects its output (each stream capped at 16 MiB). At
   * the deadline the process is killed and the result says {@code timedOut}.
   */
  ExecResult execSync(OciRuntime rt, String id, List<String> cmd, Duration timeout)
      throws MonitorException {
    Path pidFile = execPidFile(id);
    List<String> argv = runtimeArgv(rt, "exec", "--pid-file", pidFile.toString(), id);
    argv.addAll(cmd);
    ExecDeadline deadline = new ExecDeadline(id, pidFile, timeout);
    Command.Result result;
    boolean started;
    try {
      // a group of its own: whatever the command leaves behind holding its pipes is killed with it
      result = Command.runInNewSession(argv, timeout.plus(EXEC_KILL_GRACE), deadline::watch);
      started = Files.exists(pidFile);
    } catch (IOException e) {
      throw new MonitorException(rt.handler() + " exec in " + id + ": " + e.getMessage(), e);
    } finally {
      ConmonFiles.deleteQuietly(pidFile);
    }
    if (!started && !result.ok()) {
      throw failure(rt, "exec", id, result);
    }
    LOG.info(
        "event=exec_sync id="
            + id
            + " exit_code="
            + result.exitCode()
            + " timed_out="
            + deadline.timedOut());
    return new ExecResult(result.exitCode(), result.stdout(), result.stderr(), deadline.timedOut());
  }

  /**
   * Starts cmd in the running container with streamed stdio. With tty the process gets a terminal
   * inside the container (the runtime relays it to a host pty jcrid holds, and follows its size);
   * without, plain pipes.
   */
  InteractiveExec exec(OciRuntime rt, String id, List<String> cmd, boolean tty, boolean stdin)
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
      builder
          .redirectInput(Redirect.from(slave))
          .redirectOutput(Redirect.appendTo(slave))
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

  private static List<String> runtimeArgv(OciRuntime rt, String... args) {
    List<String> argv =
        new ArrayList<>(List.of(rt.binary().toString(), "--root", rt.root().toString()));
    argv.addAll(List.of(args));
    return argv;
  }

  private static Command.Result runtime(OciRuntime rt, byte[] stdin, String... args)
      throws MonitorException {
    try {
      return Command.run(runtimeArgv(rt, args), Map.of(), stdin, RUNTIME_TIMEOUT);
    } catch (IOException e) {
      throw new MonitorException(rt.handler() + " " + args[0] + ": " + e.getMessage(), e);
    }
  }

  private static void check(OciRuntime rt, Command.Result result, String op, String id)
      throws MonitorException {
    if (!result.ok()) {
      throw failure(rt, op, id, result);
    }
  }

  private static MonitorException failure(
      OciRuntime rt, String op, String id, Command.Result result) {
    return new MonitorException(
        rt.handler()
            + " "
            + op
            + " "
            + id
            + " failed (exit "
            + result.exitCode()
            + "): "
            + result.err());
  }

  private static boolean isMissing(String runtimeError) {
    String err = runtimeError.toLowerCase(Locale.ROOT);
    return err.contains("does not exist")
        || err.contains("not found")
        || err.contains("no such file");
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
}
