package io.jcri.runtime.container;

import static io.jcri.runtime.store.Steps.perform;
import static io.jcri.runtime.store.Steps.step;

import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.monitor.ExecResult;
import io.jcri.runtime.monitor.OciRuntime;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.oci.ContainerSpecs;
import io.jcri.runtime.store.Layout;
import io.jcri.sys.Failure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.logging.Logger;

/** What runs against a live container: ExecSync, UpdateContainerResources, ReopenContainerLog. */
public final class ContainerOperations {
  private static final Logger LOG = Logger.getLogger(ContainerOperations.class.getName());
  private static final Duration REOPEN_WAIT = Duration.ofSeconds(5);

  private final Containers containers;
  private final RuntimeHandlers handlers;
  private final ContainerRuntime runtime;
  private final Layout layout;

  public ContainerOperations(
      Containers containers, RuntimeHandlers handlers, ContainerRuntime runtime, Layout layout) {
    this.containers = containers;
    this.handlers = handlers;
    this.runtime = runtime;
    this.layout = layout;
  }

  public ExecResult execSync(String id, List<String> cmd, long timeoutSeconds) {
    Container c = containers.requireRunning(id, "ExecSync");
    if (cmd.isEmpty()) {
      throw Failure.invalid("ExecSync needs a command");
    }
    Duration timeout = timeoutSeconds > 0 ? Duration.ofSeconds(timeoutSeconds) : Duration.ofDays(1);
    OciRuntime oci = handlers.ociRuntime(c.record().metadata().runtimeHandler());
    ExecResult result =
        step("exec in container " + c.id(), () -> runtime.execSync(oci, c.id(), cmd, timeout));
    if (result.timedOut()) {
      throw new Failure(
          Failure.Kind.DEADLINE,
          "command "
              + cmd
              + " in container "
              + c.id()
              + " timed out after "
              + timeoutSeconds
              + " s and was killed");
    }
    return result;
  }

  public void updateResources(String id, LinuxContainerResources resources) {
    Container c = containers.require(id);
    if (c.record().state().equals(ContainerRecord.State.EXITED)) {
      throw Failure.precondition(
          "container " + c.id() + " has exited; its resources cannot change");
    }
    OciRuntime oci = handlers.ociRuntime(c.record().metadata().runtimeHandler());
    byte[] json = ContainerSpecs.resourcesJson(resources, c.id());
    c.lock().lock();
    try {
      perform("update the container's resources", () -> runtime.update(oci, c.id(), json));
      containers.save(
          c, c.record().withResources(Base64.getEncoder().encodeToString(resources.toByteArray())));
    } finally {
      c.lock().unlock();
    }
    LOG.info("event=container_resources_updated container=" + c.id());
  }

  /**
   * Returns once conmon has reopened the log: kubelet's log rotation checks the new file right
   * away.
   */
  public void reopenLog(String id) {
    Container c = containers.requireRunning(id, "ReopenContainerLog");
    perform(
        "reopen the container log",
        () -> runtime.reopenLog(c.id(), layout.containerBundle(c.id())));
    Path log = Path.of(c.record().metadata().logPath());
    long deadline = System.nanoTime() + REOPEN_WAIT.toNanos();
    while (!Files.exists(log)) {
      if (System.nanoTime() > deadline || !c.running()) {
        throw new Failure(
            Failure.Kind.DEADLINE,
            "conmon did not reopen " + log + " within " + REOPEN_WAIT.toMillis() + " ms");
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Failure(Failure.Kind.CANCELLED, "interrupted while reopening " + log);
      }
    }
  }
}
