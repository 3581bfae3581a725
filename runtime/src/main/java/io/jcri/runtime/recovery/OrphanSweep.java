package io.jcri.runtime.recovery;

import io.jcri.runtime.container.Containers;
import io.jcri.runtime.monitor.ContainerRuntime;
import io.jcri.runtime.monitor.OciRuntime;
import io.jcri.runtime.node.RuntimeHandlers;
import io.jcri.runtime.sandbox.Sandbox;
import io.jcri.runtime.sandbox.SandboxOrchestrator;
import io.jcri.runtime.sandbox.Sandboxes;
import io.jcri.runtime.store.Layout;
import io.jcri.sys.MountInfo;
import io.jcri.sys.Syscalls;
import io.jcri.sys.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Start-up, once the records are loaded: what a crash (kill -9 at any step) left half-made goes.
 * Pods still CREATING are rolled back as RemovePodSandbox does (their infra, CNI DEL of the
 * recorded intent, shm, pins, directories, record); runtime containers, bundles, writable layers
 * and pod directories that no record names are deleted with the mounts below them. What has a
 * record is recovery's business (SandboxRecovery, ContainerRecovery); interrupted pulls are the
 * image store's (ImageStore.open).
 */
public final class OrphanSweep {
  private static final Logger LOG = Logger.getLogger(OrphanSweep.class.getName());

  private final Layout layout;
  private final Sandboxes sandboxes;
  private final Containers containers;
  private final SandboxOrchestrator pods;
  private final RuntimeHandlers handlers;
  private final ContainerRuntime runtime;

  public OrphanSweep(
      Layout layout,
      Sandboxes sandboxes,
      Containers containers,
      SandboxOrchestrator pods,
      RuntimeHandlers handlers,
      ContainerRuntime runtime) {
    this.layout = layout;
    this.sandboxes = sandboxes;
    this.containers = containers;
    this.pods = pods;
    this.handlers = handlers;
    this.runtime = runtime;
  }

  public void sweep() {
    for (Sandbox s : List.copyOf(sandboxes.all())) {
      if (s.record().creating()) {
        rollBack(s);
      }
    }
    Set<String> podIds = new HashSet<>();
    sandboxes.all().forEach(s -> podIds.add(s.id()));
    Set<String> containerIds = new HashSet<>();
    containers.all().forEach(c -> containerIds.add(c.id()));
    Set<String> known = new HashSet<>(podIds); // an infra container has its pod's ID
    known.addAll(containerIds);
    for (String handler : handlers.all().keySet()) {
      deleteUnknownRuntimeContainers(handler, known);
    }
    deleteUnknown(layout.state().resolve("containers"), containerIds);
    deleteUnknown(layout.containerLayers(), containerIds);
    deleteUnknown(layout.state().resolve("sandboxes"), podIds);
    Set<String> podData = new HashSet<>(podIds);
    podData.add(layout.sandboxRecords().getFileName().toString());
    deleteUnknown(layout.root().resolve("sandboxes"), podData);
  }

  /**
   * A pod RunPodSandbox did not finish: its infra, if runc made it before the record named it, goes
   * first, then everything the record names.
   */
  private void rollBack(Sandbox s) {
    String id = s.id();
    try {
      deleteRuntimeContainer(handlers.ociRuntime(s.record().metadata().runtimeHandler()), id);
      unmountUnder(layout.infraBundle(id));
      pods.remove(id);
      LOG.info("event=sandbox_rolled_back sandbox=" + id + " reason=creating_at_crash");
    } catch (RuntimeException | IOException e) {
      LOG.warning(
          "event=sandbox_roll_back_failed sandbox=" + id + " error=\"" + e.getMessage() + "\"");
    }
  }

  private void deleteUnknownRuntimeContainers(String handler, Set<String> known) {
    OciRuntime oci;
    try {
      oci = handlers.ociRuntime(handler);
    } catch (IllegalArgumentException e) {
      return; // a handler whose binary is missing has no containers to sweep
    }
    for (String id : children(oci.root())) {
      if (!known.contains(id)) {
        deleteRuntimeContainer(oci, id);
        LOG.info("event=orphan_removed kind=runtime_container id=" + id + " handler=" + handler);
      }
    }
  }

  private void deleteRuntimeContainer(OciRuntime oci, String id) {
    if (!Files.isDirectory(oci.root().resolve(id))) {
      return;
    }
    try {
      runtime.delete(oci, id, true);
    } catch (IOException e) {
      LOG.warning(
          "event=orphan_remove_failed kind=runtime_container id="
              + id
              + " error=\""
              + e.getMessage()
              + "\"");
    }
  }

  /** Each directory below parent that keep does not name goes, unmounted first. */
  private void deleteUnknown(Path parent, Set<String> keep) {
    for (String name : children(parent)) {
      if (keep.contains(name)) {
        continue;
      }
      Path dir = parent.resolve(name);
      try {
        unmountUnder(dir);
        Trees.delete(dir);
        LOG.info("event=orphan_removed kind=directory path=" + dir);
      } catch (IOException e) {
        LOG.warning(
            "event=orphan_remove_failed kind=directory path="
                + dir
                + " error=\""
                + e.getMessage()
                + "\"");
      }
    }
  }

  /**
   * Unmounts every mount at or below dir (rootfs, image volumes, shm, namespace pins), deepest
   * first.
   */
  private static void unmountUnder(Path dir) throws IOException {
    String prefix = dir.toString();
    List<String> points =
        MountInfo.ofSelf().stream()
            .map(MountInfo::mountPoint)
            .filter(m -> m.equals(prefix) || m.startsWith(prefix + "/"))
            .distinct()
            .sorted(Comparator.comparingInt(String::length).reversed())
            .toList();
    for (String m : points) {
      Syscalls.unmountIfMounted(Path.of(m));
    }
  }

  private static List<String> children(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(Files::isDirectory).map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      LOG.warning("event=orphan_scan_failed path=" + dir + " error=\"" + e.getMessage() + "\"");
      return List.of();
    }
  }
}
