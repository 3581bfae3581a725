package io.jcri.runtime.monitor;

import io.jcri.sys.ProcessExits;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.logging.Logger;

/**
 * The real {@link ContainerRuntime}: conmon launches and watches each container ({@link
 * ConmonLauncher}), the runtime's CLI does the rest ({@link RuncClient}), exits come from conmon's
 * exit files ({@link ExitWatcher}) or, when a conmon dies first, from {@link ConmonDeaths}. The one
 * place that runs conmon and the OCI runtime.
 */
public final class ConmonRuntime implements ContainerRuntime {
  private static final Logger LOG = Logger.getLogger(ConmonRuntime.class.getName());

  private final ConmonLauncher conmon;
  private final RuncClient runc;
  private final ExitWatcher exits;
  private final ConmonDeaths deaths;
  private volatile MonitorListener listener = MonitorListener.NONE;

  /**
   * exitDir receives exit codes, persistDir conmon's per-container files, attachDir its attach
   * links.
   */
  public ConmonRuntime(Path conmonBinary, Path exitDir, Path persistDir, Path attachDir)
      throws IOException {
    ConmonFiles files = new ConmonFiles(exitDir, persistDir, attachDir);
    this.conmon = new ConmonLauncher(conmonBinary, files, new ConmonProcesses(files));
    this.runc = new RuncClient(persistDir);
    this.exits = new ExitWatcher(exitDir, persistDir);
    this.deaths = new ConmonDeaths(files, exits, runc, ProcessExits.start("conmon-deaths"));
  }

  /** Who hears of each runtime call and how long it took (the daemon's metrics). */
  public void setListener(MonitorListener listener) {
    this.listener = listener;
  }

  /** One runtime call, timed for the listener: ok when it returned, not when it threw. */
  private <T> T timed(OciRuntime rt, String operation, Call<T> call) throws MonitorException {
    long started = System.nanoTime();
    boolean ok = false;
    try {
      T result = call.run();
      ok = true;
      return result;
    } finally {
      listener.runtimeCall(rt.handler(), operation, System.nanoTime() - started, ok);
    }
  }

  private interface Call<T> {
    T run() throws MonitorException;
  }

  @Override
  public CreatedContainer create(
      OciRuntime rt,
      String id,
      Path bundle,
      Path logPath,
      boolean stdin,
      boolean stdinOnce,
      boolean tty,
      Duration timeout)
      throws MonitorException {
    try {
      CreatedContainer created =
          timed(
              rt,
              "create",
              () -> conmon.create(rt, id, bundle, logPath, stdin, stdinOnce, tty, timeout));
      deaths.watch(rt, id);
      return created;
    } catch (ConmonLauncher.TimedOut e) {
      try {
        delete(rt, id, true);
      } catch (MonitorException cleanup) {
        LOG.warning(
            "event=container_create_cleanup_failed id=" + id + " error=" + cleanup.getMessage());
      }
      throw e;
    }
  }

  @Override
  public void start(OciRuntime rt, String id) throws MonitorException {
    timed(
        rt,
        "start",
        () -> {
          runc.start(rt, id);
          return null;
        });
  }

  @Override
  public Optional<RuncState> state(OciRuntime rt, String id) throws MonitorException {
    return timed(rt, "state", () -> runc.state(rt, id));
  }

  @Override
  public boolean kill(OciRuntime rt, String id, int signal, boolean all) throws MonitorException {
    return timed(rt, "kill", () -> runc.kill(rt, id, signal, all));
  }

  /** {@code <runtime> delete}, then conmon's files for the container, the exit file included. */
  @Override
  public void delete(OciRuntime rt, String id, boolean force) throws MonitorException {
    deaths.forget(id);
    timed(
        rt,
        "delete",
        () -> {
          runc.delete(rt, id, force);
          return null;
        });
    conmon.cleanUp(id);
    exits.forget(id);
    LOG.info("event=container_deleted id=" + id + " force=" + force);
  }

  @Override
  public void update(OciRuntime rt, String id, byte[] resourcesJson) throws MonitorException {
    timed(
        rt,
        "update",
        () -> {
          runc.update(rt, id, resourcesJson);
          return null;
        });
  }

  @Override
  public ExecResult execSync(OciRuntime rt, String id, List<String> cmd, Duration timeout)
      throws MonitorException {
    return timed(rt, "exec", () -> runc.execSync(rt, id, cmd, timeout));
  }

  @Override
  public InteractiveExec exec(
      OciRuntime rt, String id, List<String> cmd, boolean tty, boolean stdin)
      throws MonitorException {
    return runc.exec(rt, id, cmd, tty, stdin);
  }

  @Override
  public Attachment attach(String id, Path bundle) throws MonitorException {
    return conmon.attach(id, bundle);
  }

  @Override
  public void reopenLog(String id, Path bundle) throws MonitorException {
    conmon.reopenLog(id, bundle);
  }

  @Override
  public Optional<Exit> exitOf(String id) {
    return exits.exitOf(id);
  }

  @Override
  public void watchExits(BiConsumer<String, Exit> onExit) throws IOException {
    deaths.reportTo(onExit);
    exits.watch(onExit);
  }

  @Override
  public void watchMonitor(OciRuntime rt, String id) {
    deaths.watch(rt, id);
  }

  @Override
  public void close() throws IOException {
    exits.close();
  }
}
