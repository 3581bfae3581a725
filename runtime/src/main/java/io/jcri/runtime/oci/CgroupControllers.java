package io.jcri.runtime.oci;

import io.jcri.sys.MountInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The cgroup controllers runc's manager can use on this node. runc drives either the v1 hierarchies
 * (each controller where /proc/self/mountinfo shows it mounted) or, on a pure v2 node, the unified
 * one (the controllers its root offers). On a hybrid node a controller that lives only on the
 * unified hierarchy (hugetlb here) is out of reach of the v1 manager: a limit for it makes runc
 * fail the create, so the spec leaves it out.
 *
 * @param v2 whether runc uses the unified hierarchy (a pure v2 node)
 */
record CgroupControllers(boolean v2, Set<String> available) {
  private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

  CgroupControllers {
    available = Set.copyOf(available);
  }

  static CgroupControllers ofThisNode() {
    try {
      boolean v2 = Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"));
      String v2Controllers = v2 ? Files.readString(CGROUP_ROOT.resolve("cgroup.controllers")) : "";
      return of(
          v2,
          v2Controllers,
          MountInfo.ofSelf(),
          kernelControllers(Files.readAllLines(Path.of("/proc/cgroups"))));
    } catch (IOException e) {
      // no cgroup facts: offer nothing rather than let runc fail every create
      return new CgroupControllers(false, Set.of());
    }
  }

  /**
   * @param v2Controllers the unified root's cgroup.controllers
   * @param table the mount table, read for v1 hierarchies
   * @param kernelControllers every controller the kernel has, to tell them from a v1 mount's other
   *     options
   */
  static CgroupControllers of(
      boolean v2, String v2Controllers, List<MountInfo> table, Set<String> kernelControllers) {
    Set<String> available = new TreeSet<>();
    if (v2) {
      available.addAll(List.of(v2Controllers.trim().split("\\s+")));
    } else {
      for (MountInfo m : table) {
        if (m.fsType().equals("cgroup")) {
          m.superOptions().stream().filter(kernelControllers::contains).forEach(available::add);
        }
      }
    }
    available.remove("");
    return new CgroupControllers(v2, available);
  }

  /** /proc/cgroups: a header line, then "NAME HIERARCHY NUM_CGROUPS ENABLED" per controller. */
  static Set<String> kernelControllers(List<String> procCgroups) {
    Set<String> names = new TreeSet<>();
    for (String line : procCgroups) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 4 && !line.startsWith("#") && f[3].equals("1")) {
        names.add(f[0]);
      }
    }
    return names;
  }

  boolean has(String controller) {
    return available.contains(controller);
  }
}
