package io.jcri.runtime.stats;

import java.nio.file.Path;

/**
 * One cgroup's directory in each hierarchy stats are read from; null where that hierarchy is not
 * mounted or the cgroup does not exist in it. On a pure v2 node only unified is set.
 */
record CgroupDirs(Path cpuacct, Path memory, Path pids, Path unified) {
  boolean isEmpty() {
    return cpuacct == null && memory == null && pids == null && unified == null;
  }
}
