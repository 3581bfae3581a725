package io.jcri.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.runtime.stats.CgroupMounts;
import io.jcri.sys.MountInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cgroup.kill is written only in the v2 cgroup of the given process, and only when that cgroup's
 * name holds the container's ID; a fake /proc and cgroup mount stand in for the node's.
 */
class CgroupKillTest {
  static final String ID = "c".repeat(64);
  static final int PID = 4242;

  @TempDir Path dir;
  Path proc;
  Path cgroup2;
  Path kill;

  @BeforeEach
  void node() throws IOException {
    proc = dir.resolve("proc");
    cgroup2 = dir.resolve("unified");
    Path own = cgroup2.resolve("jcri/" + ID);
    Files.createDirectories(own);
    kill = own.resolve("cgroup.kill");
    Files.writeString(kill, "");
    inCgroup(PID, "/jcri/" + ID);
  }

  private void inCgroup(int pid, String path) throws IOException {
    Files.createDirectories(proc.resolve(String.valueOf(pid)));
    Files.writeString(
        proc.resolve(pid + "/cgroup"), "4:memory:/jcri/" + ID + "\n0::" + path + "\n");
  }

  private CgroupKill withV2() {
    return new CgroupKill(
        CgroupMounts.of(
            List.of(new MountInfo("/", cgroup2.toString(), List.of(), "cgroup2", List.of("rw"))),
            proc));
  }

  @Test
  void killsEveryProcessThroughTheContainersOwnCgroup() throws IOException {
    assertTrue(withV2().killAll(PID, ID));
    assertEquals("1", Files.readString(kill));
  }

  @Test
  void aRecycledPidInAnotherCgroupIsNeverKilled() throws IOException {
    Files.createDirectories(cgroup2.resolve("system.slice/cron.service"));
    Files.writeString(cgroup2.resolve("system.slice/cron.service/cgroup.kill"), "");
    inCgroup(77, "/system.slice/cron.service");
    assertFalse(withV2().killAll(77, ID));
    assertEquals("", Files.readString(cgroup2.resolve("system.slice/cron.service/cgroup.kill")));
    assertFalse(withV2().killAll(PID, "d".repeat(64)), "another container's ID");
    assertEquals("", Files.readString(kill));
  }

  @Test
  void withoutCgroupKillOrV2OrTheProcessTheRuntimeIsLeftToKill() throws IOException {
    assertFalse(withV2().killAll(999, ID), "the process is gone");
    assertFalse(
        new CgroupKill(CgroupMounts.of(List.of(), proc)).killAll(PID, ID), "no v2 hierarchy");
    Files.delete(kill);
    assertFalse(withV2().killAll(PID, ID), "no cgroup.kill: a kernel before 5.14");
  }
}
