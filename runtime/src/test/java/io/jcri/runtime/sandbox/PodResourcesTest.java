package io.jcri.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jcri.cri.v1.LinuxContainerResources;
import io.jcri.cri.v1.UpdatePodSandboxResourcesRequest;
import io.jcri.runtime.store.Layout;
import io.jcri.sys.Failure;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodResourcesTest {
  private static final String POD = "/kubepods/burstable/pod1";
  @TempDir Path dir;

  private static LinuxContainerResources res(long shares, long quota, long period, long memory) {
    return LinuxContainerResources.newBuilder()
        .setCpuShares(shares)
        .setCpuQuota(quota)
        .setCpuPeriod(period)
        .setMemoryLimitInBytes(memory)
        .build();
  }

  private Path fake(String file, String value) throws Exception {
    Path p = dir.resolve("cg").resolve(file.startsWith("/") ? file.substring(1) : file);
    Files.createDirectories(p.getParent());
    return Files.writeString(p, value + "\n");
  }

  @Test
  void v1PodCgroupGetsResourcesPlusOverheadAndTheRequestIsRecorded() throws Exception {
    Path shares = fake("cpu" + POD + "/cpu.shares", "1024");
    Path period = fake("cpu" + POD + "/cpu.cfs_period_us", "100000");
    Path quota = fake("cpu" + POD + "/cpu.cfs_quota_us", "-1");
    Path memory = fake("memory" + POD + "/memory.limit_in_bytes", "9223372036854771712");
    PodResources pr =
        new PodResources(
            new Layout(dir.resolve("root"), dir.resolve("state")), dir.resolve("cg"), "cgroupfs");
    pr.update(
        "pod1", POD, res(102, 10_000, 100_000, 64L << 20), res(512, 50_000, 100_000, 256L << 20));
    assertEquals("614", Files.readString(shares));
    assertEquals("100000", Files.readString(period));
    assertEquals("60000", Files.readString(quota));
    assertEquals(Long.toString(320L << 20), Files.readString(memory));
    String recorded = pr.recorded("pod1").orElseThrow();
    assertTrue(recorded.contains("\"memoryLimitInBytes\": \"268435456\""), recorded);
  }

  @Test
  void v2FilesAndAFailedWriteRestoresWhatChanged() throws Exception {
    fake("cgroup.controllers", "cpu memory");
    Path weight = fake(POD + "/cpu.weight", "100");
    Path max = fake(POD + "/cpu.max", "max 100000");
    // memory.max is a directory here: the write fails after cpu.weight and cpu.max were written
    Files.createDirectories(dir.resolve("cg" + POD + "/memory.max"));
    PodResources pr =
        new PodResources(
            new Layout(dir.resolve("root"), dir.resolve("state")), dir.resolve("cg"), "cgroupfs");
    assertEquals(3, pr.files(POD, res(1024, 50_000, 0, 1 << 30)).size());
    assertEquals(
        "39",
        pr.files(POD, res(1024, 0, 0, 0)).values().iterator().next(),
        "shares 1024 → weight 39");
    Failure f =
        assertThrows(
            Failure.class,
            () ->
                pr.update(
                    "pod1",
                    POD,
                    LinuxContainerResources.getDefaultInstance(),
                    res(1024, 50_000, 0, 1 << 30)));
    assertEquals(Failure.Kind.INVALID, f.kind());
    assertEquals("100", Files.readString(weight).strip());
    assertEquals("max 100000", Files.readString(max).strip());
    assertTrue(pr.recorded("pod1").isEmpty(), "nothing recorded when nothing applied");
  }

  @Test
  void validationNamesTheField() {
    Failure f =
        assertThrows(
            Failure.class,
            () ->
                PodResources.validate(
                    UpdatePodSandboxResourcesRequest.newBuilder()
                        .setResources(res(1, 0, 0, 0))
                        .build()));
    assertTrue(f.getMessage().startsWith("resources.cpu_shares 1"), f.getMessage());
    f =
        assertThrows(
            Failure.class,
            () ->
                PodResources.validate(
                    UpdatePodSandboxResourcesRequest.newBuilder()
                        .setOverhead(res(0, 0, 0, -5))
                        .build()));
    assertTrue(f.getMessage().startsWith("overhead.memory_limit_in_bytes -5"), f.getMessage());
    f =
        assertThrows(
            Failure.class,
            () ->
                PodResources.validate(
                    UpdatePodSandboxResourcesRequest.newBuilder()
                        .setResources(res(0, 500, 0, 0))
                        .build()));
    assertTrue(f.getMessage().startsWith("resources.cpu_quota 500"), f.getMessage());
    Failure noParent =
        assertThrows(
            Failure.class,
            () ->
                new PodResources(new Layout(dir, dir), dir, "cgroupfs")
                    .update(
                        "p",
                        "",
                        LinuxContainerResources.getDefaultInstance(),
                        LinuxContainerResources.getDefaultInstance()));
    assertEquals(Failure.Kind.PRECONDITION, noParent.kind());
  }
}
