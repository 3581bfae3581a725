package io.jcri.it.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The two daemons of the comparison, each with a private root, state, socket, config and CNI config
 * dir under its own work directory, and the same CNI chain (bridge + host-local + portmap; both
 * daemons bring up the pod's loopback with the loopback plugin).
 */
final class Runtimes {
  static final String BRIDGE = "jcribench0";
  static final String SUBNET = "10.97.0.0/16";
  static final Path CNI_BIN = Path.of("/usr/lib/cni");

  private Runtimes() {}

  /** The packaged jcrid (dist: packaging/target/jcri-VERSION) at log level info. */
  static Daemon jcrid(Path dist, Path home) throws IOException {
    Files.createDirectories(home);
    writeNetwork(home);
    Path config = home.resolve("jcri.toml");
    Files.writeString(config, "log_level = \"info\"\n");
    Path socket = home.resolve("jcri.sock");
    return new Daemon(
        "jcri",
        List.of(
            dist.resolve("bin/jcrid").toString(),
            "--config",
            config.toString(),
            "--listen",
            "unix://" + socket,
            "--root",
            home.resolve("root").toString(),
            "--state",
            home.resolve("state").toString(),
            "--cni-conf-dir",
            home.resolve("net.d").toString()),
        socket,
        home.resolve("daemon.log"));
  }

  /** Debian's containerd with its CRI plugin, the sandbox image pulled from the local registry. */
  static Daemon containerd(Path home, String registryHost, String sandboxImage) throws IOException {
    Files.createDirectories(home);
    writeNetwork(home);
    Path socket = home.resolve("containerd.sock");
    Path config = home.resolve("containerd.toml");
    String cri = "plugins.\"io.containerd.grpc.v1.cri\"";
    Files.writeString(
        config,
        """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        oom_score = 0
        [grpc]
          address = "%2$s"
        [ttrpc]
          address = "%2$s.ttrpc"
        [debug]
          level = "warn"
        [plugins."io.containerd.internal.v1.opt"]
          path = "%1$s/opt"
        [%3$s]
          sandbox_image = "%4$s"
          stream_server_address = "127.0.0.1"
          stream_server_port = "0"
          enable_selinux = false
          # without CAP_SYS_RESOURCE (this VM), runc cannot set the sandbox's -998: keep the daemon's own
          restrict_oom_score_adj = true
          [%3$s.cni]
            bin_dir = "%5$s"
            conf_dir = "%1$s/net.d"
            max_conf_num = 1
          [%3$s.containerd]
            snapshotter = "overlayfs"
            default_runtime_name = "runc"
            [%3$s.containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"
              [%3$s.containerd.runtimes.runc.options]
                SystemdCgroup = false
          [%3$s.registry.mirrors."%6$s"]
            endpoint = ["http://%6$s"]
        """
            .formatted(home, socket, cri, sandboxImage, CNI_BIN, registryHost));
    return new Daemon(
        "containerd",
        List.of(containerdBinary(), "--config", config.toString()),
        socket,
        home.resolve("daemon.log"));
  }

  private static String containerdBinary() {
    for (String dir : System.getenv("PATH").split(":")) {
      if (Files.isExecutable(Path.of(dir, "containerd"))) {
        return Path.of(dir, "containerd").toString();
      }
    }
    throw new IllegalStateException(
        "containerd not on PATH (hack/bench.sh compare installs Debian's package)");
  }

  private static void writeNetwork(Path home) throws IOException {
    Path dir = Files.createDirectories(home.resolve("net.d"));
    Files.writeString(
        dir.resolve("10-bench.conflist"),
        """
        {"cniVersion":"1.0.0","name":"jcri-bench","plugins":[
          {"type":"bridge","bridge":"%s","isGateway":true,"ipMasq":true,"hairpinMode":true,
           "ipam":{"type":"host-local","ranges":[[{"subnet":"%s"}]],"routes":[{"dst":"0.0.0.0/0"}],
                   "dataDir":"%s"}},
          {"type":"portmap","capabilities":{"portMappings":true}}]}
        """
            .formatted(BRIDGE, SUBNET, home.resolve("ipam")));
  }
}
