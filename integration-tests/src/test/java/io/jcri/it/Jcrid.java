package io.jcri.it;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.StatusRequest;
import io.jcri.cri.v1.VersionRequest;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real jcrid, started from the packaged distribution as a child process with its own temporary
 * socket, root, state and CNI config dir, and gRPC stubs to talk to it.
 */
public final class Jcrid implements AutoCloseable {
  private static final Path DIST =
      Path.of(System.getProperty("jcri.dist", "../packaging/target/jcri-0.1.0"));
  private static final Path WORK = Path.of("/var/tmp/jcri-it");
  // grpc-netty asks for SO_KEEPALIVE on Unix sockets too, and Netty warns on every connection
  private static final java.util.logging.Logger NETTY_BOOTSTRAP =
      java.util.logging.Logger.getLogger("io.netty.bootstrap");

  static {
    NETTY_BOOTSTRAP.setLevel(java.util.logging.Level.SEVERE);
  }

  // the pid of the test JVM that made a home
  private static final String OWNER = "owner.pid";
  private static boolean swept;

  private final Path launcher;
  private final Path home;
  private final String extraToml;
  private final List<String> extraArgs;
  private final java.util.Map<String, String> environment = new java.util.HashMap<>();
  private Process process;
  private EventLoopGroup loop;
  private ManagedChannel channel;
  private long versionAnswered;

  private Jcrid(Path launcher, Path home, String extraToml, List<String> extraArgs) {
    this.launcher = launcher;
    this.home = home;
    this.extraToml = extraToml;
    this.extraArgs = extraArgs;
  }

  public static Jcrid start() throws IOException, InterruptedException {
    return start("");
  }

  /** Starts a daemon whose config file holds extraToml (may be empty). */
  public static Jcrid start(String extraToml, String... extraArgs)
      throws IOException, InterruptedException {
    return startWith(launcher(), extraToml, extraArgs);
  }

