package io.jcri.runtime.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.Status;
import io.jcri.cni.CniManager;
import io.jcri.cni.PodNetwork;
import io.jcri.cni.PodNetworkResult;
import io.jcri.cni.PortMapping;
import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.images.Image;
import io.jcri.images.ImageStore;
import io.jcri.runtime.config.JcriConfig;
import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.monitor.ContainerMonitor;
import io.jcri.runtime.monitor.CreatedContainer;
import io.jcri.runtime.monitor.OciRuntime;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.oci.ContainerSpecs;
import io.jcri.runtime.oci.OciOptions;
import io.jcri.runtime.oci.OciSpec;
import io.jcri.runtime.oci.Sysctls;
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
import io.jcri.sys.Namespaces;
import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Pod sandbox lifecycle: the pod's namespaces (pinned by bind mounts), its network (CNI), its
 * files (resolv.conf, hostname, /dev/shm) and, only when a container needs a shared PID
 * namespace, an infra process run by the OCI runtime.
 */
public final class SandboxService {
  private static final Logger LOG = Logger.getLogger(SandboxService.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration INFRA_TIMEOUT = Duration.ofSeconds(60);
  /**
   * StopPodSandbox carries no timeout: kubelet has stopped the containers with their own grace
   * periods already, so what is still running is killed at once (as containerd does).
   */
  private static final Duration STOP_GRACE = Duration.ZERO;

  private final JcriConfig config;
  private final Sandboxes sandboxes;
  private final PodContainers containers;
  private final RuntimeHandlers handlers;
  private final CniManager cni;
  private final ContainerMonitor monitor;
  private final ImageStore images;
  private final OciOptions ociOptions;
  private final Path stateDir;
  private final Path recordDir;
  private final LifecycleEvents events;

  public SandboxService(JcriConfig config, Sandboxes sandboxes, PodContainers containers, RuntimeHandlers handlers,
      CniManager cni, ContainerMonitor monitor, ImageStore images, OciOptions ociOptions, LifecycleEvents events) {
    this.events = events;
    this.config = config;
    this.sandboxes = sandboxes;
    this.containers = containers;
    this.handlers = handlers;
    this.cni = cni;
    this.monitor = monitor;
    this.images = images;
    this.ociOptions = ociOptions;
    this.stateDir = config.state().resolve("sandboxes");
    this.recordDir = config.root().resolve("sandboxes");
  }

  // ---- RunPodSandbox ----

  /** pod has passed the request checks of RuntimeServer; what is left to refuse depends on the node's state. */
  public String run(PodSandboxConfig pod, String runtimeHandler) {
    var md = pod.getMetadata();
    if (!handlers.exists(runtimeHandler)) {
      throw CriException.invalid("unknown runtime handler \"" + runtimeHandler + "\"; configured handlers: "
          + handlers.all().keySet());
    }
    String handler = handlers.canonical(runtimeHandler);
    String id = Ids.random();
    String unique = SandboxRecord.uniqueName(md.getName(), md.getNamespace(), md.getUid(), md.getAttempt());
    var holder = sandboxes.reserveName(unique, id);
    if (holder.isPresent()) {
      throw new CriException(Status.Code.ALREADY_EXISTS, "pod sandbox name \"" + unique + "\" is reserved by "
          + holder.get() + "; remove that sandbox first or use another attempt number");
    }
    long t0 = System.nanoTime();
    try (Rollback rollback = new Rollback("sandbox " + id)) {
      rollback.onFailure(() -> sandboxes.releaseName(unique, id));
      Sandbox sandbox = prepare(id, handler, pod, rollback);
      sandbox = startInfraIfNeeded(sandbox, pod, handler, rollback);
      sandboxes.save(sandbox, sandbox.record().withReady(true));
      rollback.commit();
      publish(id, LifecycleEvents.Kind.CREATED);
      publish(id, LifecycleEvents.Kind.STARTED);
      LOG.info("event=sandbox_ready sandbox=" + id + " pod=" + md.getNamespace() + "/" + md.getName() + " ip="
          + sandbox.record().ip() + " infra=" + !sandbox.record().infraContainerId().isEmpty() + " handler=" + handler
          + " ms=" + (System.nanoTime() - t0) / 1_000_000);
      return id;
    }
  }

  private Sandbox prepare(String id, String handler, PodSandboxConfig pod, Rollback rollback) {
    NamespaceOption ns = pod.getLinux().getSecurityContext().getNamespaceOptions();
    boolean hostNetwork = ns.getNetwork() == NamespaceMode.NODE;
    boolean hostIpc = ns.getIpc() == NamespaceMode.NODE;
    boolean hostPid = ns.getPid() == NamespaceMode.NODE;
    Path run = stateDir.resolve(id);
    // kubelet always names the pod's host; without a name the pod gets the node's, as in containerd
    String hostname = hostNetwork || pod.getHostname().isEmpty() ? hostHostname() : pod.getHostname();
    Path netns = hostNetwork ? null : run.resolve("ns/net");
    Path ipcNs = hostIpc ? null : run.resolve("ns/ipc");
    Path utsNs = hostNetwork ? null : run.resolve("ns/uts");
    Path shm = hostIpc ? null : run.resolve("shm");

    step("create the sandbox directory", () -> Files.createDirectories(run));
    rollback.onFailure(() -> deleteTree(run));
    String podHostname = hostname;
    perform("write resolv.conf and hostname", () -> {
      writeResolvConf(pod, run.resolve("resolv.conf"));
      Files.writeString(run.resolve("hostname"), podHostname + "\n");
    });
    Map<Integer, Path> pins = new LinkedHashMap<>();
    if (netns != null) {
      pins.put(LibC.CLONE_NEWNET, netns);
    }
    if (ipcNs != null) {
      pins.put(LibC.CLONE_NEWIPC, ipcNs);
    }
    if (utsNs != null) {
      pins.put(LibC.CLONE_NEWUTS, utsNs);
    }
    if (!pins.isEmpty()) {
      String uts = hostname;
      perform("create the pod namespaces", () -> Namespaces.createPinned(pins, () -> {
        if (pins.containsKey(LibC.CLONE_NEWUTS)) {
          Syscalls.sethostname(uts);
        }
      }));
      rollback.onFailure(() -> {
        for (Path pin : pins.values()) {
          Namespaces.unpin(pin);
        }
      });
    }
    if (shm != null) {
      perform("mount the pod's /dev/shm", () -> {
        Files.createDirectories(shm);
        Syscalls.mount("shm", shm, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV | LibC.MS_NOEXEC,
            "mode=1777,size=" + config.sandbox().shmSizeBytes());
      });
      rollback.onFailure(() -> Syscalls.unmountIfMounted(shm));
    }
    if (netns != null) {
      perform("apply network sysctls", () -> applyNetSysctls(pod, netns));
    }

    SandboxRecord record = new SandboxRecord(id, pod.getMetadata().getName(), pod.getMetadata().getNamespace(),
        pod.getMetadata().getUid(), pod.getMetadata().getAttempt(), handler, nowNanos(), false, hostNetwork, hostIpc,
        hostPid, str(netns), str(ipcNs), str(utsNs), "", List.of(), "", false, "", 0, str(shm),
        run.resolve("resolv.conf").toString(), run.resolve("hostname").toString(), hostname,
        pod.getLinux().getCgroupParent(), Base64.getEncoder().encodeToString(pod.toByteArray()));
    Sandbox sandbox = new Sandbox(record);
    sandboxes.add(sandbox);
    sandboxes.save(sandbox, record);
    rollback.onFailure(() -> sandboxes.forget(sandbox));

    if (netns != null) {
      PodNetwork network = podNetwork(sandbox);
      // recorded before ADD: if jcrid dies inside ADD, Stop still runs DEL for whatever it made
      sandboxes.save(sandbox, record.withNetwork("", List.of(), "", true));
      PodNetworkResult result;
      try {
        result = cni.setUp(network);
      } catch (IOException e) {
        throw new CriException(Status.Code.UNKNOWN, "RunPodSandbox: CNI ADD for " + pod.getMetadata().getNamespace()
            + "/" + pod.getMetadata().getName() + " failed: " + e.getMessage(), e);
      }
      rollback.onFailure(() -> cni.tearDown(network));
      sandboxes.save(sandbox, sandbox.record().withNetwork(result.primaryIp(), result.additionalIps(),
          result.resultJson(), true));
    }
    return sandbox;
  }

  private Sandbox startInfraIfNeeded(Sandbox sandbox, PodSandboxConfig pod, String handler, Rollback rollback) {
    boolean sharedPid = pod.getLinux().getSecurityContext().getNamespaceOptions().getPid() == NamespaceMode.POD;
    if (config.sandbox().dropInfra() && !sharedPid) {
      return sandbox;
    }
    String id = sandbox.id();
    OciRuntime runtime = handlers.ociRuntime(handler);
    Image pause = pauseImage();
    Path bundle = stateDir.resolve(id).resolve("infra");
    Path layer = recordDir.resolve(id).resolve("infra");
    Path rootfs = bundle.resolve("rootfs");
    perform("mount the infra rootfs", () -> Rootfs.mount(images.lowerDirs(pause.id()), layer, rootfs));
    rollback.onFailure(() -> {
      Rootfs.unmount(rootfs);
      deleteTree(layer);
    });
    List<String> args = new ArrayList<>(pause.config().entrypoint());
    args.addAll(pause.config().cmd());
    OciSpec spec;
    try {
      spec = ContainerSpecs.infra(pod, sandbox.context(), rootfs, args, ociOptions);
    } catch (io.jcri.runtime.oci.OciSpecException e) {
      throw new CriException(e.grpcCode(), "RunPodSandbox: infra container spec: " + e.getMessage());
    }
    perform("write the infra OCI spec", () -> AtomicFiles.write(bundle.resolve("config.json"), spec.toJson()));
    CreatedContainer infra = step("create the infra container", () -> monitor.create(runtime, id, bundle,
        bundle.resolve("infra.log"), false, false, false, INFRA_TIMEOUT));
    rollback.onFailure(() -> monitor.delete(runtime, id, true));
    step("start the infra container", () -> {
      monitor.start(runtime, id);
      return null;
    });
    sandboxes.save(sandbox, sandbox.record().withInfra(id, infra.pid()));
    return sandbox;
  }

  /** The configured infra image, pulled on first use when it comes from a registry. */
  private Image pauseImage() {
    String name = config.sandbox().pauseImage();
    var present = images.find(name);
    if (present.isPresent()) {
      return present.get();
    }
    if (name.equals(io.jcri.runtime.config.ConfigDefaults.PAUSE_IMAGE)) {
      // someone removed the built-in image: make it again, it needs no registry
      try {
        return images.ensurePauseImage(name, config.sandbox().pauseBinary());
      } catch (IOException e) {
        throw new CriException(Status.Code.INTERNAL, "rebuilding the pause image " + name + ": " + e.getMessage(), e);
      }
    }
    try {
      LOG.info("event=pause_image_pull image=" + name);
      return images.pull(name, io.jcri.images.Credentials.NONE);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new CriException(Status.Code.UNAVAILABLE, "RunPodSandbox: pause image " + name
          + " is not present and could not be pulled: " + e.getMessage(), e);
    }
  }

  // ---- StopPodSandbox / RemovePodSandbox ----

  public void stop(String idOrPrefix) {
    var found = sandboxes.findIfStillThere(idOrPrefix, "pod_sandbox_id");
    if (found.isEmpty()) {
      return;
    }
    Sandbox sandbox = found.get();
    sandbox.lock().lock();
    try {
      stopLocked(sandbox);
    } finally {
      sandbox.lock().unlock();
    }
  }

  private void stopLocked(Sandbox sandbox) {
    SandboxRecord r = sandbox.record();
    containers.stopAll(r.id(), STOP_GRACE);
    if (!r.infraContainerId().isEmpty()) {
      OciRuntime runtime = handlers.ociRuntime(r.runtimeHandler());
      step("stop the infra container", () -> {
        monitor.kill(runtime, r.infraContainerId(), 9, true);
        monitor.delete(runtime, r.infraContainerId(), true);
        return null;
      });
      Path bundle = stateDir.resolve(r.id()).resolve("infra");
      perform("unmount the infra rootfs", () -> Rootfs.unmount(bundle.resolve("rootfs")));
    }
    if (r.networkAttached()) {
      perform("tear down the pod network (CNI DEL)", () -> cni.tearDown(podNetwork(sandbox)));
      sandboxes.save(sandbox, sandbox.record().withNetwork(r.ip(), r.additionalIps(), r.cniResult(), false));
    }
    if (!r.shmPath().isEmpty()) {
      perform("unmount the pod's /dev/shm", () -> Syscalls.unmountIfMounted(Path.of(r.shmPath())));
    }
    if (sandbox.ready()) {
      sandboxes.save(sandbox, sandbox.record().withReady(false));
      publish(r.id(), LifecycleEvents.Kind.STOPPED);
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
    try {
      stopLocked(sandbox);
      containers.removeAll(sandbox.id());
      SandboxRecord r = sandbox.record();
      for (String pin : List.of(r.netnsPath(), r.ipcNsPath(), r.utsNsPath())) {
        if (!pin.isEmpty()) {
          perform("remove the namespace pin " + pin, () -> Namespaces.unpin(Path.of(pin)));
        }
      }
      perform("delete the sandbox directories", () -> {
        deleteTree(stateDir.resolve(r.id()));
        deleteTree(recordDir.resolve(r.id()));
      });
      sandboxes.forget(sandbox);
      publish(r.id(), LifecycleEvents.Kind.DELETED);
      LOG.info("event=sandbox_removed sandbox=" + r.id());
    } finally {
      sandbox.lock().unlock();
    }
  }

  // ---- recovery ----

  /** After a restart: the records are loaded; infra processes that died while we were down make the pod NOTREADY. */
  public void recover() throws IOException {
    for (Sandbox sandbox : sandboxes.load()) {
      SandboxRecord r = sandbox.record();
      if (r.ready() && !r.infraContainerId().isEmpty()) {
        boolean alive;
        try {
          alive = monitor.state(handlers.ociRuntime(r.runtimeHandler()), r.infraContainerId())
              .map(s -> s.status() == io.jcri.runtime.monitor.RuncState.Status.RUNNING).orElse(false);
        } catch (IOException | IllegalArgumentException e) {
          alive = false;
        }
        if (!alive) {
          sandboxes.save(sandbox, r.withReady(false));
          LOG.info("event=sandbox_infra_gone sandbox=" + r.id());
        }
      }
      LOG.info("event=sandbox_recovered sandbox=" + r.id() + " ready=" + sandbox.ready());
    }
  }

  // ---- helpers ----

  private void publish(String sandboxId, LifecycleEvents.Kind kind) {
    events.publish(new LifecycleEvents.Event(sandboxId, sandboxId, kind, nowNanos()));
  }

  private PodNetwork podNetwork(Sandbox sandbox) {
    SandboxRecord r = sandbox.record();
    PodSandboxConfig pod = sandbox.config();
    List<PortMapping> ports = pod.getPortMappingsList().stream().filter(p -> p.getHostPort() > 0)
        .map(p -> new PortMapping(p.getProtocol().name(), p.getContainerPort(), p.getHostPort(), p.getHostIp()))
        .toList();
    return new PodNetwork(r.id(), Path.of(r.netnsPath()), r.name(), r.namespace(), r.uid(), ports,
        pod.getAnnotationsMap().get("kubernetes.io/ingress-bandwidth"),
        pod.getAnnotationsMap().get("kubernetes.io/egress-bandwidth"),
        pod.getDnsConfig().getServersList(), pod.getDnsConfig().getSearchesList(), pod.getDnsConfig().getOptionsList());
  }

  private static void writeResolvConf(PodSandboxConfig pod, Path target) throws IOException {
    var dns = pod.getDnsConfig();
    if (dns.getServersCount() == 0 && dns.getSearchesCount() == 0 && dns.getOptionsCount() == 0) {
      Path host = Path.of("/etc/resolv.conf");
      Files.write(target, Files.exists(host) ? Files.readAllBytes(host) : new byte[0]);
      return;
    }
    StringBuilder sb = new StringBuilder();
    if (dns.getSearchesCount() > 0) {
      sb.append("search ").append(String.join(" ", dns.getSearchesList())).append('\n');
    }
    dns.getServersList().forEach(s -> sb.append("nameserver ").append(s).append('\n'));
    if (dns.getOptionsCount() > 0) {
      sb.append("options ").append(String.join(" ", dns.getOptionsList())).append('\n');
    }
    Files.writeString(target, sb.toString());
  }

  private static String hostHostname() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    } catch (IOException e) {
      return "localhost";
    }
  }

