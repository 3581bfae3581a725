package io.jcri.runtime;

import io.grpc.BindableService;
import io.jcri.cni.CniManager;
import io.jcri.cni.CniOptions;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Logger;

/**
 * jcrid's entry point: the subcommands, then config (flags by {@link CommandLine}) → the services
 * wired with plain constructors, in one start-up sequence ({@link #serve}) → serve until signalled.
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
    ChildReaper.start(200);
    Files.createDirectories(config.root());
    Files.createDirectories(config.state());
    phases.done("reaper");

    Layout layout = new Layout(config.root(), config.state());
    RuntimeHandlers handlers =
        new RuntimeHandlers(
            config.runtimes(),
            config.monitor().conmon(),
            layout.runtimes(),
            config.root().resolve("userns-probe"));
    // the network config, the image store and the node's security facts are independent: open them
    // at once
    ExecutorService opening = Executors.newVirtualThreadPerTaskExecutor();
    Future<CniManager> cni =
        opening.submit(
            () ->
                CniManager.open(
                    new CniOptions(
                        config.cni().confDir(),
                        config.cni().binDirs(),
                        layout.cniCache(),
                        config.cni().pluginTimeout(),
                        true)));
    Future<ImageStore> store =
        opening.submit(
            () -> {
              ImageStore opened =
                  ImageStore.open(config.root(), DaemonSettings.imageOptions(config));
              if (config.sandbox().pauseImage().equals(ConfigDefaults.PAUSE_IMAGE)) {
                opened.ensurePauseImage(
                    config.sandbox().pauseImage(), config.sandbox().pauseBinary());
              }
              return opened;
            });
    OciOptions oci =
        OciOptions.defaults().withNodeConfig(config.cgroupDriver(), config.cdi().specDirs());
    CniManager network = opened(cni);
    ImageStore images = opened(store);
    images.setPinned(DaemonSettings.pinned(config));
    opening.shutdown();
    phases.done("cni_images_pause");
    ConmonRuntime runtime =
        new ConmonRuntime(
            config.monitor().conmon(), layout.exits(), layout.conmon(), layout.attach());
    DaemonMetrics metrics = new DaemonMetrics();
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
                    sandboxes,
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
    List<BindableService> grpcServices =
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
            new ImageServer(images, layout));

    GrpcEndpoint endpoint =
        GrpcEndpoint.start(config.socketPath(), grpcServices, List.of(new RpcMetrics(metrics)));
    phases.done("grpc");
    CountDownLatch stopped = ShutdownHook.install(config.shutdownGrace(), endpoint, streaming);
    new ConfigReload(
            configFile,
            explicit,
            flags,
            config,
            DaemonSettings.of(images, handlers, network, metricsEndpoint))
        .onSighup();
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

  /** The result of an opening task, its own exception rethrown as it was. */
  private static <T> T opened(Future<T> task) throws Exception {
    try {
      return task.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