  /**
   * Starts a daemon from another launcher (an installed jcrid) on this fixture's private socket and
   * dirs.
   */
  public static Jcrid startWith(Path launcher, String extraToml, String... extraArgs)
      throws IOException, InterruptedException {
    Files.createDirectories(WORK);
    sweepAbandonedHomes();
    // searchable by others (0711), as /run/jcri is: a pod of its own user namespace reaches its
    // bundle as another user
    Jcrid d =
        new Jcrid(
            launcher,
            Files.createTempDirectory(
                WORK,
                "d",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"))),
            extraToml,
            List.of(extraArgs));
    Files.createDirectories(d.cniConfDir());
    Files.writeString(d.home.resolve(OWNER), Long.toString(ProcessHandle.current().pid()));
    Files.writeString(d.home.resolve("jcri.toml"), extraToml);
    d.launch();
    return d;
  }

  /**
   * Removes the homes of daemons whose test run died without closing them (a killed build): their
   * pods' namespace pins keep veths on the shared test bridge, with addresses of the same subnet a
   * new daemon hands out again. A home is abandoned when the test JVM that made it is gone: the
   * daemon, conmons and containers it left are killed. A home of no known owner is left while a
   * process names it.
   */
  private static synchronized void sweepAbandonedHomes() throws IOException, InterruptedException {
    if (swept) {
      return;
    }
    swept = true;
    List<Path> homes;
    try (Stream<Path> dirs = Files.list(WORK)) {
      homes = dirs.filter(Files::isDirectory).toList();
    }
    for (Path h : homes) {
      Path owner = h.resolve(OWNER);
      boolean known = Files.exists(owner);
      if (known
          && ProcessHandle.of(Long.parseLong(Files.readString(owner).strip()))
              .map(ProcessHandle::isAlive)
              .orElse(false)) {
        continue;
      }
      List<ProcessHandle> naming =
          ProcessHandle.allProcesses()
              .filter(p -> p.info().commandLine().map(c -> c.contains(h.toString())).orElse(false))
              .toList();
      if (!naming.isEmpty() && !known) {
        continue;
      }
      for (ProcessHandle p : naming) {
        // conmon's children are the containers, which name no path of the home
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        tree.add(p);
        tree.forEach(ProcessHandle::destroyForcibly);
        tree.forEach(t -> t.onExit().join());
      }
      unmountUnder(h);
      deleteTree(h);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  public static Path launcher() {
    return DIST.resolve("bin/jcrid");
  }

  /** A bridge network for this daemon only, on its own bridge and subnet. */
  public void writeBridgeNetwork() throws IOException {
    writeBridgeNetwork("jcriit0", "10.99.0.0/16");
  }

  /** A bridge network on the named bridge and subnet, for runs beside the integration tests. */
  public void writeBridgeNetwork(String bridge, String subnet) throws IOException {
    Files.writeString(
        cniConfDir().resolve("10-it.conflist"),
        """
        {"cniVersion":"1.0.0","name":"jcri-it","plugins":[
          {"type":"bridge","bridge":"%s","isGateway":true,"ipMasq":true,"hairpinMode":true,
           "ipam":{"type":"host-local","ranges":[[{"subnet":"%s"}]],"routes":[{"dst":"0.0.0.0/0"}],
                   "dataDir":"%s"}},
          {"type":"portmap","capabilities":{"portMappings":true}}]}
        """
            .formatted(bridge, subnet, home.resolve("ipam")));
  }

  public Path home() {
    return home;
  }

  public Path socket() {
    return home.resolve("jcri.sock");
  }

  public String endpoint() {
    return "unix://" + socket();
  }

  public Path root() {
    return home.resolve("root");
  }

  public Path state() {
    return home.resolve("state");
  }

  public Path cniConfDir() {
    return home.resolve("net.d");
  }

  public Path logFile() {
    return home.resolve("jcrid.log");
  }

  public String log() throws IOException {
    return Files.exists(logFile()) ? Files.readString(logFile()) : "";
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  public ImageServiceGrpc.ImageServiceBlockingStub images() {
    return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.SECONDS);
  }

  public List<String> command() {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                launcher.toString(),
                "--config",
                home.resolve("jcri.toml").toString(),
                "--listen",
                endpoint(),
                "--root",
                root().toString(),
                "--state",
                state().toString(),
                "--cni-conf-dir",
                cniConfDir().toString(),
                "--log-level",
                "debug"));
    cmd.addAll(extraArgs);
    return cmd;
  }

  private void launch() throws IOException, InterruptedException {
    ProcessBuilder pb =
        new ProcessBuilder(command())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()));
    pb.environment().putAll(environment);
    process = pb.start();
    loop = new EpollEventLoopGroup(1);
    channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket().toString()))
            .channelType(EpollDomainSocketChannel.class)
            .eventLoopGroup(loop)
            .usePlaintext()
            .maxInboundMessageSize(32 << 20)
            .build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException("jcrid exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        RuntimeServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .version(VersionRequest.getDefaultInstance());
        versionAnswered = System.nanoTime();
        break;
      } catch (io.grpc.StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("jcrid did not answer Version within 60 s:\n" + log(), e);
        }
        // a failed connect (no socket yet) would otherwise wait out gRPC's reconnect backoff (1 s)
        channel.resetConnectBackoff();
        Thread.sleep(20);
      }
    }
    // Version answers while jcrid still opens its stores and recovers; Status waits for that
    RuntimeServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .status(StatusRequest.getDefaultInstance());
  }

  /** When (System.nanoTime) the last start's first Version RPC was answered. */
  public long versionAnswered() {
    return versionAnswered;
  }

  private void disconnect() {
    if (channel != null) {
      channel.shutdownNow();
      loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      channel = null;
    }
  }

  /**
   * Sets (value non-null) or clears an environment variable of the daemon from its next start on
   * (e.g. the crash-point hook JCRI_TEST_CRASHAT).
   */
  public void environment(String name, String value) {
    if (value == null) {
      environment.remove(name);
    } else {
      environment.put(name, value);
    }
  }

  /** Waits for the daemon to exit by itself (a crash point); returns its exit code. */
  public int awaitExit(long seconds) throws InterruptedException {
    disconnect();
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new IllegalStateException("jcrid still runs after " + seconds + " s");
    }
    return process.exitValue();
  }

  /** SIGTERM and wait for a clean exit; returns the exit code. */
  public int stop() throws InterruptedException {
    disconnect();
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new IllegalStateException("jcrid did not exit within 30 s of SIGTERM");
    }
    return process.exitValue();
  }

  /** SIGKILL: the crash case. Containers and conmon keep running. */
  public void kill9() throws InterruptedException {
    disconnect();
    process.destroyForcibly().waitFor();
  }

  /** Starts the daemon again on the same root, state and socket. */
  public void restart() throws IOException, InterruptedException {
    if (process.isAlive()) {
      stop();
    }
    launch();
  }

  @Override
  public void close() throws Exception {
    if (process != null && process.isAlive()) {
      stop();
    }
    unmountUnder(home);
    deleteTree(home);
  }

  /**
   * Unmounts whatever a test run left mounted under dir (netns pins, shm, rootfs), deepest first.
   */
  public static void unmountUnder(Path dir) throws IOException, InterruptedException {
    List<String> mounts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String mountPoint = line.split(" ")[4];
      if (mountPoint.startsWith(dir.toString())) {
        mounts.add(mountPoint);
      }
    }
    mounts.sort(Comparator.comparing(String::length).reversed());
    for (String m : mounts) {
      new ProcessBuilder("umount", "-l", m).inheritIO().start().waitFor();
    }
  }
}
