package io.jcri.runtime.oci;

import java.util.List;
import java.util.Map;

/**
 * linux.resources: the device cgroup rules and the limits of each controller; a limit nobody asked
 * for (or that runc cannot set on this node) is null. Also what {@code runc update --resources}
 * reads.
 *
 * @param devices null in an update, which leaves the device rules as they are
 */
public record SpecResources(
    List<DeviceRule> devices,
    Cpu cpu,
    Memory memory,
    Pids pids,
    List<HugepageLimit> hugepageLimits,
    BlockIo blockIO,
    Map<String, String> unified) {

  /**
   * @param type null, with major and minor, for a rule over every device
   */
  public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

  public record Cpu(Long shares, Long quota, Long period, String cpus, String mems) {}

  /**
   * @param swap memory plus swap
   */
  public record Memory(long limit, Long swap) {}

  public record Pids(long limit) {}

  public record HugepageLimit(String pageSize, long limit) {}

  public record BlockIo(
      Integer weight,
      List<WeightDevice> weightDevice,
      List<ThrottleDevice> throttleReadBpsDevice,
      List<ThrottleDevice> throttleWriteBpsDevice,
      List<ThrottleDevice> throttleReadIOPSDevice,
      List<ThrottleDevice> throttleWriteIOPSDevice) {}

  public record WeightDevice(long major, long minor, int weight) {}

  public record ThrottleDevice(long major, long minor, long rate) {}
}
