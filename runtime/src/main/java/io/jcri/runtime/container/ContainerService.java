package io.jcri.runtime.container;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status;
import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.images.Image;
import io.jcri.images.ImageLease;
import io.jcri.images.ImageStore;
import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.monitor.ContainerMonitor;
import io.jcri.runtime.monitor.CreatedContainer;
import io.jcri.runtime.monitor.ExecResult;
import io.jcri.runtime.monitor.Exit;
import io.jcri.runtime.monitor.OciRuntime;
import io.jcri.runtime.monitor.RuncState;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.oci.ContainerSpecs;
import io.jcri.runtime.oci.ImageDefaults;
import io.jcri.runtime.oci.OciOptions;
import io.jcri.runtime.oci.OciSpec;
import io.jcri.runtime.oci.PodUserNamespace;
import io.jcri.runtime.storage.IdMappedBinds;
import io.jcri.runtime.sandbox.PodContainers;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.sandbox.Sandboxes;
import io.jcri.runtime.server.CriException;
import io.jcri.runtime.storage.Rootfs;
import io.jcri.runtime.store.Ids;
import io.jcri.runtime.store.Rollback;
import static io.jcri.runtime.store.Steps.deleteTree;
import static io.jcri.runtime.store.Steps.nowNanos;
import static io.jcri.runtime.store.Steps.step;
import static io.jcri.runtime.store.Steps.perform;
import io.jcri.sys.AtomicFiles;
import io.jcri.sys.LibC;
import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Container lifecycle: overlay rootfs + OCI spec → conmon + runc create, start, stop with the
 * image's stop signal then SIGKILL, remove; exits arrive from conmon's exit files.
 */
