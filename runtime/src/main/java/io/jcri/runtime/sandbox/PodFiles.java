package io.jcri.runtime.sandbox;

import static io.jcri.runtime.store.Steps.perform;
import static io.jcri.runtime.store.Steps.step;
import static io.jcri.sys.Trees.delete;

import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.NamespaceOption;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.runtime.oci.PodUserNamespace;
import io.jcri.runtime.oci.Sysctls;
import io.jcri.runtime.store.Layout;
import io.jcri.runtime.store.Rollback;
import io.jcri.sys.LibC;
import io.jcri.sys.NamedStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pod's own namespaces (network, IPC, UTS pinned on files, owned by the pod's own user namespace
 * when it asks for one), its /dev/shm, resolv.conf and hostname file, under {@code
 * <state>/sandboxes/<id>}; and their removal.
 */
public final class PodFiles {
  /** What was made for a pod; a null path is a namespace or shm the pod shares with the host. */
  public record Made(
      boolean hostNetwork,
      boolean hostIpc,
      boolean hostPid,
      Path netns,
      Path ipcNs,
      Path utsNs,
      Path shm,
      Path resolvConf,
      Path hostnameFile,
      String hostname,
      Path userns) {}

  private final PodKernel kernel;
  private final Layout layout;
  private final long shmSizeBytes;

  public PodFiles(PodKernel kernel, Layout layout, long shmSizeBytes) {
    this.kernel = kernel;
    this.layout = layout;
    this.shmSizeBytes = shmSizeBytes;
  }

  /**
   * Makes the pod's directory, files, namespaces and shm; each is undone by rollback on a later
   * failure.
   */
  public Made create(String id, PodSandboxConfig pod, Rollback rollback) {
    NamespaceOption ns = pod.getLinux().getSecurityContext().getNamespaceOptions();
    boolean hostNetwork = ns.getNetwork() == NamespaceMode.NODE;
    boolean hostIpc = ns.getIpc() == NamespaceMode.NODE;
    boolean hostPid = ns.getPid() == NamespaceMode.NODE;
    Path run = layout.sandboxRun(id);
    // kubelet always names the pod's host; without a name the pod gets the node's, as in containerd
    String hostname =
        hostNetwork || pod.getHostname().isEmpty() ? hostHostname() : pod.getHostname();
    Path netns = hostNetwork ? null : run.resolve("ns/net");
    Path ipcNs = hostIpc ? null : run.resolve("ns/ipc");
    Path utsNs = hostNetwork ? null : run.resolve("ns/uts");
    Path shm = hostIpc ? null : run.resolve("shm");
    Optional<PodUserNamespace> userns = PodUserNamespace.of(pod, run.resolve("ns/user"));

    rollback.onFailure(() -> delete(run));
    NamedStep.RUN_POD_SANDBOX_DIR.run(
        () -> {
          step("create the sandbox directory", () -> Files.createDirectories(run));
          perform(
              "write resolv.conf and hostname",
              () -> {
                writeResolvConf(pod, run.resolve("resolv.conf"));
                Files.writeString(run.resolve("hostname"), hostname + "\n");
              });
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
    rollback.onFailure(
        () -> {
          for (Path pin : pins.values()) {
            kernel.unpin(pin);
          }
          if (userns.isPresent()) {
            kernel.unpin(userns.get().pin());
          }
        });
    if (userns.isPresent()) {
      NamedStep.RUN_POD_SANDBOX_NETNS_PIN.run(
          () ->
              perform(
                  "create the pod namespaces",
                  () -> kernel.pinNamespacesIn(userns.get(), pins, hostname)));
    } else if (!pins.isEmpty()) {
      NamedStep.RUN_POD_SANDBOX_NETNS_PIN.run(
          () -> perform("create the pod namespaces", () -> kernel.pinNamespaces(pins, hostname)));
    }
    if (shm != null) {
      rollback.onFailure(() -> kernel.unmountShm(shm));
      NamedStep.RUN_POD_SANDBOX_SHM_MOUNT.run(
          () -> perform("mount the pod's /dev/shm", () -> kernel.mountShm(shm, shmSizeBytes)));
    }
    if (netns != null) {
      NamedStep.RUN_POD_SANDBOX_NET_SYSCTLS.run(
          () -> perform("apply network sysctls", () -> applyNetSysctls(pod, netns)));
    }
    return new Made(
        hostNetwork,
        hostIpc,
        hostPid,
        netns,
        ipcNs,
        utsNs,
        shm,
        run.resolve("resolv.conf"),
        run.resolve("hostname"),
        hostname,
        userns.map(PodUserNamespace::pin).orElse(null));
  }

  /** StopPodSandbox: the pod's /dev/shm goes; the namespaces stay until the pod is removed. */
  public void unmountShm(SandboxRecord r) {
    if (!r.metadata().shmPath().isEmpty()) {
      NamedStep.STOP_POD_SANDBOX_SHM_UNMOUNT.run(
          () ->
              perform(
                  "unmount the pod's /dev/shm",
                  () -> kernel.unmountShm(Path.of(r.metadata().shmPath()))));
    }
  }

  /** RemovePodSandbox: unpins the namespaces and deletes the pod's directories. */
  public void remove(SandboxRecord r) {
    var m = r.metadata();
    for (String pin : List.of(m.netnsPath(), m.ipcNsPath(), m.utsNsPath(), m.usernsPath())) {
      if (!pin.isEmpty()) {
        NamedStep.REMOVE_POD_SANDBOX_UNPIN.run(
            () -> perform("remove the namespace pin " + pin, () -> kernel.unpin(Path.of(pin))));
      }
    }
    NamedStep.REMOVE_POD_SANDBOX_DIRS_DELETE.run(
        () ->
            perform(
                "delete the sandbox directories",
                () -> {
                  delete(layout.sandboxRun(r.id()));
                  delete(layout.sandboxData(r.id()));
                }));
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

  private void applyNetSysctls(PodSandboxConfig pod, Path netns) throws IOException {
    Map<String, String> net = new LinkedHashMap<>();
    pod.getLinux()
        .getSysctlsMap()
        .forEach(
            (k, v) -> {
              if (Sysctls.procSysPath(k).startsWith("net/")) {
                net.put(k, v);
              }
            });
    if (net.isEmpty()) {
      return;
    }
    kernel.applyNetSysctls(net, netns);
  }
}
