package io.jcri.runtime.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** What this node's kernel and jcrid's own process allow, read once. */
final class NodeFacts {
  /**
   * Capabilities in jcrid's bounding set: runc cannot grant any other, so specs never ask for them.
   */
  static final Set<String> BOUNDING_CAPABILITIES = readBoundingSet();

  /** The cgroup controllers runc's manager can set limits in. */
  static final CgroupControllers CGROUPS = CgroupControllers.ofThisNode();

  static final boolean CGROUP_V2 = CGROUPS.v2();

  /**
   * Whether a memory+swap limit can be set (v1 needs swapaccount; v2 always has memory.swap.max).
   */
  static final boolean SWAP_LIMIT =
      CGROUP_V2 || Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"));

  private NodeFacts() {}

  private static Set<String> readBoundingSet() {
    List<String> all = Capabilities.ALL;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapBnd:")) {
          long mask = Long.parseUnsignedLong(line.substring("CapBnd:".length()).trim(), 16);
          Set<String> caps = new LinkedHashSet<>();
          for (int bit = 0; bit < all.size(); bit++) {
            if ((mask & (1L << bit)) != 0) {
              caps.add(all.get(bit));
            }
          }
          return Set.copyOf(caps);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through: without the line, assume nothing is withheld
    }
    return Set.copyOf(all);
  }
}
