package io.jcri.runtime.node;

import io.jcri.runtime.storage.IdMappedBinds;
import io.jcri.sys.IdMappedMounts;
import io.jcri.sys.Syscalls;
import io.jcri.sys.Trees;
import io.jcri.sys.UserNamespaces;
import io.jcri.sys.UserNamespaces.IdMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.logging.Logger;

/**
 * Whether this node can run pods in user namespaces of their own the way jcrid does it: a user
 * namespace with a mapping, an overlay of ID-mapped layers on the filesystem of jcri's root (as a
 * container's rootfs) and an ID-mapped tmpfs (pod files and /dev/shm where /run is a tmpfs), and a
 * state directory the pod's root can reach. Probed once in a scratch directory that is removed
 * again.
 */
final class UserNamespaceProbe {
  private static final Logger LOG = Logger.getLogger(UserNamespaceProbe.class.getName());
  private static final IdMap PROBE_MAP = new IdMap(0, 65_536, 65_536);

  private UserNamespaceProbe() {}

  /**
   * @param scratch a directory to make on the filesystem of jcri's root
   * @param state jcri's run-time state, where bundles and rootfs mounts live: the OCI runtime
   *     reaches them as the pod's root, which the node's directories treat as any other user
   */
  static boolean works(Path scratch, Path state) {
    for (Path dir = state.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      try {
        if (Files.exists(dir)
            && !Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
          LOG.warning(
              "event=user_namespaces_unsupported error=\""
                  + dir
                  + " is not searchable by other users, so a"
                  + " pod's root cannot reach the container bundles under "
                  + state
                  + "\"");
          return false;
        }
      } catch (IOException e) {
        LOG.warning("event=user_namespaces_unsupported error=\"" + e.getMessage() + "\"");
        return false;
      }
    }
    try {
      Path lower = Files.createDirectories(scratch.resolve("lower"));
      Path merged = scratch.resolve("merged");
      Path tmpfs = Files.createDirectories(scratch.resolve("tmpfs"));
      try {
        Syscalls.mount("tmpfs", tmpfs, "tmpfs", 0, "size=4k");
        UserNamespaces.withTemporary(
            PROBE_MAP,
            PROBE_MAP,
            userns -> {
              IdMappedBinds.mountRootfs(
                  List.of(lower),
                  scratch.resolve("layer"),
                  merged,
                  userns,
                  (int) PROBE_MAP.hostId(),
                  (int) PROBE_MAP.hostId(),
                  scratch.resolve("layers"));
              Files.writeString(merged.resolve("probe"), "written through the overlay");
              IdMappedMounts.check(tmpfs, userns);
              return null;
            });
        LOG.info("event=user_namespaces_supported scratch=" + scratch);
        return true;
      } finally {
        Syscalls.unmountIfMounted(merged);
        Syscalls.unmountIfMounted(tmpfs);
        Trees.delete(scratch);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warning("event=user_namespaces_unsupported error=\"" + e.getMessage() + "\"");
      return false;
    }
  }
}
