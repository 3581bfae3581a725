package io.jcri.runtime.sandbox;

import static io.jcri.runtime.store.Steps.perform;
import static io.jcri.runtime.store.Steps.step;
import static io.jcri.sys.Trees.delete;

import io.jcri.cri.v1.NamespaceMode;
import io.jcri.cri.v1.PodSandboxConfig;
import io.jcri.images.Image;
import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.monitor.CreatedContainer;
import io.jcri.runtime.monitor.OciRuntime;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.oci.ContainerSpecs;
import io.jcri.runtime.oci.OciOptions;
import io.jcri.runtime.oci.OciSpec;
import io.jcri.runtime.oci.OciSpecException;
import io.jcri.runtime.storage.LayerMounts;
import io.jcri.runtime.store.Layout;
import io.jcri.runtime.store.Rollback;
import io.jcri.runtime.store.Steps;
import io.jcri.sys.AtomicFiles;
import io.jcri.sys.NamedStep;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A pod's infra process (the pause image under the OCI runtime, ID = the sandbox's), made only when
 * a container needs the pod's shared PID namespace or infra is not dropped; in a pod of its own
 * user namespace it joins that namespace, over an ID-mapped rootfs and ID-mapped binds.
 */
public final class InfraContainer {
  private static final Duration INFRA_TIMEOUT = Duration.ofSeconds(60);

  private final RuntimeHandlers handlers;
  private final ContainerRuntime runtime;
  private final PauseImage pause;
  private final LayerMounts mounts;
  private final OciOptions ociOptions;
  private final Layout layout;
  private final boolean dropInfra;

  public InfraContainer(
      RuntimeHandlers handlers,
      ContainerRuntime runtime,
      PauseImage pause,
      LayerMounts mounts,
      OciOptions ociOptions,
      Layout layout,
      boolean dropInfra) {
    this.handlers = handlers;
    this.runtime = runtime;
    this.pause = pause;
    this.mounts = mounts;
    this.ociOptions = ociOptions;
    this.layout = layout;
    this.dropInfra = dropInfra;
  }

  /** Whether the pod gets an infra process: it shares a PID namespace, or infra is not dropped. */
  public boolean needed(PodSandboxConfig pod) {
    return !dropInfra
        || pod.getLinux().getSecurityContext().getNamespaceOptions().getPid() == NamespaceMode.POD;
  }

  /**
   * Starts the infra process of a pod that {@link #needed} one and returns its pid, which the
   * caller records (RunPodSandbox/record-infra): this runs beside CNI ADD, which writes the record
   * meanwhile. Its undo steps go to rollback, which takes them from both.
   */
  public int start(Sandbox sandbox, Rollback rollback) {
    PodSandboxConfig pod = sandbox.config();
    String id = sandbox.id();
    OciRuntime oci = handlers.ociRuntime(sandbox.record().metadata().runtimeHandler());
    Image image = pause.resolve();
    Path bundle = layout.infraBundle(id);
    Path layer = layout.infraLayer(id);
    Path rootfs = bundle.resolve("rootfs");
    var userns = sandbox.userNamespace();
    rollback.onFailure(
        () -> {
          mounts.unmount(rootfs);
          delete(layer);
        });
    NamedStep.RUN_POD_SANDBOX_INFRA_ROOTFS.run(
        () ->
            perform(
                "mount the infra rootfs",
                () -> {
                  if (userns.isPresent()) {
                    mounts.mountIdMapped(
                        pause.lowerDirs(image.id()),
                        layer,
                        rootfs,
                        userns.get(),
                        bundle.resolve("layers"));
                  } else {
                    mounts.mount(pause.lowerDirs(image.id()), layer, rootfs);
                  }
                }));
    List<String> args = new ArrayList<>(image.config().entrypoint());
    args.addAll(image.config().cmd());
    OciSpec built;
    try {
      built = ContainerSpecs.infra(pod, sandbox.context(), rootfs, args, ociOptions);
    } catch (OciSpecException e) {
      throw Steps.specFailure("RunPodSandbox: infra container spec", e);
    }
    Path binds = bundle.resolve("idmapped");
    rollback.onFailure(() -> mounts.unmountAll(binds));
    OciSpec spec =
        userns.isEmpty()
            ? built
            : step(
                "ID-map the infra's bind mounts",
                () -> mounts.idMapBinds(userns.get().addTo(built), userns.get(), binds));
    NamedStep.RUN_POD_SANDBOX_INFRA_SPEC.run(
        () ->
            perform(
                "write the infra OCI spec",
                () -> AtomicFiles.write(bundle.resolve("config.json"), spec.toJson())));
    CreatedContainer infra =
        NamedStep.RUN_POD_SANDBOX_INFRA_CREATE.call(
            () ->
                step(
                    "create the infra container",
                    () ->
                        runtime.create(
                            oci,
                            id,
                            bundle,
                            bundle.resolve("infra.log"),
                            false,
                            false,
                            false,
                            INFRA_TIMEOUT)));
    rollback.onFailure(() -> runtime.delete(oci, id, true));
    NamedStep.RUN_POD_SANDBOX_INFRA_START.run(
        () -> perform("start the infra container", () -> runtime.start(oci, id)));
    return infra.pid();
  }

  /**
   * Kills and deletes the infra process, if the pod has one, and unmounts its rootfs; true when
   * there was one, which the caller then takes out of the record (a second stop, or the stop inside
   * RemovePodSandbox, runs no runtime call).
   */
  public boolean stop(SandboxRecord r) {
    if (r.status().infraContainerId().isEmpty()) {
      return false;
    }
    OciRuntime oci = handlers.ociRuntime(r.metadata().runtimeHandler());
    NamedStep.STOP_POD_SANDBOX_INFRA_KILL.run(
        () ->
            perform(
                "stop the infra container",
                () -> {
                  runtime.kill(oci, r.status().infraContainerId(), 9, true);
                  runtime.delete(oci, r.status().infraContainerId(), true);
                }));
    NamedStep.STOP_POD_SANDBOX_INFRA_UNMOUNT.run(
        () -> {
          perform(
              "unmount the infra rootfs",
              () -> mounts.unmount(layout.infraBundle(r.id()).resolve("rootfs")));
          perform(
              "unmount the infra's ID-mapped binds",
              () -> mounts.unmountAll(layout.infraBundle(r.id()).resolve("idmapped")));
        });
    return true;
  }
}
