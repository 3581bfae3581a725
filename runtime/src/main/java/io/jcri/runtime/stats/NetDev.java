package io.jcri.runtime.stats;

import io.jcri.cri.v1.NetworkInterfaceUsage;
import io.jcri.cri.v1.UInt64Value;
import java.util.ArrayList;
import java.util.List;

/** Per-interface counters from /proc/net/dev. */
final class NetDev {
  // Columns after "name:": rx bytes packets errs drop fifo frame compressed multicast, then tx
  // bytes packets errs ...
  private static final int RX_BYTES = 0;
  private static final int RX_ERRORS = 2;
  private static final int TX_BYTES = 8;
  private static final int TX_ERRORS = 10;

  private NetDev() {}

  static List<NetworkInterfaceUsage> parse(List<String> lines) {
    List<NetworkInterfaceUsage> interfaces = new ArrayList<>();
    for (String line : lines) {
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue; // the two header lines
      }
      // Large counters can run into the colon ("eth0:123"), so split there first.
      String[] counters = line.substring(colon + 1).trim().split("\\s+");
      if (counters.length <= TX_ERRORS) {
        continue;
      }
      interfaces.add(
          NetworkInterfaceUsage.newBuilder()
              .setName(line.substring(0, colon).trim())
              .setRxBytes(value(counters[RX_BYTES]))
              .setRxErrors(value(counters[RX_ERRORS]))
              .setTxBytes(value(counters[TX_BYTES]))
              .setTxErrors(value(counters[TX_ERRORS]))
              .build());
    }
    return interfaces;
  }

  private static UInt64Value value(String counter) {
    return UInt64Value.newBuilder().setValue(Long.parseUnsignedLong(counter)).build();
  }
}
