package io.jcri.runtime.oci;

import io.jcri.cri.v1.Device;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Host device nodes as linux.devices entries, found by stat-ing the host path. */
final class Devices {
  /** A device node to create in the container, and the cgroup access it gets. */
  record Node(
      String path,
      String type,
      long major,
      long minor,
      int fileMode,
      int uid,
      int gid,
      String access) {}

  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;
  private static final int S_IFBLK = 0060000;

  /**
   * Directories of /dev that hold no device nodes a privileged container should get from the host.
   */
  private static final Set<String> SKIPPED_DEV_DIRS =
      Set.of("pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev");

  private Devices() {}

  /**
   * The CRI device (a node, or a directory of nodes) as the container should see it. Its paths and
   * permissions were checked with the request (or, for CDI, by {@link CdiDevices}).
   */
  static List<Node> fromCri(Device device) throws OciSpecException {
    String access = device.getPermissions().isEmpty() ? "rwm" : device.getPermissions();
    String containerPath =
        device.getContainerPath().isEmpty() ? device.getHostPath() : device.getContainerPath();
    Path host = Path.of(device.getHostPath());
    try {
      Path real = host.toRealPath();
      if (Files.isDirectory(real)) {
        List<Node> nodes = new ArrayList<>();
        for (Node n : under(real, Set.of())) {
          nodes.add(
              withPath(n, containerPath + n.path().substring(real.toString().length()), access));
        }
        return nodes;
      }
      Node n = stat(real, containerPath, access);
      if (n == null) {
        throw OciSpecException.invalid("device " + host + " is not a character or block device");
      }
      return List.of(n);
    } catch (NoSuchFileException e) {
      throw new OciSpecException(
          OciSpecException.Reason.NOT_FOUND, "device " + host + " does not exist on the node");
    } catch (IOException e) {
      throw new OciSpecException(
          OciSpecException.Reason.INTERNAL, "device " + host + ": " + e.getMessage(), e);
    }
  }

  /** Every device node of the host's /dev, as a privileged container gets them. */
  static List<Node> allHostDevices() throws OciSpecException {
    try {
      return under(Path.of("/dev"), SKIPPED_DEV_DIRS).stream()
          .filter(n -> !n.path().equals("/dev/console"))
          .toList();
    } catch (IOException e) {
      throw new OciSpecException(
          OciSpecException.Reason.INTERNAL, "listing host devices: " + e.getMessage(), e);
    }
  }

  private static List<Node> under(Path dir, Set<String> skipped) throws IOException {
    List<Node> nodes = new ArrayList<>();
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
            return !d.equals(dir) && skipped.contains(d.getFileName().toString())
                ? FileVisitResult.SKIP_SUBTREE
                : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            if (attrs.isOther()) {
              Node n = stat(file, file.toString(), "rwm");
              if (n != null) {
                nodes.add(n);
              }
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult
                .CONTINUE; // nodes vanish under us (hot-unplug); the rest still count
          }
        });
    return nodes;
  }

  /** The node at path, or null when it is not a character or block device. */
  private static Node stat(Path path, String containerPath, String access) throws IOException {
    Map<String, Object> a =
        Files.readAttributes(path, "unix:mode,rdev,uid,gid", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) a.get("mode");
    String type =
        switch (mode & S_IFMT) {
          case S_IFCHR -> "c";
          case S_IFBLK -> "b";
          default -> null;
        };
    if (type == null) {
      return null;
    }
    long rdev = (Long) a.get("rdev");
    // glibc's gnu_dev_major/minor encoding of a 64-bit dev_t
    long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & 0xfffff000L);
    long minor = (rdev & 0xff) | ((rdev >>> 12) & 0xffffff00L);
    return new Node(
        containerPath,
        type,
        major,
        minor,
        mode & 07777,
        (Integer) a.get("uid"),
        (Integer) a.get("gid"),
        access);
  }

  private static Node withPath(Node n, String path, String access) {
    return new Node(path, n.type(), n.major(), n.minor(), n.fileMode(), n.uid(), n.gid(), access);
  }
}
