package io.jcri.runtime.container;

import static io.jcri.runtime.store.Steps.perform;
import static io.jcri.runtime.store.Steps.step;
import static io.jcri.sys.Trees.delete;

import io.jcri.cri.v1.ContainerConfig;
import io.jcri.images.Image;
import io.jcri.images.ImageLease;
import io.jcri.runtime.events.LifecycleEvents;
import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.monitor.CreatedContainer;
import io.jcri.runtime.monitor.OciRuntime;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.oci.ContainerSpecs;
import io.jcri.runtime.oci.ImageDefaults;
import io.jcri.runtime.oci.OciOptions;
import io.jcri.runtime.oci.OciSpec;
import io.jcri.runtime.oci.OciSpecException;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.sandbox.Sandboxes;
import io.jcri.runtime.storage.LayerMounts;
import io.jcri.runtime.store.Ids;
import io.jcri.runtime.store.Layout;
import io.jcri.runtime.store.Rollback;
import io.jcri.runtime.store.Steps;
import io.jcri.sys.AtomicFiles;
import io.jcri.sys.Failure;
import io.jcri.sys.LibC;
import io.jcri.sys.NamedStep;
import io.jcri.sys.Syscalls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * CreateContainer: image leases → overlay rootfs and image volumes → OCI spec → conmon + runtime
 * create → record; every step is undone when a later one fails.
 */
public final class ContainerCreator {
  private static final Logger LOG = Logger.getLogger(ContainerCreator.class.getName());
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(60);

  private final Containers containers;
  private final Sandboxes sandboxes;
  private final RuntimeHandlers handlers;
  private final ContainerRuntime runtime;
  private final Function<String, Optional<ImageLease>> images;
  private final LayerMounts mounts;
  private final OciOptions ociOptions;
  private final Layout layout;
  private final LifecycleEvents events;

  public ContainerCreator(
      Containers containers,
      Sandboxes sandboxes,
      RuntimeHandlers handlers,
      ContainerRuntime runtime,
      Function<String, Optional<ImageLease>> images,
      LayerMounts mounts,
      OciOptions ociOptions,
      Layout layout,
      LifecycleEvents events) {
    this.containers = containers;
    this.sandboxes = sandboxes;
    this.handlers = handlers;
    this.runtime = runtime;
    this.images = images;
    this.mounts = mounts;
    this.ociOptions = ociOptions;
    this.layout = layout;
    this.events = events;
  }

  /**
   * config has passed the request checks of RuntimeServer; what is left to refuse depends on the
   * node's state.
   */
  public String create(String sandboxId, ContainerConfig config) {
    Sandbox sandbox = sandboxes.require(sandboxId);
    if (!sandbox.ready()) {
      throw Failure.precondition(
          "pod sandbox " + sandbox.id() + " is not ready; create the container in a running pod");
    }
    String imageRef = config.getImage().getImage();
    // held until the container is registered (then usesImage holds it): RemoveImage cannot take its
    // snapshots
    Map<Integer, ImageLease> volumes = new TreeMap<>();
    try (ImageLease lease =
        images
            .apply(imageRef)
            .orElseThrow(
                () ->
                    Failure.notFound(
                        "image \""
                            + imageRef
                            + "\" is not present on this node; pull it first (PullImage)"))) {
      for (int i = 0; i < config.getMountsCount(); i++) {
        String volumeRef = config.getMounts(i).getImage().getImage();
        if (!volumeRef.isEmpty()) {
          String field = "mounts[" + i + "].image";
          volumes.put(
              i,
              images
                  .apply(volumeRef)
                  .orElseThrow(
                      () ->
                          Failure.notFound(
                              field
                                  + ": image \""
                                  + volumeRef
                                  + "\" is not present on this node; pull it first (PullImage)")));
        }
      }
      return create(sandbox, config, imageRef, lease, volumes);
    } finally {
      volumes.values().forEach(ImageLease::close);
    }
  }

