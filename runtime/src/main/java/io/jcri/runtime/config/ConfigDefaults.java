package io.jcri.runtime.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The embedded defaults, and the commented TOML that `jcrid config default` prints. */
public final class ConfigDefaults {
  public static final String PAUSE_IMAGE = "jcri.local/pause:catatonit";

  static final JcriConfig DEFAULTS =
      new JcriConfig(
          "unix:///run/jcri/jcri.sock",
          Path.of("/var/lib/jcri"),
          Path.of("/run/jcri"),
          "info",
          "text",
          "cgroupfs",
          Duration.ofSeconds(10),
          new JcriConfig.Cni(
              Path.of("/etc/cni/net.d"),
              List.of(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin")),
              Duration.ofSeconds(30)),
          new JcriConfig.Runtimes("runc", defaultHandlers()),
          new JcriConfig.Sandbox(PAUSE_IMAGE, Path.of("/usr/bin/catatonit"), true, 64L << 20),
          new JcriConfig.Images(null, "linux/amd64", Duration.ofMinutes(1), 3, List.of()),
          Map.of(),
          new JcriConfig.Streaming("127.0.0.1", 0, Duration.ofMinutes(1), null, null),
          new JcriConfig.Monitor(Path.of("/usr/bin/conmon")),
          new JcriConfig.Cdi(List.of(Path.of("/etc/cdi"), Path.of("/var/run/cdi"))),
          new JcriConfig.Metrics(false, "127.0.0.1", 9095));

  private ConfigDefaults() {}

  /** runc always; crun too when it is installed, so a RuntimeClass can select it. */
  private static Map<String, JcriConfig.Handler> defaultHandlers() {
    Map<String, JcriConfig.Handler> handlers = new LinkedHashMap<>();
    handlers.put("runc", new JcriConfig.Handler(Path.of("runc")));
    if (Files.isExecutable(Path.of("/usr/bin/crun"))) {
      handlers.put("crun", new JcriConfig.Handler(Path.of("crun")));
    }
    return Map.copyOf(handlers);
  }

  public static String toml() {
    return """
        # jcrid configuration (/etc/jcri/jcri.toml). Every key is optional; the values shown are
        # the defaults. Command-line flags win over this file.
        #
        # SIGHUP (systemctl reload jcrid) re-reads this file and applies live: log_level,
        # log_format, [registries], images auth_file/platform/stall_timeout/pinned, [runtimes],
        # [cni] and [metrics]. Every other key needs a restart (a reload logs the ones that differ). A file
        # that does not load changes nothing and jcrid keeps running.

        # gRPC endpoint for kubelet and crictl (--listen). The socket is created mode 0660.
        listen = "unix:///run/jcri/jcri.sock"
        # Persistent state: images, snapshots, pod and container records (--root).
        root = "/var/lib/jcri"
        # Run-time state: exit files, attach sockets, netns pins (--state).
        state = "/run/jcri"
        # error, warn, info or debug (--log-level).
        log_level = "info"
        # text (time level component key=value…) or json (one object per event, the same fields).
        log_format = "text"
        # cgroupfs, or systemd when systemd manages the node's cgroups.
        cgroup_driver = "cgroupfs"
        # On SIGTERM, how long in-flight RPCs may run before jcrid exits.
        shutdown_grace = "10s"

        [cni]
        # Network configurations (--cni-conf-dir); the first valid one is the pod network.
        # When it holds none, jcrid writes a bridge network on 10.88.0.0/16 there.
        conf_dir = "/etc/cni/net.d"
        # Plugin binaries, searched in order (--cni-bin-dir adds one in front).
        bin_dirs = ["/usr/lib/cni", "/opt/cni/bin"]
        # Longest a single plugin invocation may take.
        plugin_timeout = "30s"

        [runtimes]
        # The OCI runtime used when a pod names no RuntimeClass handler.
        default_runtime = "runc"

        # One table per RuntimeClass handler; crun is added by default when installed.
        [runtimes.handlers.runc]
        path = "runc"

        [sandbox]
        # Infra image. The default is built locally from the static catatonit binary below,
        # needs no pull and is pinned; any registry reference is pulled when missing.
        pause_image = "jcri.local/pause:catatonit"
        pause_binary = "/usr/bin/catatonit"
        # Pods whose containers do not share a PID namespace run with no infra process:
        # their namespaces are held by bind mounts.
        drop_infra = true
        # Size of each pod's /dev/shm, in bytes.
        shm_size = 67108864

        [images]
        # A docker-style auth.json with credentials per registry ("" = none).
        auth_file = ""
        # os/architecture[/variant] picked from multi-platform images.
        platform = "linux/amd64"
        # A pull that receives no byte for this long is cancelled.
        stall_timeout = "1m"
        # Layers downloaded and unpacked at once.
        max_parallel_layers = 3
        # Images RemoveImage refuses and ListImages/ImageStatus report pinned, by tag or digest
        # reference, e.g. ["registry.k8s.io/pause:3.10"]. The pause image is always pinned.
        pinned = []

        # Mirrors per registry host, tried in order before the host itself; images keep their
        # original names. Example:
        # [registries."gcr.io"]
        # mirrors = ["http://localhost:5000"]
        # insecure = false   # true: plain HTTP or unverified TLS for gcr.io itself

        [streaming]
        # Exec/attach/port-forward server. Port 0 picks a free port.
        address = "127.0.0.1"
        port = 0
        # How long a URL returned by Exec, Attach or PortForward stays valid.
        token_ttl = "1m"
        # TLS certificate and key (PEM); both empty = plain HTTP.
        tls_cert = ""
        tls_key = ""

        [monitor]
        # The per-container monitor.
        conmon = "/usr/bin/conmon"

        [cdi]
        # CDI spec files (*.json, *.yaml, *.yml) defining the devices of ContainerConfig.CDI_devices.
        # A later directory wins over an earlier one for the same device name; two files of one
        # directory defining the same device make it unusable; invalid files are skipped and logged.
        spec_dirs = ["/etc/cdi", "/var/run/cdi"]

        [metrics]
        # Prometheus metrics (text format) at http://address:port/metrics, off unless enabled.
        # The default address is loopback only; port 0 picks a free port.
        enabled = false
        address = "127.0.0.1"
        port = 9095
        """;
  }
}
