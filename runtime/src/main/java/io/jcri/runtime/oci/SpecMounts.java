package io.jcri.runtime.oci;

import io.jcri.cri.v1.Mount;
import io.jcri.sys.MountInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The mounts of a container: kernel filesystems, the pod's shared files and the CRI mounts, and how
 * they merge with the image's VOLUMEs ({@link DeclaredVolumes}).
 */
final class SpecMounts {
  /**
   * The CRI mounts as spec entries, the host mount points whose propagation must change before runc
   * create for the requested propagation to work, and the rootfs propagation that lets it through.
   */
  record CriMounts(
      List<RuntimeSpec.Mount> entries,
      Map<Path, String> hostPropagation,
      String rootfsPropagation) {}

  static final List<String> BIND_RW = List.of("rbind", "rprivate", "rw");
  private static final List<String> BIND_RO = List.of("rbind", "rprivate", "ro");

  private SpecMounts() {}

  /**
   * proc, /dev, devpts, mqueue, sysfs and cgroupfs, as runc's and containerd's defaults; rw
   * sysfs/cgroup when privileged.
   */
  static List<RuntimeSpec.Mount> kernelFilesystems(boolean privileged) {
    String sysMode = privileged ? "rw" : "ro";
    return List.of(
        new RuntimeSpec.Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")),
        new RuntimeSpec.Mount(
            "/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
        new RuntimeSpec.Mount(
            "/dev/pts",
            "devpts",
            "devpts",
            List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
        new RuntimeSpec.Mount(
            "/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
        new RuntimeSpec.Mount(
            "/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", sysMode)),
        new RuntimeSpec.Mount(
            "/sys/fs/cgroup",
            "cgroup",
            "cgroup",
            List.of("nosuid", "noexec", "nodev", "relatime", sysMode)));
  }

  /**
   * resolv.conf, hostname, hosts and /dev/shm of the pod; read-only along with a read-only rootfs,
   * as kubelet expects.
   */
  static List<RuntimeSpec.Mount> podFiles(SandboxContext sandbox, boolean readonlyRootfs) {
    List<String> bind = readonlyRootfs ? BIND_RO : BIND_RW;
    List<RuntimeSpec.Mount> entries = new ArrayList<>();
    if (sandbox.resolvConf() != null) {
      entries.add(
          new RuntimeSpec.Mount("/etc/resolv.conf", "bind", sandbox.resolvConf().toString(), bind));
    }
    if (sandbox.hostnameFile() != null) {
      entries.add(
          new RuntimeSpec.Mount("/etc/hostname", "bind", sandbox.hostnameFile().toString(), bind));
    }
    if (sandbox.hostsFile() != null) {
      entries.add(
          new RuntimeSpec.Mount("/etc/hosts", "bind", sandbox.hostsFile().toString(), bind));
    }
    List<String> shmOptions = List.of("rbind", "rprivate", "nosuid", "nodev", "noexec", "rw");
    if (sandbox.hostIpc()) {
      entries.add(new RuntimeSpec.Mount("/dev/shm", "bind", "/dev/shm", shmOptions));
    } else if (sandbox.shmPath() != null) {
      entries.add(
          new RuntimeSpec.Mount("/dev/shm", "bind", sandbox.shmPath().toString(), shmOptions));
    } else {
      entries.add(
          new RuntimeSpec.Mount(
              "/dev/shm",
              "tmpfs",
              "shm",
              List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
    }
    return entries;
  }

  /**
   * @param imageVolumes where the image of each image volume (KEP-4639) is mounted read-only, by
   *     index into mounts
   */
  static CriMounts fromCri(List<Mount> mounts, Map<Integer, Path> imageVolumes)
      throws OciSpecException {
    List<RuntimeSpec.Mount> entries = new ArrayList<>();
    Map<Path, String> hostPropagation = new LinkedHashMap<>();
    String rootfsPropagation = null;
    List<MountInfo> table = null;
    for (int i = 0; i < mounts.size(); i++) {
      Mount m = mounts.get(i);
      boolean image = m.hasImage() && !m.getImage().getImage().isEmpty();
      if (image) {
        entries.add(
            new RuntimeSpec.Mount(
                m.getContainerPath(),
                "bind",
                imageSource(i, m, imageVolumes.get(i)).toString(),
                List.of("rbind", "rprivate", "ro")));
        continue;
      }
      Path source = hostSource(m.getHostPath());
      String propagation =
          switch (m.getPropagation()) {
            case PROPAGATION_HOST_TO_CONTAINER -> "rslave";
            case PROPAGATION_BIDIRECTIONAL -> "rshared";
            default -> "rprivate";
          };
      if (!propagation.equals("rprivate")) {
        table = table != null ? table : mountTable();
        MountInfo holder = MountInfo.holding(table, source);
        boolean satisfied =
            holder != null
                && (propagation.equals("rshared")
                    ? holder.shared()
                    : holder.shared() || holder.slave());
        if (!satisfied) {
          // A private mount has no master to be a slave of: sharing it is what lets host changes
          // through.
          hostPropagation.put(Path.of(holder == null ? "/" : holder.mountPoint()), "shared");
        }
        // rshared outranks rslave: one bidirectional mount needs the whole rootfs shared
        rootfsPropagation = "rshared".equals(rootfsPropagation) ? rootfsPropagation : propagation;
      }
      // rro: read-only all the way down, submounts included (mount_setattr, kernel >= 5.12; checked
      // with the request)
      entries.add(
          new RuntimeSpec.Mount(
              m.getContainerPath(),
              "bind",
              source.toString(),
              m.getRecursiveReadOnly()
                  ? List.of("rbind", propagation, "ro", "rro")
                  : List.of("rbind", propagation, m.getReadonly() ? "ro" : "rw")));
    }
    return new CriMounts(entries, Map.copyOf(hostPropagation), rootfsPropagation);
  }

  /**
   * The image's root, or its image_sub_path resolved inside it (its symlinks never lead out of the
   * image).
   */
  private static Path imageSource(int i, Mount m, Path imageRoot) throws OciSpecException {
    if (m.getImageSubPath().isEmpty()) {
      return imageRoot;
    }
    try {
      Path sub = RootfsPaths.resolve(imageRoot, m.getImageSubPath());
      if (!Files.exists(sub, LinkOption.NOFOLLOW_LINKS)) {
        throw new OciSpecException(
            OciSpecException.Reason.NOT_FOUND,
            "mounts["
                + i
                + "].image_sub_path \""
                + m.getImageSubPath()
                + "\" does not exist in image \""
                + m.getImage().getImage()
                + "\"");
      }
      return sub;
    } catch (IOException e) {
      throw new OciSpecException(
          OciSpecException.Reason.INVALID_ARGUMENT,
          "mounts[" + i + "].image_sub_path \"" + m.getImageSubPath() + "\": " + e.getMessage(),
          e);
    }
  }

  /**
   * The host path with symlinks resolved, created as a directory when missing (as kubelet's
   * DirectoryOrCreate relies on).
   */
  private static Path hostSource(String hostPath) throws OciSpecException {
    Path p = Path.of(hostPath);
    try {
      if (!Files.exists(p)) {
        Files.createDirectories(p);
      }
      return p.toRealPath();
    } catch (IOException e) {
      throw new OciSpecException(
          OciSpecException.Reason.FAILED_PRECONDITION,
          "mount host_path " + hostPath + " cannot be used: " + e.getMessage(),
          e);
    }
  }

  /** The last entry for a destination wins; parents are mounted before what lies beneath them. */
  static List<RuntimeSpec.Mount> merge(List<List<RuntimeSpec.Mount>> layers) {
    List<RuntimeSpec.Mount> merged = new ArrayList<>();
    for (List<RuntimeSpec.Mount> layer : layers) {
      for (RuntimeSpec.Mount e : layer) {
        merged.removeIf(
            m -> Path.of(m.destination()).normalize().equals(Path.of(e.destination()).normalize()));
        merged.add(e);
      }
    }
    merged.sort(Comparator.comparingInt(e -> Path.of(e.destination()).normalize().getNameCount()));
    return merged;
  }

  private static List<MountInfo> mountTable() throws OciSpecException {
    try {
      return MountInfo.ofSelf();
    } catch (IOException e) {
      throw new OciSpecException(
          OciSpecException.Reason.INTERNAL, "reading /proc/self/mountinfo: " + e.getMessage(), e);
    }
  }
}
