package io.jcri.runtime.store;

import java.nio.file.Path;

/**
 * Every path jcrid uses under {@code --root} (persistent) and {@code --state} (run-time, gone at
 * reboot): the one place that names them. Images keep their own tree under {@code <root>/images}.
 */
public record Layout(Path root, Path state) {
  /** {@code <root>/containers/records}: one JSON record per container. */
  public Path containerRecords() {
    return root.resolve("containers/records");
  }

  /** {@code <root>/containers/layers}: the writable layers of all containers. */
  public Path containerLayers() {
    return root.resolve("containers/layers");
  }

  /**
   * {@code <root>/containers/layers/<id>}: the container's overlay upper and work dirs, its
   * volumes.
   */
  public Path containerLayer(String id) {
    return containerLayers().resolve(id);
  }

  /** The container's overlay upper dir: what it wrote. */
  public Path writableLayer(String id) {
    return containerLayer(id).resolve("upper");
  }

  /**
   * {@code <state>/containers/<id>}: the bundle (config.json, rootfs mount, image-volumes mounts).
   */
  public Path containerBundle(String id) {
    return state.resolve("containers").resolve(id);
  }

  /** {@code <root>/sandboxes/records}: one JSON record per pod sandbox. */
  public Path sandboxRecords() {
    return root.resolve("sandboxes/records");
  }

  /** {@code <state>/sandboxes/<id>}: namespace pins, shm, resolv.conf, hostname, infra bundle. */
  public Path sandboxRun(String id) {
    return state.resolve("sandboxes").resolve(id);
  }

  /**
   * {@code <root>/sandboxes/<id>}: the pod's persistent files (the infra container's writable
   * layer).
   */
  public Path sandboxData(String id) {
    return root.resolve("sandboxes").resolve(id);
  }

  /** The bundle of the pod's infra container. */
  public Path infraBundle(String sandboxId) {
    return sandboxRun(sandboxId).resolve("infra");
  }

  /** The writable layer of the pod's infra container. */
  public Path infraLayer(String sandboxId) {
    return sandboxData(sandboxId).resolve("infra");
  }

  /** {@code <state>/exits}: conmon's exit files. */
  public Path exits() {
    return state.resolve("exits");
  }

  /** {@code <state>/conmon}: conmon's per-container files. */
  public Path conmon() {
    return state.resolve("conmon");
  }

  /** {@code <state>/attach}: short links to bundles for conmon's attach sockets. */
  public Path attach() {
    return state.resolve("attach");
  }

  /** {@code <state>/runtimes}: each runtime handler's state root. */
  public Path runtimes() {
    return state.resolve("runtimes");
  }

  /** {@code <root>/boot_id}: the boot jcrid last recovered in (survives a reboot). */
  public Path bootIdOnDisk() {
    return root.resolve("boot_id");
  }

  /** {@code <state>/boot_id}: the boot the state dir belongs to (gone with the tmpfs). */
  public Path bootIdOfState() {
    return state.resolve("boot_id");
  }

  /** {@code <root>/cni/cache}: CNI results, so DEL works after restarts. */
  public Path cniCache() {
    return root.resolve("cni/cache");
  }
}