public final class ContainerService implements PodContainers {
  private static final Logger LOG = Logger.getLogger(ContainerService.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  private static final Duration REOPEN_WAIT = Duration.ofSeconds(5);

  private final Containers containers;
  private final Sandboxes sandboxes;
  private final RuntimeHandlers handlers;
  private final ContainerMonitor monitor;
  private final ImageStore images;
  private final OciOptions ociOptions;
  private final Path stateDir;
  private final Path layerDir;
  private final LifecycleEvents events;

  public ContainerService(Path root, Path state, Sandboxes sandboxes, RuntimeHandlers handlers,
      ContainerMonitor monitor, ImageStore images, OciOptions ociOptions, LifecycleEvents events) {
    this.events = events;
    this.containers = new Containers(root.resolve("containers/records"));
    this.sandboxes = sandboxes;
    this.handlers = handlers;
    this.monitor = monitor;
    this.images = images;
    this.ociOptions = ociOptions;
    this.stateDir = state.resolve("containers");
    this.layerDir = root.resolve("containers/layers");
  }

  // ---- CreateContainer ----

  /** config has passed the request checks of RuntimeServer; what is left to refuse depends on the node's state. */
  public String create(String sandboxId, ContainerConfig config) {
    Sandbox sandbox = sandboxes.require(sandboxId);
    if (!sandbox.ready()) {
      throw CriException.precondition("pod sandbox " + sandbox.id() + " is not ready; create the container in a running pod");
    }
    String imageRef = config.getImage().getImage();
    // held until the container is registered (then usesImage holds it): RemoveImage cannot take its snapshots
    Map<Integer, ImageLease> volumes = new TreeMap<>();
    try (ImageLease lease = images.lease(imageRef).orElseThrow(() -> CriException.notFound("image \"" + imageRef
        + "\" is not present on this node; pull it first (PullImage)"))) {
      for (int i = 0; i < config.getMountsCount(); i++) {
        String volumeRef = config.getMounts(i).getImage().getImage();
        if (!volumeRef.isEmpty()) {
          String field = "mounts[" + i + "].image";
          volumes.put(i, images.lease(volumeRef).orElseThrow(() -> CriException.notFound(field + ": image \"" + volumeRef
              + "\" is not present on this node; pull it first (PullImage)")));
        }
      }
      return create(sandbox, config, imageRef, lease, volumes);
    } finally {
      volumes.values().forEach(ImageLease::close);
    }
  }

  private String create(Sandbox sandbox, ContainerConfig config, String imageRef, ImageLease lease,
      Map<Integer, ImageLease> volumes) {
    Image image = lease.image();
    var pod = sandbox.record();
    String unique = config.getMetadata().getName() + "_" + pod.name() + "_" + pod.namespace() + "_" + pod.uid() + "_"
        + config.getMetadata().getAttempt();
    requireFeatures(config, pod.runtimeHandler());
    PodUserNamespace.requireSameAsPod(config.getLinux().getSecurityContext().getNamespaceOptions(), sandbox.config());
    if (sandbox.userNamespace().isPresent()) {
      PodUserNamespace.requireNoImageVolumes(config);
    }
    String id = Ids.random();
    var holder = containers.reserveName(unique, id);
    if (holder.isPresent()) {
      throw new CriException(Status.Code.ALREADY_EXISTS, "container name \"" + unique + "\" is reserved by "
          + holder.get() + "; remove that container first or use another attempt number");
    }
    long t0 = System.nanoTime();
    OciRuntime runtime = handlers.ociRuntime(pod.runtimeHandler());
    Path bundle = stateDir.resolve(id);
    Path rootfs = bundle.resolve("rootfs");
    Path layer = layerDir.resolve(id);
    try (Rollback rollback = new Rollback("container " + id)) {
      rollback.onFailure(() -> containers.releaseName(unique, id));
      rollback.onFailure(() -> {
        deleteTree(bundle);
        deleteTree(layer);
      });
      var userns = sandbox.userNamespace();
      perform("mount the container rootfs", () -> {
        if (userns.isPresent()) {
          IdMappedBinds.mountRootfs(lease.lowerDirs(), layer, rootfs, userns.get().pin(),
            userns.get().hostRootUid(), userns.get().hostRootGid(), bundle.resolve("layers"));
        } else {
          Rootfs.mount(lease.lowerDirs(), layer, rootfs);
        }
      });
      rollback.onFailure(() -> Rootfs.unmount(rootfs));
      Map<Integer, Path> imageVolumes = new TreeMap<>();
      rollback.onFailure(() -> Rootfs.unmountAll(bundle.resolve("image-volumes")));
      for (var v : volumes.entrySet()) {
        Path at = bundle.resolve("image-volumes").resolve(String.valueOf(v.getKey()));
        perform("mount the image of mounts[" + v.getKey() + "]", () -> Rootfs.mountReadOnly(v.getValue().lowerDirs(), at));
        imageVolumes.put(v.getKey(), at);
      }
      var ic = image.config();
      ImageDefaults defaults = new ImageDefaults(ic.user(), ic.env(), ic.entrypoint(), ic.cmd(), ic.workingDir(),
          ic.volumes(), ic.stopSignal());
      OciSpec built;
      try {
        built = ContainerSpecs.build(config, sandbox.config(), sandbox.context(), defaults, id, rootfs,
            layer.resolve("volumes"), imageVolumes, ociOptions);
      } catch (io.jcri.runtime.oci.OciSpecException e) {
        throw new CriException(e.grpcCode(), "CreateContainer " + config.getMetadata().getName() + ": "
            + e.getMessage());
      }
      Path binds = bundle.resolve("idmapped");
      rollback.onFailure(() -> IdMappedBinds.unmountBinds(binds));
      OciSpec spec = userns.isEmpty() ? built : step("ID-map the container's bind mounts",
          () -> IdMappedBinds.binds(userns.get().addTo(built), userns.get().pin(), binds));
      // rshared/rslave container mounts only propagate when the host mount holding the source is shared
      for (Path hostMount : spec.hostPropagation().keySet()) {
        perform("make host mount " + hostMount + " shared", () -> Syscalls.setPropagation(hostMount, LibC.MS_SHARED));
      }
      perform("write the OCI spec", () -> AtomicFiles.write(bundle.resolve("config.json"), spec.toJson()));
      Path logPath = logPath(sandbox, config, bundle);
      CreatedContainer created = step("create the container (conmon + " + runtime.handler() + ")",
          () -> monitor.create(runtime, id, bundle, logPath, config.getStdin(), config.getStdinOnce(), config.getTty(),
              CREATE_TIMEOUT));
      rollback.onFailure(() -> monitor.delete(runtime, id, true));
      var user = spec.user();
      ContainerRecord record = new ContainerRecord(id, sandbox.id(), config.getMetadata().getName(),
          config.getMetadata().getAttempt(), unique, imageRef, image.id(), imageRefOf(image), runtime.handler(),
          nowNanos(), 0, 0, ContainerRecord.CREATED, 0, "", "", created.pid(), logPath.toString(),
          stopSignal(config, ic.stopSignal()), user.uid(), user.gid(), user.supplementalGroups(),
          Base64.getEncoder().encodeToString(config.toByteArray()), null,
          volumes.values().stream().map(v -> v.image().id()).distinct().toList());
      Container container = new Container(record);
      containers.add(container);
      containers.save(container, record);
      rollback.commit();
      publish(record, LifecycleEvents.Kind.CREATED);
      LOG.info("event=container_created container=" + id + " sandbox=" + sandbox.id() + " name="
          + config.getMetadata().getName() + " image=" + imageRef + " ms=" + (System.nanoTime() - t0) / 1_000_000);
      return id;
    }
  }

  /** A mount the handler cannot make as asked is refused before anything is created. */
  private void requireFeatures(ContainerConfig config, String handler) {
    for (int i = 0; i < config.getMountsCount(); i++) {
      if (config.getMounts(i).getRecursiveReadOnly() && !handlers.features(handler).recursiveReadOnlyMounts()) {
        throw CriException.invalid("mounts[" + i + "].recursive_read_only: runtime handler \"" + handlers.canonical(handler)
            + "\" does not support recursive read-only mounts on this node (see RuntimeHandlerFeatures in Status)");
      }
    }
  }

  /** The configured stop signal (as the CRI names it), else the image's STOPSIGNAL; empty means SIGTERM. */
  private static String stopSignal(ContainerConfig config, String imageStopSignal) {
    if (config.getStopSignal() != io.jcri.cri.v1.Signal.RUNTIME_DEFAULT) {
      return config.getStopSignal().name();
    }
    return imageStopSignal == null ? "" : imageStopSignal;
  }

  /** log_path is relative and stays below the log directory (checked with the request). */
  private static Path logPath(Sandbox sandbox, ContainerConfig config, Path bundle) {
    String dir = sandbox.config().getLogDirectory();
    if (dir.isEmpty() || config.getLogPath().isEmpty()) {
      return bundle.resolve("container.log");
    }
    return Path.of(dir).resolve(config.getLogPath()).normalize();
  }

  private static String imageRefOf(Image image) {
    return image.repoDigests().isEmpty() ? image.id() : image.repoDigests().get(0);
  }

  // ---- StartContainer ----

  public void start(String id) {
    Container c = containers.require(id);
    c.lock().lock();
    try {
      ContainerRecord r = c.record();
      if (!r.state().equals(ContainerRecord.CREATED)) {
        throw CriException.precondition("container " + r.id() + " is " + r.state().toLowerCase()
            + "; only a created container can be started");
      }
      OciRuntime runtime = handlers.ociRuntime(r.runtimeHandler());
      // taken before runc start: a container that exits at once must not look finished before it started
      long startedAt = nowNanos();
      perform("start the container", () -> monitor.start(runtime, r.id()));
      if (c.record().state().equals(ContainerRecord.CREATED)) {
        containers.save(c, c.record().started(startedAt));
      }
      publish(r, LifecycleEvents.Kind.STARTED);
      LOG.info("event=container_started container=" + r.id() + " pid=" + r.pid());
    } finally {
      c.lock().unlock();
    }
  }

  // ---- exits ----

  /** Called by the monitor's exit watcher, and at recovery for exits that happened while jcrid was down. */
  void onExit(String id, Exit exit) {
    containers.find(id).ifPresent(c -> {
      c.lock().lock();
      try {
        ContainerRecord r = c.record();
        if (r.state().equals(ContainerRecord.EXITED)) {
          return;
        }
        String reason = exit.oomKilled() ? "OOMKilled" : exit.code() == 0 ? "Completed" : "Error";
        // the exit file's mtime comes from the kernel's coarse clock and can trail the start by a tick
        long started = r.startedAtNanos() == 0 ? r.createdAtNanos() : r.startedAtNanos();
        long at = Math.max(started, exit.finishedAt().getEpochSecond() * 1_000_000_000L + exit.finishedAt().getNano());
        ContainerRecord next = r.started(started).exited(at, exit.code(), reason, "");
        containers.save(c, next);
        publish(next, LifecycleEvents.Kind.STOPPED);
        LOG.info("event=container_exited container=" + id + " exit_code=" + exit.code() + " reason=" + reason);
      } finally {
        c.lock().unlock();
      }
    });
  }

  // ---- StopContainer / RemoveContainer ----

  /** Idempotent: a container that is already gone (or never was) needs no stopping. */
  public void stop(String id, long timeoutSeconds) {
    containers.findIfStillThere(id, "container_id")
        .ifPresent(c -> stop(c, Duration.ofSeconds(Math.max(0, timeoutSeconds))));
  }

  private void stop(Container c, Duration grace) {
    ContainerRecord r = c.record();
    if (!r.state().equals(ContainerRecord.RUNNING)) {
      if (r.state().equals(ContainerRecord.CREATED)) {
        killAndWait(c, Signals.SIGKILL, KILL_WAIT);
      }
      return;
    }
    int signal = Signals.number(r.stopSignal());
    if (grace.isPositive()) {
      if (killAndWait(c, signal, grace)) {
        return;
      }
      LOG.info("event=container_stop_timeout container=" + r.id() + " signal=" + signal + " grace_s=" + grace.toSeconds());
    }
    if (!killAndWait(c, Signals.SIGKILL, KILL_WAIT)) {
      throw new CriException(Status.Code.DEADLINE_EXCEEDED, "container " + r.id() + " did not exit after SIGKILL within "
          + KILL_WAIT.toSeconds() + " s");
    }
  }

  /** Sends signal to the container's processes and waits for its exit; true when it exited. */
  private boolean killAndWait(Container c, int signal, Duration wait) {
    ContainerRecord r = c.record();
    OciRuntime runtime = handlers.ociRuntime(r.runtimeHandler());
    try {
      monitor.kill(runtime, r.id(), signal, signal == Signals.SIGKILL);
    } catch (IOException e) {
      LOG.info("event=container_kill_failed container=" + r.id() + " signal=" + signal + " error=\"" + e.getMessage() + "\"");
    }
    try {
      c.exitedFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return pollExit(c, runtime);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CriException(Status.Code.CANCELLED, "interrupted while stopping " + r.id());
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A container that never started leaves no exit file; ask the runtime instead. */
  private boolean pollExit(Container c, OciRuntime runtime) {
    ContainerRecord r = c.record();
    var exit = monitor.exitOf(r.id());
    if (exit.isPresent()) {
      onExit(r.id(), exit.get());
      return true;
    }
    try {
      var state = monitor.state(runtime, r.id());
      if (state.isEmpty() || state.get().status() == RuncState.Status.STOPPED) {
        if (r.state().equals(ContainerRecord.CREATED)) {
          containers.save(c, r.exited(nowNanos(), 137, "Error", "killed before it was started"));
          return true;
        }
      }
    } catch (IOException e) {
      LOG.info("event=container_state_failed container=" + r.id() + " error=\"" + e.getMessage() + "\"");
    }
    return false;
  }

  public void remove(String id) {
    containers.findIfStillThere(id, "container_id").ifPresent(this::remove);
  }

  private void remove(Container c) {
    c.lock().lock();
    try {
      ContainerRecord r = c.record();
      if (!r.state().equals(ContainerRecord.EXITED)) {
        stop(c, Duration.ZERO);
      }
      OciRuntime runtime = handlers.ociRuntime(r.runtimeHandler());
      perform("delete the container from " + runtime.handler(), () -> monitor.delete(runtime, r.id(), true));
      Path bundle = stateDir.resolve(r.id());
      perform("unmount the container rootfs", () -> Rootfs.unmount(bundle.resolve("rootfs")));
      perform("unmount the container's image volumes", () -> Rootfs.unmountAll(bundle.resolve("image-volumes")));
      perform("unmount the container's ID-mapped binds", () -> IdMappedBinds.unmountBinds(bundle.resolve("idmapped")));
      perform("delete the container's files", () -> {
        deleteTree(bundle);
        deleteTree(layerDir.resolve(r.id()));
      });
      containers.forget(c);
      publish(r, LifecycleEvents.Kind.DELETED);
      LOG.info("event=container_removed container=" + r.id());
    } finally {
      c.lock().unlock();
    }
  }

  @Override
  public void stopAll(String sandboxId, Duration grace) {
    containers.inSandbox(sandboxId).parallelStream().forEach(c -> stop(c, grace));
  }

  @Override
  public void removeAll(String sandboxId) {
    containers.inSandbox(sandboxId).forEach(this::remove);
  }

  // ---- queries ----

  public Container require(String id) {
    return containers.require(id);
  }

  public Collection<Container> all() {
    return containers.all();
  }

  public boolean usesImage(String imageId) {
    return containers.usesImage(imageId);
  }

  /** Verbose ContainerStatus info: pid, sandbox, and the OCI spec as written. */
  public String verboseInfo(Container c) {
    ObjectNode info = JSON.createObjectNode();
    info.put("sandboxID", c.record().sandboxId());
    info.put("pid", c.record().pid());
    info.put("runtimeHandler", c.record().runtimeHandler());
    try {
      info.set("runtimeSpec", JSON.readTree(stateDir.resolve(c.id()).resolve("config.json").toFile()));
    } catch (IOException e) {
      info.put("runtimeSpecError", e.getMessage());
    }
    return info.toString();
  }

  // ---- ExecSync, UpdateContainerResources, ReopenContainerLog ----

  public ExecResult execSync(String id, List<String> cmd, long timeoutSeconds) {
    Container c = requireRunning(id, "ExecSync");
    if (cmd.isEmpty()) {
      throw CriException.invalid("ExecSync needs a command");
    }
    Duration timeout = timeoutSeconds > 0 ? Duration.ofSeconds(timeoutSeconds) : Duration.ofDays(1);
    OciRuntime runtime = handlers.ociRuntime(c.record().runtimeHandler());
    ExecResult result = step("exec in container " + c.id(), () -> monitor.execSync(runtime, c.id(), cmd, timeout));
    if (result.timedOut()) {
      throw new CriException(Status.Code.DEADLINE_EXCEEDED, "command " + cmd + " in container " + c.id()
          + " timed out after " + timeoutSeconds + " s and was killed");
    }
    return result;
  }

  public void updateResources(String id, LinuxContainerResources resources) {
    Container c = containers.require(id);
    if (c.record().state().equals(ContainerRecord.EXITED)) {
      throw CriException.precondition("container " + c.id() + " has exited; its resources cannot change");
    }
    OciRuntime runtime = handlers.ociRuntime(c.record().runtimeHandler());
    byte[] json = ContainerSpecs.resourcesJson(resources, c.id());
    c.lock().lock();
    try {
      perform("update the container's resources", () -> monitor.update(runtime, c.id(), json));
      containers.save(c, c.record().withResources(Base64.getEncoder().encodeToString(resources.toByteArray())));
    } finally {
      c.lock().unlock();
    }
    LOG.info("event=container_resources_updated container=" + c.id());
  }

  /** Returns once conmon has reopened the log: kubelet's log rotation checks the new file right away. */
  public void reopenLog(String id) {
    Container c = requireRunning(id, "ReopenContainerLog");
    perform("reopen the container log", () -> monitor.reopenLog(c.id(), stateDir.resolve(c.id())));
    Path log = Path.of(c.record().logPath());
    long deadline = System.nanoTime() + REOPEN_WAIT.toNanos();
    while (!Files.exists(log)) {
      if (System.nanoTime() > deadline || !c.running()) {
        throw new CriException(Status.Code.DEADLINE_EXCEEDED, "conmon did not reopen " + log + " within "
            + REOPEN_WAIT.toMillis() + " ms");
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CriException(Status.Code.CANCELLED, "interrupted while reopening " + log);
      }
    }
  }

  public Container requireRunning(String id, String what) {
    Container c = containers.require(id);
    if (!c.running()) {
      throw CriException.precondition(what + ": container " + c.id() + " is not running (state "
          + c.record().state().toLowerCase() + ")");
    }
    return c;
  }

  /** The container's overlay upper dir: what it wrote. */
  public Path writableLayer(String id) {
    return layerDir.resolve(id).resolve("upper");
  }

  public Path bundle(String id) {
    return stateDir.resolve(id);
  }

  // ---- recovery ----

  /** After a restart: reload records, learn exits that happened while jcrid was down, then watch for new ones. */
  public void recover() throws IOException {
    List<Container> loaded = containers.load();
    monitor.watchExits(this::onExit);
    for (Container c : loaded) {
      ContainerRecord r = c.record();
      if (r.state().equals(ContainerRecord.EXITED)) {
        continue;
      }
      var exit = monitor.exitOf(r.id());
      if (exit.isPresent()) {
        onExit(r.id(), exit.get());
        continue;
      }
      try {
        var state = monitor.state(handlers.ociRuntime(r.runtimeHandler()), r.id());
        if (state.isEmpty()) {
          containers.save(c, r.exited(nowNanos(), 255, "Unknown", "the container disappeared while jcrid was down"));
        } else if (state.get().status() == RuncState.Status.RUNNING && r.state().equals(ContainerRecord.CREATED)) {
          containers.save(c, r.started(nowNanos()));
        }
      } catch (IOException | IllegalArgumentException e) {
        LOG.warning("event=container_recover_failed container=" + r.id() + " error=\"" + e.getMessage() + "\"");
      }
    }
    LOG.info("event=containers_recovered count=" + loaded.size());
  }

  // ---- helpers ----

  private void publish(ContainerRecord r, LifecycleEvents.Kind kind) {
    events.publish(new LifecycleEvents.Event(r.id(), r.sandboxId(), kind, nowNanos()));
  }
}
