package io.jcri.runtime.storage;

import io.jcri.sys.LibC;
import io.jcri.sys.MountInfo;
import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A container's root filesystem: the image's snapshots as overlay lower layers and a writable upper
 * layer of its own; and the read-only mounts of images used as volumes. The upper/work dirs live
 * under jcri's root (they survive a jcrid restart); the mount point lives in the bundle under the
 * run-time state.
 */
public final class Rootfs {
  private Rootfs() {}

  /** Mounts the overlay at mountPoint; layerDir gets upper/ and work/ (created if missing). */
  public static void mount(List<Path> lowerDirsTopFirst, Path layerDir, Path mountPoint)
      throws IOException {
    if (lowerDirsTopFirst.isEmpty()) {
      throw new IOException("image has no layers to mount");
    }
    Path upper = layerDir.resolve("upper");
    Path work = layerDir.resolve("work");
    Files.createDirectories(upper);
    Files.createDirectories(work);
    Files.createDirectories(mountPoint);
    if (isMounted(mountPoint)) {
      return;
    }
    String lower = lowerDirsTopFirst.stream().map(Path::toString).collect(Collectors.joining(":"));
    Syscalls.mount(
        "overlay",
        mountPoint,
        "overlay",
        0,
        "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work);
  }

  public static void unmount(Path mountPoint) throws IOException {
    Syscalls.unmountIfMounted(mountPoint);
  }

  /**
   * Mounts an image read-only at mountPoint, as an image volume: an overlay with no upper layer,
   * or, for an image of one layer (overlayfs wants two lower layers without an upper one), a
   * read-only bind of that layer.
   */
  public static void mountReadOnly(List<Path> lowerDirsTopFirst, Path mountPoint)
      throws IOException {
    if (lowerDirsTopFirst.isEmpty()) {
      throw new IOException("image has no layers to mount");
    }
    Files.createDirectories(mountPoint);
    if (isMounted(mountPoint)) {
      return;
    }
    if (lowerDirsTopFirst.size() == 1) {
      Syscalls.bindMount(lowerDirsTopFirst.get(0), mountPoint);
      Syscalls.mount(
          "none", mountPoint, null, LibC.MS_BIND | LibC.MS_REMOUNT | LibC.MS_RDONLY, null);
    } else {
      String lower =
          lowerDirsTopFirst.stream().map(Path::toString).collect(Collectors.joining(":"));
      Syscalls.mount("overlay", mountPoint, "overlay", LibC.MS_RDONLY, "lowerdir=" + lower);
    }
  }

  /** Unmounts every image volume mounted under dir (one directory each). */
  public static void unmountAll(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var volumes = Files.list(dir)) {
      for (Path v : volumes.toList()) {
        unmount(v);
      }
    }
  }

  public static boolean isMounted(Path mountPoint) throws IOException {
    String target = mountPoint.toAbsolutePath().toString();
    return MountInfo.ofSelf().stream().anyMatch(m -> m.mountPoint().equals(target));
  }
}
