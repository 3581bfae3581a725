package io.jcri.runtime.storage;

import io.jcri.runtime.oci.OciSpec;
import io.jcri.runtime.oci.RuntimeSpec;
import io.jcri.sys.IdMappedMounts;
import io.jcri.sys.Syscalls;
import io.jcri.sys.Trees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The mounts of a container in a pod with its own user namespace, ID-mapped by jcrid because the
 * OCI runtime (runc 1.1) cannot: the rootfs as an overlay of mapped lower layers, and each bind
 * mount of the spec through a mapped clone of its source under the bundle, which the spec then
 * names. Through them the pod's root owns what the node's root owns on disk.
 */
public final class IdMappedBinds {
  private IdMappedBinds() {}

  /**
   * Mounts the container's overlay rootfs over ID-mapped lower layers (overlayfs cannot be
   * ID-mapped itself, its layers can): one mapped clone of the directory holding every lower layer
   * is attached under scratch while the overlay is mounted; the overlay keeps a private copy, so it
   * is unmounted again and scratch removed. The upper layer is not mapped (overlayfs makes its work
   * files as the node's root, which the mapping lacks): its root is the pod's root's (hostUid,
   * hostGid), and what the pod writes lands there as the pod's IDs on the node.
   */
  public static void mountRootfs(
      List<Path> lowerDirsTopFirst,
      Path layerDir,
      Path mountPoint,
      Path userns,
      int hostUid,
      int hostGid,
      Path scratch)
      throws IOException {
    if (lowerDirsTopFirst.isEmpty()) {
      throw new IOException("image has no layers to mount");
    }
    Path upper = Files.createDirectories(layerDir.resolve("upper"));
    Path work = Files.createDirectories(layerDir.resolve("work"));
    Syscalls.lchown(upper, hostUid, hostGid);
    Files.createDirectories(mountPoint);
    if (Rootfs.isMounted(mountPoint)) {
      return;
    }
    Path common = commonAncestor(lowerDirsTopFirst);
    Path lowers = scratch.resolve("lower");
    try {
      IdMappedMounts.bind(common, lowers, userns);
      String lower =
          lowerDirsTopFirst.stream()
              .map(l -> lowers.resolve(common.relativize(l)).toString())
              .collect(Collectors.joining(":"));
      Syscalls.mount(
          "overlay",
          mountPoint,
          "overlay",
          0,
          "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work);
    } finally {
      Syscalls.unmountIfMounted(lowers);
      Trees.delete(scratch);
    }
  }

  private static Path commonAncestor(List<Path> dirs) {
    Path common = dirs.get(0).toAbsolutePath().normalize();
    for (Path d : dirs) {
      Path dir = d.toAbsolutePath().normalize();
      while (!dir.startsWith(common)) {
        common = common.getParent();
      }
    }
    return common;
  }

  /**
   * Mounts a mapped clone of each bind source of the spec at dir/&lt;n&gt;; returns the spec
   * binding those.
   */
  public static OciSpec binds(OciSpec oci, Path userns, Path dir) throws IOException {
    RuntimeSpec spec = oci.spec();
    List<RuntimeSpec.Mount> mounts = new ArrayList<>();
    int n = 0;
    for (RuntimeSpec.Mount m : spec.mounts()) {
      if (!isBind(m)) {
        mounts.add(m);
        continue;
      }
      Path clone = dir.resolve(String.valueOf(n++));
      try {
        IdMappedMounts.bind(Path.of(m.source()), clone, userns);
      } catch (IOException e) {
        throw new IOException(
            "ID-mapping the source of the mount at " + m.destination() + ": " + e.getMessage(), e);
      }
      mounts.add(
          new RuntimeSpec.Mount(
              m.destination(),
              m.type(),
              clone.toString(),
              m.options(),
              m.uidMappings(),
              m.gidMappings()));
    }
    return new OciSpec(
        new RuntimeSpec(
            spec.ociVersion(),
            spec.process(),
            spec.root(),
            spec.hostname(),
            mounts,
            spec.hooks(),
            spec.linux(),
            spec.annotations()),
        oci.user(),
        oci.hostPropagation());
  }

  private static boolean isBind(RuntimeSpec.Mount m) {
    return "bind".equals(m.type())
        || (m.options() != null && (m.options().contains("bind") || m.options().contains("rbind")));
  }
}
