package io.jcri.runtime.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.cri.v1.NetworkInterfaceUsage;
import io.jcri.sys.MountInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file formats of hierarchies this node does not have (memory on cgroup v2, mounts in unusual
 * places), read from copies of what the kernel writes.
 */
class CgroupFilesTest {
  @TempDir Path tmp;

  @Test
  void v2CountersAndWorkingSet() throws Exception {
    Path cg = Files.createDirectories(tmp.resolve("pod/ctr"));
    Files.writeString(cg.resolve("cpu.stat"), "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n");
    Files.writeString(cg.resolve("memory.current"), "10485760\n");
    Files.writeString(
        cg.resolve("memory.stat"),
        "anon 4194304\nfile 6291456\ninactive_file 2097152\npgfault 321\npgmajfault 7\n");
    Files.writeString(cg.resolve("memory.max"), "max\n");
    Files.writeString(cg.resolve("memory.events"), "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
    Files.writeString(cg.resolve("pids.current"), "3\n");

    Usage usage = CgroupUsage.read(new CgroupDirs(null, null, null, cg));

    assertEquals(new Usage(2_500_000L, 10485760L, 8388608L, 4194304L, 321L, 7L, null, 3L), usage);
    assertEquals(1L, CgroupUsage.oomKills(new CgroupDirs(null, null, null, cg)));

    Files.writeString(cg.resolve("memory.max"), "9437184\n");
    Files.writeString(cg.resolve("memory.stat"), "inactive_file 20971520\n");
    Usage limited = CgroupUsage.read(new CgroupDirs(null, null, null, cg));
    assertEquals(0L, limited.workingSet(), "never below zero");
    assertEquals(9437184L, limited.availableMemory());
  }

  @Test
  void missingFilesLeaveFieldsUnknown() {
    Usage usage =
        CgroupUsage.read(
            new CgroupDirs(tmp.resolve("gone"), tmp.resolve("gone"), tmp.resolve("gone"), null));
    assertEquals(Usage.NONE, usage);
    assertEquals(
        new Usage(5L, null, null, null, 1L, null, null, 2L),
        new Usage(5L, null, null, null, null, null, 9L, 2L)
            .plus(new Usage(null, null, null, null, 1L, null, 4L, null)));
  }

  @Test
  void mountsFromMountinfoWithCombinedControllersAndEscapes() throws Exception {
    Path cpu = Files.createDirectories(tmp.resolve("cpu,cpuacct/kubepods/pod1"));
    Path unified = Files.createDirectories(tmp.resolve("with space/kubepods/pod1"));
    CgroupMounts mounts =
        CgroupMounts.of(
            MountInfo.parse(
                List.of(
                    "31 30 0:28 / "
                        + tmp
                        + "/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct",
                    "40 30 0:37 / "
                        + tmp
                        + "/with\\040space rw,relatime - cgroup2 cgroup2 rw,nsdelegate",
                    "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw")));

    CgroupDirs dirs = mounts.ofPath("/kubepods/pod1").orElseThrow();

    assertEquals(new CgroupDirs(cpu, null, null, unified), dirs);
    assertTrue(mounts.ofPath("/kubepods/pod2").isEmpty());
    assertTrue(mounts.ofPod("", List.of()).isEmpty());
  }

  @Test
  void netDevWithCountersRunningIntoTheName() {
    List<NetworkInterfaceUsage> interfaces =
        NetDev.parse(
            List.of(
                "Inter-|   Receive                                                |  Transmit",
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
                "    lo:     142       1    0    0    0     0          0         0      142       1    0    0    0     0       0          0",
                "  eth0:18446744073709551615 9 4 0 0 0 0 0 777 5 2 0 0 0 0 0"));

    assertEquals(2, interfaces.size());
    NetworkInterfaceUsage eth0 = interfaces.get(1);
    assertEquals("eth0", eth0.getName());
    assertEquals(-1L, eth0.getRxBytes().getValue(), "uint64 max survives as its two's complement");
    assertEquals(4, eth0.getRxErrors().getValue());
    assertEquals(777, eth0.getTxBytes().getValue());
    assertEquals(2, eth0.getTxErrors().getValue());
  }
}
