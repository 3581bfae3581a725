package io.jcri.runtime.monitor;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * What the lifecycle services need from an OCI runtime under a monitor: create, start, signal,
 * delete, update and exec containers, and learn their exits. {@link ConmonRuntime} is the real one
 * (conmon + the runtime's CLI); unit tests run the services over a fake.
 */
public interface ContainerRuntime extends AutoCloseable {
  /** Creates the container of a bundle (config.json written); returns once it is CREATED. */
  CreatedContainer create(
      OciRuntime rt,
      String id,
      Path bundle,
      Path logPath,
      boolean stdin,
      boolean stdinOnce,
      boolean tty,
      Duration timeout)
      throws MonitorException;

  /** The created container's process begins to run. */
  void start(OciRuntime rt, String id) throws MonitorException;

  /** The runtime's view of the container; empty when the runtime does not know it. */
  Optional<RuncState> state(OciRuntime rt, String id) throws MonitorException;

  /** Signals the init process (every process with all); false when there is nothing to signal. */
  boolean kill(OciRuntime rt, String id, int signal, boolean all) throws MonitorException;

  /**
   * Deletes the container (force: kills it first) and every file kept for it; unknown is no error.
   */
  void delete(OciRuntime rt, String id, boolean force) throws MonitorException;

  /** Applies an OCI LinuxResources JSON document to the running container. */
  void update(OciRuntime rt, String id, byte[] resourcesJson) throws MonitorException;

  /** Runs cmd in the container and collects its output; killed at the deadline. */
  ExecResult execSync(OciRuntime rt, String id, List<String> cmd, Duration timeout)
      throws MonitorException;

  /** Starts cmd in the container with streamed stdio (a terminal with tty). */
  InteractiveExec exec(OciRuntime rt, String id, List<String> cmd, boolean tty, boolean stdin)
      throws MonitorException;

  /** Connects to the container's stdio. */
  Attachment attach(String id, Path bundle) throws MonitorException;

  /** Reopens the container's log file (after kubelet rotated it). */
  void reopenLog(String id, Path bundle) throws MonitorException;

  /** The container's recorded exit; empty while it runs (or if it was never created). */
  Optional<Exit> exitOf(String id);

  /** Calls onExit once for every exit already recorded, then for each new one. */
  void watchExits(BiConsumer<String, Exit> onExit) throws IOException;

  /**
   * Watches the monitor of a container created before this start-up: when it dies without recording
   * the exit, the container is killed and {@link Exit#ofDeadMonitor} reaches the exit consumer.
   * Containers created by this runtime are watched from their creation.
   */
  void watchMonitor(OciRuntime rt, String id);

  /** Stops watching exits; containers keep running. */
  @Override
  void close() throws IOException;
}