  private static void applyNetSysctls(PodSandboxConfig pod, Path netns) throws IOException {
    Map<String, String> net = new LinkedHashMap<>();
    pod.getLinux().getSysctlsMap().forEach((k, v) -> {
      if (Sysctls.procSysPath(k).startsWith("net/")) {
        net.put(k, v);
      }
    });
    if (net.isEmpty()) {
      return;
    }
    Namespaces.runIn(netns, LibC.CLONE_NEWNET, () -> {
      for (var e : net.entrySet()) {
        Path file = Path.of("/proc/sys").resolve(Sysctls.procSysPath(e.getKey()));
        if (!Files.exists(file)) {
          throw CriException.invalid("sysctl " + e.getKey() + " does not exist in the pod's network namespace");
        }
        Files.writeString(file, e.getValue());
      }
      return null;
    });
  }


  private static String str(Path p) {
    return p == null ? "" : p.toString();
  }






  public java.util.Optional<Sandbox> find(String idOrPrefix) {
    return sandboxes.find(idOrPrefix);
  }

  public Sandbox require(String idOrPrefix) {
    return sandboxes.require(idOrPrefix);
  }

  public java.util.Collection<Sandbox> all() {
    return sandboxes.all();
  }

  /** Verbose info of PodSandboxStatus: pid, netns, CNI result and the config, as JSON. */
  public String verboseInfo(Sandbox sandbox) {
    SandboxRecord r = sandbox.record();
    ObjectNode info = JSON.createObjectNode();
    info.put("pid", r.infraPid());
    info.put("netnsPath", r.netnsPath());
    info.put("runtimeHandler", r.runtimeHandler());
    try {
      info.set("cniResult", r.cniResult().isEmpty() ? null : JSON.readTree(r.cniResult()));
      info.set("config", JSON.readTree(com.google.protobuf.util.JsonFormat.printer().print(sandbox.config())));
    } catch (IOException e) {
      info.put("error", e.getMessage());
    }
    return info.toString();
  }

}
