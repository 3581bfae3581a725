package io.jcri.runtime.sandbox;

import static io.jcri.sys.Timestamps.nowNanos;

import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.oci.PodUserNamespace;
import io.jcri.runtime.store.Ids;
import io.jcri.runtime.store.Rollback;
import io.jcri.sys.Failure;
import io.jcri.sys.NamedStep;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * RunPodSandbox, StopPodSandbox and RemovePodSandbox: orders the pod's files and namespaces, its
 * network, its infra process and its containers, under the pod's lock; a failed run leaves nothing.
 */
public final class SandboxOrchestrator {
  private static final Logger LOG = Logger.getLogger(SandboxOrchestrator.class.getName());

  /**
   * StopPodSandbox carries no timeout: kubelet has stopped the containers with their own grace
   * periods already, so what is still running is killed at once (as containerd does).
   */
  private static final Duration STOP_GRACE = Duration.ZERO;

  private final Sandboxes sandboxes;
  private final PodContainers containers;
  private final RuntimeHandlers handlers;
  private final PodFiles files;
  private final PodNetworks networks;
  private final InfraContainer infra;
  private final LifecycleEvents events;

  public SandboxOrchestrator(
      Sandboxes sandboxes,
      PodContainers containers,
      RuntimeHandlers handlers,
      PodFiles files,
      PodNetworks networks,
      InfraContainer infra,
      LifecycleEvents events) {
    this.sandboxes = sandboxes;
    this.containers = containers;
    this.handlers = handlers;
    this.files = files;
    this.networks = networks;
    this.infra = infra;
    this.events = events;
  }

  /**
   * pod has passed the request checks of RuntimeServer; what is left to refuse depends on the
   * node's state.
   */
  public String run(PodSandboxConfig pod, String runtimeHandler) {
    var md = pod.getMetadata();
    if (!handlers.exists(runtimeHandler)) {
      throw Failure.invalid(
          "unknown runtime handler \""
              + runtimeHandler
              + "\"; configured handlers: "
              + handlers.all().keySet());
    }
    String handler = handlers.canonical(runtimeHandler);
    if (PodUserNamespace.asked(pod) && !handlers.features(handler).userNamespaces()) {
      throw Failure.invalid(
          "linux.security_context.namespace_options.userns_options.mode: runtime handler \""
              + handler
              + "\" cannot run pods in a user namespace of their own on this node (see RuntimeHandlerFeatures"
              + " in Status)");
    }
    String id = Ids.random();
    String unique =
        SandboxRecord.uniqueName(md.getName(), md.getNamespace(), md.getUid(), md.getAttempt());
    sandboxes.reserveName(unique, id);
    long t0 = System.nanoTime();
    try (var steps = NamedStep.breakdown("RunPodSandbox").subject("sandbox", id);
        Rollback rollback = new Rollback("sandbox " + id)) {
      rollback.onFailure(() -> sandboxes.releaseName(unique, id));
      PodFiles.Made made = files.create(id, pod, rollback);
      Sandbox sandbox = register(id, handler, pod, made, rollback);
      attachAndStartInfra(sandbox, made.netns() != null, rollback);
      NamedStep.RUN_POD_SANDBOX_RECORD_READY.run(
          () -> sandboxes.save(sandbox, sandbox.record().withReady(true)));
      rollback.commit();
      events.publish(id, id, LifecycleEvents.Kind.CREATED);
      events.publish(id, id, LifecycleEvents.Kind.STARTED);
      LOG.info(
          "event=sandbox_ready sandbox="
              + id
              + " pod="
              + md.getNamespace()
              + "/"
              + md.getName()
              + " ip="
              + sandbox.record().status().ip()
              + " infra="
              + !sandbox.record().status().infraContainerId().isEmpty()
              + " handler="
              + handler
              + " ms="
              + (System.nanoTime() - t0) / 1_000_000);
      return id;
    }
  }

  /**
   * CNI ADD and the infra process, at the same time when the pod has both: the infra joins the
   * pinned namespaces and needs nothing of the network. The infra's pid is recorded once both are
   * done (ADD writes the record meanwhile); when either fails, the other has finished before the
   * rollback undoes both.
   */
  private void attachAndStartInfra(Sandbox sandbox, boolean ownNetwork, Rollback rollback) {
    if (!infra.needed(sandbox.config())) {
      if (ownNetwork) {
        networks.attach(sandbox, rollback);
      }
      return;
    }
    int pid =
        ownNetwork
            ? together(
                () -> infra.start(sandbox, rollback), () -> networks.attach(sandbox, rollback))
            : infra.start(sandbox, rollback);
    NamedStep.RUN_POD_SANDBOX_RECORD_INFRA.run(
        () -> sandboxes.save(sandbox, sandbox.record().withInfra(sandbox.id(), pid)));
  }

