package io.jcri.runtime;

import io.grpc.BindableService;
import io.jcri.cni.CniManager;
import io.jcri.images.ImageStore;
import io.jcri.runtime.config.ConfigDefaults;
import io.jcri.runtime.config.ConfigException;
import io.jcri.runtime.config.ConfigLoader;
import io.jcri.runtime.config.JcriConfig;
import io.jcri.runtime.container.CgroupKill;
import io.jcri.runtime.container.ContainerCreator;
import io.jcri.runtime.container.ContainerExits;
import io.jcri.runtime.container.ContainerLifecycle;
import io.jcri.runtime.container.ContainerOperations;
import io.jcri.runtime.container.ContainerStreaming;
import io.jcri.runtime.container.ContainerTeardown;
import io.jcri.runtime.container.Containers;
import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.logging.LogSetup;
import io.jcri.runtime.metrics.DaemonMetrics;
import io.jcri.runtime.metrics.MetricsEndpoint;
import io.jcri.runtime.metrics.ObjectStates;
import io.jcri.runtime.metrics.PullProgressLog;
import io.jcri.runtime.monitor.ConmonRuntime;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.oci.OciOptions;
import io.jcri.runtime.recovery.OrphanSweep;
import io.jcri.runtime.reload.ConfigReload;
import io.jcri.runtime.reload.DaemonSettings;
import io.jcri.runtime.reload.Setting;
import io.jcri.runtime.sandbox.InfraContainer;
import io.jcri.runtime.sandbox.KernelPod;
import io.jcri.runtime.sandbox.NodeRecovery;
import io.jcri.runtime.sandbox.PauseImage;
import io.jcri.runtime.sandbox.PodFiles;
import io.jcri.runtime.sandbox.PodNetworking;
import io.jcri.runtime.sandbox.PodNetworks;
import io.jcri.runtime.sandbox.SandboxOrchestrator;
import io.jcri.runtime.sandbox.Sandboxes;
import io.jcri.runtime.server.GrpcEndpoint;
import io.jcri.runtime.server.ImageServer;
import io.jcri.runtime.server.PodStats;
import io.jcri.runtime.server.RpcMetrics;
import io.jcri.runtime.server.RuntimeServer;
import io.jcri.runtime.server.StartupGate;
import io.jcri.runtime.stats.CgroupMounts;
import io.jcri.runtime.stats.StatsCollector;
import io.jcri.runtime.storage.LayerMounts;
import io.jcri.runtime.store.Layout;
import io.jcri.runtime.streaming.StreamingOptions;
import io.jcri.runtime.streaming.StreamingServer;
import io.jcri.sys.ChildReaper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * jcrid's entry point: the subcommands, then config (flags by {@link CommandLine}) → the gRPC
 * socket bound at once behind a {@link StartupGate} (Version answers, every other RPC waits) → the
 * services wired with plain constructors, in one start-up sequence ({@link #start}) → the gate
 * opened → serve until signalled.
 */
public final class Jcrid {
  private static final Logger LOG = Logger.getLogger(Jcrid.class.getName());

  private Jcrid() {}

  public static void main(String[] args) {
    try {
      System.exit(run(args));
    } catch (CommandLine.UsageException e) {
      System.err.println("jcrid: " + e.getMessage() + "\n\n" + CommandLine.USAGE);
      System.exit(2);
    } catch (ConfigException e) {
      System.err.println("jcrid: config: " + e.getMessage());
      System.exit(2);
    } catch (Exception e) {
      System.err.println("jcrid: " + e.getMessage());
      System.exit(1);
    }
  }

  private static int run(String[] args) throws Exception {
    List<String> rest = List.of(args);
    if (rest.equals(List.of("version"))) {
      System.out.println("jcrid " + JcriVersion.VERSION + " (CRI v1)");
      return 0;
    }
    if (rest.equals(List.of("config", "default"))) {
      System.out.print(ConfigDefaults.toml());
      return 0;
    }
    if (rest.contains("--help") || rest.contains("-h") || rest.equals(List.of("help"))) {
      System.out.print(CommandLine.USAGE);
      return 0;
    }
    CommandLine.Serve serve = CommandLine.parse(args);
    JcriConfig config = ConfigLoader.load(serve.configFile(), serve.explicit(), serve.flags());
    LogSetup.configure(config.logLevel(), config.logFormat());
    serve(config, serve.configFile(), serve.explicit(), serve.flags());
    return 0;
  }

  private static void serve(
      JcriConfig config, Path configFile, boolean explicit, ConfigLoader.Flags flags)
      throws Exception {
    // the JVM's own start: the process may be older when a script exec'd java
    long started = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    StartupPhases phases = new StartupPhases();
    Files.createDirectories(config.root());
    Files.createDirectories(config.state());
    DaemonMetrics metrics = new DaemonMetrics();
    // Version answers from here on; every other RPC waits for gate.open
    StartupGate gate = new StartupGate();
    GrpcEndpoint endpoint =
        GrpcEndpoint.start(
            config.socketPath(), gate.services(), List.of(new RpcMetrics(metrics)), gate::isOpen);
    phases.done("grpc");
    Started node;
    try {
      node = start(config, metrics, phases);
    } catch (Exception | Error e) {
      gate.fail(e); // the waiting RPCs answer UNAVAILABLE, so the endpoint stops at once
      endpoint.shutdown(Duration.ofSeconds(1));
      throw e;
    }
    gate.open(node.services());
    CountDownLatch stopped =
        ShutdownHook.install(config.shutdownGrace(), endpoint, node.streaming());
    new ConfigReload(configFile, explicit, flags, config, node.settings()).onSighup();
    SystemdNotify.ready();
    LOG.info(
        "event=ready version="
            + JcriVersion.VERSION
            + " listen="
            + config.listen()
            + " root="
            + config.root()
            + " state="
            + config.state()
            + " startup_ms="
            + (System.currentTimeMillis() - started));
    stopped.await();
  }

  /** What serving needs of the started node: the CRI services, streaming, the live settings. */
  private record Started(
      List<BindableService> services, StreamingServer streaming, List<Setting> settings) {}

  /** Opens the stores, wires the services, recovers from a crash and starts streaming. */
  private static Started start(JcriConfig config, DaemonMetrics metrics, StartupPhases phases)
      throws Exception {
    ChildReaper.start(200);
    phases.done("reaper");
    Layout layout = new Layout(config.root(), config.state());
    RuntimeHandlers handlers =
        new RuntimeHandlers(
            config.runtimes(),
            config.monitor().conmon(),
            layout.runtimes(),
            config.root().resolve("userns-probe"));
    NodeOpening opened = NodeOpening.open(config, layout);
    CniManager network = opened.network();
    ImageStore images = opened.images();
    OciOptions oci = opened.oci();
    phases.done("cni_images_pause");
    ConmonRuntime runtime =
        new ConmonRuntime(
            config.monitor().conmon(), layout.exits(), layout.conmon(), layout.attach());
    images.setPullListener(metrics);
    network.setPluginListener(metrics);
    runtime.setListener(metrics);
    LifecycleEvents events = new LifecycleEvents();
    Sandboxes sandboxes = new Sandboxes(layout.sandboxRecords());
    Containers containers = new Containers(layout.containerRecords());
    ContainerTeardown teardown =
        new ContainerTeardown(
            handlers,
            runtime,
            LayerMounts.KERNEL,
            layout,
            Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("teardown-", 0).factory()));
    ContainerExits exits = new ContainerExits(containers, events, teardown);
    exits.setListener(metrics);
    ContainerLifecycle lifecycle =
        new ContainerLifecycle(
            containers,
            exits,
            handlers,
            runtime,
            teardown,
            new CgroupKill(CgroupMounts.ofThisNode()),
            events);
    RuntimeServer.Lifecycle services =
        new RuntimeServer.Lifecycle(
            new SandboxOrchestrator(
                sandboxes,
                lifecycle,
                handlers,
                new PodFiles(new KernelPod(), layout, config.sandbox().shmSizeBytes()),
                new PodNetworks(sandboxes, PodNetworking.cni(network)),
                new InfraContainer(
                    handlers,
                    runtime,
                    PauseImage.from(
                        images, config.sandbox().pauseImage(), config.sandbox().pauseBinary()),
                    LayerMounts.KERNEL,
                    oci,
                    layout,
                    config.sandbox().dropInfra()),
                events),
            sandboxes,
            new ContainerCreator(
                containers,
                sandboxes,
                handlers,
                runtime,
                images::lease,
                LayerMounts.KERNEL,
                oci,
                layout,
                events),
            lifecycle,
            new ContainerOperations(containers, handlers, runtime, layout),
            containers);
    phases.done("wiring");
    new NodeRecovery(
            layout,
            sandboxes,
            containers,
            exits,
            handlers,
            runtime,
            PodNetworking.cni(network),
            events)
        .recover();
    new OrphanSweep(layout, sandboxes, containers, services.pods(), handlers, runtime).sweep();
    phases.done("recovery");
    images.setInUse(containers::usesImage);
    metrics.countObjects(
        () -> ObjectStates.pods(sandboxes), () -> ObjectStates.containers(containers));
    metrics.countPullProgress(images::pullsInFlight);
    PullProgressLog.start(images::pullsInFlight, Duration.ofSeconds(5));
    MetricsEndpoint metricsEndpoint = new MetricsEndpoint(metrics.registry());
    metricsEndpoint.apply(config.metrics());
    StreamingServer streaming =
        StreamingServer.start(
            new StreamingOptions(
                config.streaming().address(),
                config.streaming().port(),
                config.streaming().tokenTtl(),
                config.streaming().tlsCert(),
                config.streaming().tlsKey()),
            new ContainerStreaming(containers, sandboxes, runtime, handlers, layout));

    phases.done("streaming");
    return new Started(
        List.of(
            new RuntimeServer(
                config,
                handlers,
                network,
                services,
                layout,
                streaming,
                events,
                new PodStats(new StatsCollector(), containers, layout, images.root())),
            new ImageServer(images, layout)),
        streaming,
        DaemonSettings.of(images, handlers, network, metricsEndpoint));
  }
}
