package io.jcri.runtime.stats;

import io.jcri.sys.MountInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The cgroup hierarchies of this node as /proc/self/mountinfo shows them (v1 mounts by controller,
 * which may be mounted alone or together, and the v2 mount), and the directories of a process's or
 * a pod's cgroups in them.
 */
public final class CgroupMounts {
  /** Key of the v2 hierarchy in the maps below, where v1 keys are controller names. */
  private static final String UNIFIED = "";

  private record Mount(String root, Path point) {
    /** A cgroup path as /proc/PID/cgroup gives it → its directory under this mount. */
    Path dirOf(String cgroupPath) {
      String inMount =
          root.equals("/") || !cgroupPath.startsWith(root)
              ? cgroupPath
              : cgroupPath.substring(root.length());
      return point.resolve(inMount.replaceFirst("^/+", ""));
    }
  }

  private final Map<String, Mount> mounts;
  private final Path proc;

  private CgroupMounts(Map<String, Mount> mounts, Path proc) {
    this.mounts = mounts;
    this.proc = proc;
  }

  public static CgroupMounts ofThisNode() {
    try {
      return of(MountInfo.ofSelf());
    } catch (IOException e) {
      throw new UncheckedIOException("reading /proc/self/mountinfo", e);
    }
  }

  public static CgroupMounts of(List<MountInfo> table) {
    return of(table, Path.of("/proc"));
  }

  /** As {@link #of(List)}, with processes' cgroups read from proc (tests: a fake one). */
  public static CgroupMounts of(List<MountInfo> table, Path proc) {
    Map<String, Mount> mounts = new HashMap<>();
    for (MountInfo m : table) {
      Mount mount = new Mount(m.root(), Path.of(m.mountPoint()));
      if (m.fsType().equals("cgroup2")) {
        mounts.putIfAbsent(UNIFIED, mount);
      } else if (m.fsType().equals("cgroup")) {
        for (String option : m.superOptions()) {
          mounts.putIfAbsent(option, mount); // first mount wins over later bind mounts of it
        }
      }
    }
    return new CgroupMounts(mounts, proc);
  }

  /** The directories of pid's cgroups, or empty when the process is gone. */
  Optional<CgroupDirs> ofPid(int pid) {
    return cgroupPaths(pid).map(paths -> existing(paths::get));
  }

  /**
   * pid's cgroup directory in the v2 hierarchy when the last element of its path there contains
   * name (a container's cgroup is "…/ID" or "…/jcri-ID.scope"): a recycled pid in another cgroup
   * gives empty.
   */
  public Optional<Path> unifiedDirNaming(int pid, String name) {
    Mount unified = mounts.get(UNIFIED);
    if (unified == null || pid <= 0) {
      return Optional.empty();
    }
    return cgroupPaths(pid)
        .map(paths -> paths.get(UNIFIED))
        .filter(path -> !name.isEmpty() && path.substring(path.lastIndexOf('/') + 1).contains(name))
        .map(unified::dirOf)
        .filter(Files::isDirectory);
  }

  /** The cgroup at path (as /proc/PID/cgroup spells it) in every hierarchy where it exists. */
  Optional<CgroupDirs> ofPath(String path) {
    CgroupDirs dirs = existing(hierarchy -> path);
    return dirs.isEmpty() ? Optional.empty() : Optional.of(dirs);
  }

  /**
   * The pod's cgroup: cgroupParent itself when it is a path (cgroupfs driver); for a systemd slice
   * name, the ancestor of that name of a container's cgroup, so slice names never need expanding
   * here. Empty when there is no pod cgroup to read.
   */
  Optional<CgroupDirs> ofPod(String cgroupParent, List<Integer> containerPids) {
    if (cgroupParent.isEmpty()) {
      return Optional.empty();
    }
    if (cgroupParent.startsWith("/")) {
      return ofPath(cgroupParent);
    }
    for (int pid : containerPids) {
      Optional<String> podPath =
          cgroupPaths(pid)
              .flatMap(
                  paths ->
                      paths.values().stream()
                          .map(p -> ancestorNamed(p, cgroupParent))
                          .flatMap(Optional::stream)
                          .findFirst());
      if (podPath.isPresent()) {
        return ofPath(podPath.get());
      }
    }
    return Optional.empty();
  }

  private static Optional<String> ancestorNamed(String path, String name) {
    int at = (path + "/").indexOf("/" + name + "/");
    return at < 0 ? Optional.empty() : Optional.of(path.substring(0, at + 1 + name.length()));
  }

  /** pathIn maps a hierarchy key to the cgroup's path in it (null: not in that hierarchy). */
  private CgroupDirs existing(Function<String, String> pathIn) {
    return new CgroupDirs(
        dir("cpuacct", pathIn), dir("memory", pathIn), dir("pids", pathIn), dir(UNIFIED, pathIn));
  }

  private Path dir(String hierarchy, Function<String, String> pathIn) {
    Mount mount = mounts.get(hierarchy);
    String cgroupPath = pathIn.apply(hierarchy);
    if (mount == null || cgroupPath == null) {
      return null;
    }
    Path dir = mount.dirOf(cgroupPath);
    return Files.isDirectory(dir) ? dir : null;
  }

  /**
   * /proc/PID/cgroup as hierarchy key → path: "4:cpu,cpuacct:/a" gives cpu and cpuacct, "0::/a" the
   * v2 one.
   */
  private Optional<Map<String, String>> cgroupPaths(int pid) {
    List<String> lines;
    try {
      lines = Files.readAllLines(proc.resolve(pid + "/cgroup"));
    } catch (IOException e) {
      return Optional.empty();
    }
    Map<String, String> paths = new HashMap<>();
    for (String line : lines) {
      String[] parts = line.split(":", 3);
      if (parts.length < 3) {
        continue;
      }
      if (parts[0].equals("0") && parts[1].isEmpty()) {
        paths.put(UNIFIED, parts[2]);
      } else {
        for (String controller : parts[1].split(",")) {
          paths.put(controller, parts[2]);
        }
      }
    }
    return Optional.of(paths);
  }
}