  /**
   * Runs beside on a virtual thread (its steps in this RPC's breakdown) while here runs on this
   * thread; returns beside's result once both are done, here's failure first.
   */
  private static <T> T together(Supplier<T> beside, Runnable here) {
    NamedStep.Breakdown steps = NamedStep.current();
    CompletableFuture<T> result = new CompletableFuture<>();
    Runnable work =
        () -> {
          try {
            result.complete(beside.get());
          } catch (Throwable e) {
            result.completeExceptionally(e);
          }
        };
    Thread.ofVirtual().name("pod-step").start(steps == null ? work : () -> steps.join(work));
    try {
      here.run();
    } catch (RuntimeException | Error failed) {
      result.handle((v, e) -> v).join();
      throw failed;
    }
    try {
      return result.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error r) {
        throw r;
      }
      throw e;
    }
  }

  private Sandbox register(
      String id, String handler, PodSandboxConfig pod, PodFiles.Made made, Rollback rollback) {
    SandboxRecord record =
        new SandboxRecord(
            new SandboxRecord.Metadata(
                id,
                pod.getMetadata().getName(),
                pod.getMetadata().getNamespace(),
                pod.getMetadata().getUid(),
                pod.getMetadata().getAttempt(),
                handler,
                nowNanos(),
                made.hostNetwork(),
                made.hostIpc(),
                made.hostPid(),
                str(made.netns()),
                str(made.ipcNs()),
                str(made.utsNs()),
                str(made.shm()),
                made.resolvConf().toString(),
                made.hostnameFile().toString(),
                made.hostname(),
                pod.getLinux().getCgroupParent(),
                Base64.getEncoder().encodeToString(pod.toByteArray()),
                str(made.userns())),
            SandboxRecord.Status.creating());
    Sandbox sandbox = new Sandbox(record);
    sandboxes.add(sandbox);
    rollback.onFailure(() -> sandboxes.discard(sandbox));
    NamedStep.RUN_POD_SANDBOX_RECORD_CREATING.run(() -> sandboxes.save(sandbox, record));
    return sandbox;
  }

  public void stop(String idOrPrefix) {
    var found = sandboxes.findIfStillThere(idOrPrefix, "pod_sandbox_id");
    if (found.isEmpty()) {
      return;
    }
    Sandbox sandbox = found.get();
    sandbox.lock().lock();
    try (var steps = NamedStep.breakdown("StopPodSandbox").subject("sandbox", sandbox.id())) {
      stopLocked(sandbox);
    } finally {
      sandbox.lock().unlock();
    }
  }

  private void stopLocked(Sandbox sandbox) {
    SandboxRecord r = sandbox.record();
    boolean wasReady = !r.status().state().equals(SandboxRecord.State.NOTREADY);
    containers.stopAll(r.id(), STOP_GRACE);
    // the infra's kill and CNI DEL need nothing of each other either
    boolean infraDeleted = false;
    if (r.status().infraContainerId().isEmpty()) {
      networks.detach(sandbox);
    } else {
      infraDeleted = together(() -> infra.stop(r), () -> networks.detach(sandbox));
    }
    files.unmountShm(r);
    if (wasReady || infraDeleted) {
      // a deleted infra leaves the record: a later stop (or the one inside RemovePodSandbox) skips
      // it
      NamedStep.STOP_POD_SANDBOX_RECORD_NOTREADY.run(
          () -> sandboxes.save(sandbox, sandbox.record().withReady(false).withInfra("", 0)));
    }
    if (wasReady) {
      events.publish(r.id(), r.id(), LifecycleEvents.Kind.STOPPED);
      LOG.info("event=sandbox_stopped sandbox=" + r.id());
    }
  }

  public void remove(String idOrPrefix) {
    var found = sandboxes.findIfStillThere(idOrPrefix, "pod_sandbox_id");
    if (found.isEmpty()) {
      return;
    }
    Sandbox sandbox = found.get();
    sandbox.lock().lock();
    try (var steps = NamedStep.breakdown("RemovePodSandbox").subject("sandbox", sandbox.id())) {
      stopLocked(sandbox);
      containers.removeAll(sandbox.id());
      SandboxRecord r = sandbox.record();
      files.remove(r);
      NamedStep.REMOVE_POD_SANDBOX_RECORD_DELETE.run(() -> sandboxes.forget(sandbox));
      events.publish(r.id(), r.id(), LifecycleEvents.Kind.DELETED);
      LOG.info("event=sandbox_removed sandbox=" + r.id());
    } finally {
      sandbox.lock().unlock();
    }
  }

  private static String str(Path p) {
    return p == null ? "" : p.toString();
  }
}