  private String create(
      Sandbox sandbox,
      ContainerConfig config,
      String imageRef,
      ImageLease lease,
      Map<Integer, ImageLease> volumes) {
    Image image = lease.image();
    var pod = sandbox.record();
    String unique = NewContainerRecords.uniqueName(pod, config);
    var userns = sandbox.userNamespace();
    ContainerCreateChecks.require(handlers, sandbox, config);
    String id = Ids.random();
    containers.reserveName(unique, id);
    long t0 = System.nanoTime();
    OciRuntime oci = handlers.ociRuntime(pod.metadata().runtimeHandler());
    Path bundle = layout.containerBundle(id);
    Path rootfs = bundle.resolve("rootfs");
    Path layer = layout.containerLayer(id);
    try (var steps =
            NamedStep.breakdown("CreateContainer")
                .subject("container", id)
                .subject("sandbox", sandbox.id());
        Rollback rollback = new Rollback("container " + id)) {
      rollback.onFailure(() -> containers.releaseName(unique, id));
      rollback.onFailure(
          () -> {
            delete(bundle);
            delete(layer);
          });
      rollback.onFailure(() -> mounts.unmount(rootfs));
      Map<Integer, Path> imageVolumes = new TreeMap<>();
      rollback.onFailure(() -> mounts.unmountAll(bundle.resolve("image-volumes")));
      // the rootfs and the image volumes: one step, the mounts a crash may leave are swept alike
      NamedStep.CREATE_CONTAINER_ROOTFS_MOUNT.run(
          () -> {
            perform(
                "mount the container rootfs",
                () -> {
                  if (userns.isPresent()) {
                    mounts.mountIdMapped(
                        lease.lowerDirs(), layer, rootfs, userns.get(), bundle.resolve("layers"));
                  } else {
                    mounts.mount(lease.lowerDirs(), layer, rootfs);
                  }
                });
            for (var v : volumes.entrySet()) {
              Path at = bundle.resolve("image-volumes").resolve(String.valueOf(v.getKey()));
              perform(
                  "mount the image of mounts[" + v.getKey() + "]",
                  () -> mounts.mountReadOnly(v.getValue().lowerDirs(), at));
              imageVolumes.put(v.getKey(), at);
            }
          });
      var ic = image.config();
      ImageDefaults defaults =
          new ImageDefaults(
              ic.user(),
              ic.env(),
              ic.entrypoint(),
              ic.cmd(),
              ic.workingDir(),
              ic.volumes(),
              ic.stopSignal());
      OciSpec built;
      try {
        built =
            ContainerSpecs.build(
                config,
                sandbox.config(),
                sandbox.context(),
                defaults,
                id,
                rootfs,
                layer.resolve("volumes"),
                imageVolumes,
                ociOptions);
      } catch (OciSpecException e) {
        throw Steps.specFailure("CreateContainer " + config.getMetadata().getName(), e);
      }
      Path binds = bundle.resolve("idmapped");
      rollback.onFailure(() -> mounts.unmountAll(binds));
      OciSpec spec =
          userns.isEmpty()
              ? built
              : step(
                  "ID-map the container's bind mounts",
                  () -> mounts.idMapBinds(userns.get().addTo(built), userns.get(), binds));
      // rshared/rslave container mounts only propagate when the host mount holding the source is
      // shared
      // with the spec: making a host mount shared is idempotent and needs no undo
      NamedStep.CREATE_CONTAINER_SPEC_WRITE.run(
          () -> {
            for (Path hostMount : spec.hostPropagation().keySet()) {
              perform(
                  "make host mount " + hostMount + " shared",
                  () -> Syscalls.setPropagation(hostMount, LibC.MS_SHARED));
            }
            perform(
                "write the OCI spec",
                () -> AtomicFiles.write(bundle.resolve("config.json"), spec.toJson()));
          });
      Path logPath = NewContainerRecords.logPath(sandbox, config, bundle);
      CreatedContainer created =
          NamedStep.CREATE_CONTAINER_RUNC_CREATE.call(
              () ->
                  step(
                      "create the container (conmon + " + oci.handler() + ")",
                      () ->
                          runtime.create(
                              oci,
                              id,
                              bundle,
                              logPath,
                              config.getStdin(),
                              config.getStdinOnce(),
                              config.getTty(),
                              CREATE_TIMEOUT)));
      rollback.onFailure(() -> runtime.delete(oci, id, true));
      ContainerRecord record =
          NewContainerRecords.record(
              id, sandbox, config, imageRef, image, oci, created, logPath, spec, volumes);
      Container container = new Container(record);
      containers.add(container);
      rollback.onFailure(() -> containers.discard(container));
      NamedStep.CREATE_CONTAINER_RECORD.run(() -> containers.save(container, record));
      rollback.commit();
      events.publish(id, sandbox.id(), LifecycleEvents.Kind.CREATED);
      LOG.info(
          "event=container_created container="
              + id
              + " sandbox="
              + sandbox.id()
              + " name="
              + config.getMetadata().getName()
              + " image="
              + imageRef
              + " ms="
              + (System.nanoTime() - t0) / 1_000_000);
      return id;
    }
  }
}
