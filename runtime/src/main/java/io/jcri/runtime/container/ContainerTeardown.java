package io.jcri.runtime.container;

import static io.jcri.runtime.store.Steps.perform;
import static io.jcri.sys.Trees.delete;

import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.monitor.OciRuntime;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.storage.LayerMounts;
import io.jcri.runtime.store.Layout;
import io.jcri.sys.NamedStep;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * What an exited or removed container leaves, undone off the RPC's path: the runtime's delete (its
 * state, cgroup and conmon's files) starts as soon as the exit is recorded, the rootfs and files go
 * once RemoveContainer has deleted the record. A crash in between leaves things without a record,
 * which OrphanSweep deletes at the next start; RemovePodSandbox waits for its containers' teardowns
 * before the pod's own resources go.
 */
public final class ContainerTeardown {
  private static final Logger LOG = Logger.getLogger(ContainerTeardown.class.getName());

  private record Pending(String sandboxId, CompletableFuture<Boolean> done) {}

  private final RuntimeHandlers handlers;
  private final ContainerRuntime runtime;
  private final LayerMounts mounts;
  private final Layout layout;
  private final Executor executor;

  /**
   * By container ID: the runtime's delete (true when it succeeded), then for a removed one its
   * files.
   */
  private final ConcurrentMap<String, Pending> pending = new ConcurrentHashMap<>();

  /** executor runs each teardown (the daemon's: a virtual thread each; tests: the caller). */
  public ContainerTeardown(
      RuntimeHandlers handlers,
      ContainerRuntime runtime,
      LayerMounts mounts,
      Layout layout,
      Executor executor) {
    this.handlers = handlers;
    this.runtime = runtime;
    this.mounts = mounts;
    this.layout = layout;
    this.executor = executor;
  }

  /** The exit of r is recorded: the runtime forgets the container (once per container). */
  void exited(ContainerRecord r) {
    pending.computeIfAbsent(
        r.id(),
        id ->
            new Pending(
                r.metadata().sandboxId(),
                CompletableFuture.supplyAsync(() -> runtimeDelete(r), executor)));
  }

  /**
   * RemoveContainer deleted r's record: the runtime's delete (again when the one at the exit failed
   * or ran before a restart), then the rootfs mounts and the bundle and writable layer.
   */
  void removed(ContainerRecord r) {
    Pending exitTime = pending.remove(r.id());
    CompletableFuture<Boolean> deleted =
        exitTime == null ? CompletableFuture.completedFuture(false) : exitTime.done();
    CompletableFuture<Boolean> done =
        deleted
            .exceptionally(e -> false)
            .thenApplyAsync(
                ok -> {
                  // the container has exited: its mounts and files go even if runc kept its state
                  boolean runtimeGone = ok || runtimeDelete(r);
                  return removeFiles(r) && runtimeGone;
                },
                executor);
    Pending p = new Pending(r.metadata().sandboxId(), done);
    pending.put(r.id(), p);
    done.whenComplete((ok, e) -> pending.remove(r.id(), p));
  }

  /** Waits (up to max in all) for the teardowns of sandboxId's containers. */
  void awaitPod(String sandboxId, Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    List<Pending> pod =
        pending.values().stream().filter(p -> p.sandboxId().equals(sandboxId)).toList();
    for (Pending p : pod) {
      try {
        p.done().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        LOG.warning("event=container_teardown_slow sandbox=" + sandboxId);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        // logged where it failed
      }
    }
  }

  private boolean runtimeDelete(ContainerRecord r) {
    try (var steps = NamedStep.breakdown("ContainerTeardown").subject("container", r.id())) {
      OciRuntime oci = handlers.ociRuntime(r.metadata().runtimeHandler());
      NamedStep.STOP_CONTAINER_RUNTIME_DELETE.run(
          () ->
              perform(
                  "delete the container from " + oci.handler(),
                  () -> runtime.delete(oci, r.id(), true)));
      return true;
    } catch (RuntimeException e) {
      LOG.warning(
          "event=container_runtime_delete_failed container="
              + r.id()
              + " error=\""
              + e.getMessage()
              + "\"");
      return false;
    }
  }

  private boolean removeFiles(ContainerRecord r) {
    Path bundle = layout.containerBundle(r.id());
    try (var steps = NamedStep.breakdown("ContainerTeardown").subject("container", r.id())) {
      NamedStep.REMOVE_CONTAINER_UNMOUNT.run(
          () -> {
            perform("unmount the container rootfs", () -> mounts.unmount(bundle.resolve("rootfs")));
            perform(
                "unmount the container's image volumes",
                () -> mounts.unmountAll(bundle.resolve("image-volumes")));
            perform(
                "unmount the container's ID-mapped binds",
                () -> mounts.unmountAll(bundle.resolve("idmapped")));
          });
      NamedStep.REMOVE_CONTAINER_FILES_DELETE.run(
          () ->
              perform(
                  "delete the container's files",
                  () -> {
                    delete(bundle);
                    delete(layout.containerLayer(r.id()));
                  }));
      LOG.info("event=container_torn_down container=" + r.id());
      return true;
    } catch (RuntimeException e) {
      LOG.warning(
          "event=container_teardown_failed container="
              + r.id()
              + " error=\""
              + e.getMessage()
              + "\" (OrphanSweep removes what is left at the next start)");
      return false;
    }
  }
}
