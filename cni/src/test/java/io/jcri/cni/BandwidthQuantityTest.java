package io.jcri.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BandwidthQuantityTest {
  private static long bps(String value) throws CniException {
    return BandwidthQuantity.bitsPerSecond("kubernetes.io/ingress-bandwidth", value);
  }

  @Test
  void parsesKubernetesQuantities() throws CniException {
    assertEquals(10_000_000L, bps("10M"));
    assertEquals(1L << 30, bps("1Gi"));
    assertEquals(1500L, bps("1.5k"));
    assertEquals(2_000_000L, bps("2e6"));
    assertEquals(3_000_000L, bps("3E6"));
    assertEquals(1_000_000_000_000_000L, bps("1P"));
    assertEquals(1000L, bps("1000000m"));
    assertEquals(128_000L, bps(" 128000 "));
  }

  @Test
  void rejectsGarbageAndUnreasonableRates() {
    assertThrows(CniException.class, () -> bps("fast"));
    assertThrows(CniException.class, () -> bps("10MB"));
    assertThrows(CniException.class, () -> bps("-5M"));
    assertThrows(CniException.class, () -> bps("999"));
    assertThrows(CniException.class, () -> bps("2E"));
  }
}
