package io.jcri.runtime.fakes;

import io.jcri.runtime.monitor.Attachment;
import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.monitor.CreatedContainer;
import io.jcri.runtime.monitor.ExecResult;
import io.jcri.runtime.monitor.Exit;
import io.jcri.runtime.monitor.InteractiveExec;
import io.jcri.runtime.monitor.MonitorException;
import io.jcri.runtime.monitor.OciRuntime;
import io.jcri.runtime.monitor.RuncState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * An OCI runtime in memory: containers and their states, exits as conmon would record them (a
 * running container killed exits with 128 + signal; one never started leaves no exit), and
 * operations made to fail on demand.
 */
public final class FakeRuntime implements ContainerRuntime {
  /** Operations ("create", "start", "kill", "delete", "update") that fail until removed. */
  public final Set<String> failing = ConcurrentHashMap.newKeySet();

  public final Map<String, RuncState.Status> containers = new ConcurrentHashMap<>();
  public final Map<String, Exit> exits = new ConcurrentHashMap<>();
  public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger pids = new AtomicInteger(1000);

  /**
   * Exits reach the watcher from a thread of their own, as conmon's exit files do, not from the
   * caller's.
   */
  public volatile boolean exitsFromAnotherThread;

  private volatile BiConsumer<String, Exit> onExit;

  /** Runs inside kill, before it signals. */
  public volatile Runnable duringKill = () -> {};

  private void call(String op, String id) throws MonitorException {
    calls.add(op + " " + id);
    if (failing.contains(op)) {
      throw new MonitorException("fake " + op + " of " + id + " failed");
    }
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
    call("create", id);
    containers.put(id, RuncState.Status.CREATED);
    return new CreatedContainer(id, pids.incrementAndGet(), 1);
  }

  @Override
  public void start(OciRuntime rt, String id) throws MonitorException {
    call("start", id);
    if (containers.get(id) != RuncState.Status.CREATED) {
      throw new MonitorException("fake start: " + id + " is " + containers.get(id));
    }
    containers.put(id, RuncState.Status.RUNNING);
  }

  @Override
  public Optional<RuncState> state(OciRuntime rt, String id) {
    return Optional.ofNullable(containers.get(id))
        .map(s -> new RuncState(id, s, 1, Path.of("/"), null));
  }

  @Override
  public boolean kill(OciRuntime rt, String id, int signal, boolean all) throws MonitorException {
    call("kill", id);
    duringKill.run();
    RuncState.Status status = containers.get(id);
    if (status == RuncState.Status.RUNNING) {
      exit(id, 128 + signal);
      return true;
    }
    if (status == RuncState.Status.CREATED) {
      containers.put(id, RuncState.Status.STOPPED);
      return true;
    }
    return false;
  }

  @Override
  public void delete(OciRuntime rt, String id, boolean force) throws MonitorException {
    call("delete", id);
    containers.remove(id);
    exits.remove(id);
  }

  @Override
  public void update(OciRuntime rt, String id, byte[] resourcesJson) throws MonitorException {
    call("update", id);
  }

  @Override
  public ExecResult execSync(OciRuntime rt, String id, List<String> cmd, Duration timeout)
      throws MonitorException {
    call("exec", id);
    return new ExecResult(
        0, String.join(" ", cmd).getBytes(StandardCharsets.UTF_8), new byte[0], false);
  }

  @Override
  public InteractiveExec exec(
      OciRuntime rt, String id, List<String> cmd, boolean tty, boolean stdin) {
    throw new UnsupportedOperationException("streaming exec is not faked");
  }

  @Override
  public Attachment attach(String id, Path bundle) {
    throw new UnsupportedOperationException("attach is not faked");
  }

  @Override
  public void reopenLog(String id, Path bundle) throws MonitorException {
    call("reopen", id);
  }

  @Override
  public Optional<Exit> exitOf(String id) {
    return Optional.ofNullable(exits.get(id));
  }

  @Override
  public void watchExits(BiConsumer<String, Exit> onExit) {
    this.onExit = onExit;
    exits.forEach(onExit);
  }

  /** The container's process exits with code, as conmon would record and report it. */
  public void exit(String id, int code) {
    Exit exit = new Exit(code, Instant.now(), false);
    exits.put(id, exit);
    containers.put(id, RuncState.Status.STOPPED);
    BiConsumer<String, Exit> watcher = onExit;
    if (watcher != null && exitsFromAnotherThread) {
      Thread.ofVirtual().start(() -> watcher.accept(id, exit));
    } else if (watcher != null) {
      watcher.accept(id, exit);
    }
  }

  /** Containers whose monitor is watched (created ones and those recovery asked for). */
  public final Set<String> monitored = ConcurrentHashMap.newKeySet();

  @Override
  public void watchMonitor(OciRuntime rt, String id) {
    monitored.add(id);
  }

  /** The container's monitor died before it recorded an exit, as ConmonDeaths reports it. */
  public void monitorDies(String id) {
    containers.put(id, RuncState.Status.STOPPED);
    onExit.accept(id, Exit.ofDeadMonitor(Instant.now()));
  }

  @Override
  public void close() {}
}
