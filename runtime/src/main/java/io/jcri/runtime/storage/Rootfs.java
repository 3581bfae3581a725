package io.jcri.runtime.storage;

import io.jcri.sys.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A container's root filesystem: the image's snapshots as overlay lower layers and a writable
 * upper layer of its own. The upper/work dirs live under jcri's root (they survive a jcrid
 * restart); the mount point lives in the bundle under the run-time state.
 */
public final class Rootfs {
  private Rootfs() {}

  /** Mounts the overlay at mountPoint; layerDir gets upper/ and work/ (created if missing). */
  public static void mount(List<Path> lowerDirsTopFirst, Path layerDir, Path mountPoint) throws IOException {
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
    Syscalls.mount("overlay", mountPoint, "overlay", 0,
        "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work);
  }

  public static void unmount(Path mountPoint) throws IOException {
    Syscalls.unmountIfMounted(mountPoint);
  }

  public static boolean isMounted(Path mountPoint) throws IOException {
    String target = " " + mountPoint.toAbsolutePath() + " ";
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(target));
  }
}
