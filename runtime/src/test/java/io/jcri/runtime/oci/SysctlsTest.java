package io.jcri.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SysctlsTest {
  @Test
  void theFirstSeparatorTellsTheForm() {
    assertEquals(
        "net/ipv4/conf/eth0.100/forwarding",
        Sysctls.procSysPath("net.ipv4.conf.eth0/100.forwarding"));
    assertEquals(
        "net/ipv4/conf/eth0.100/forwarding",
        Sysctls.procSysPath("net/ipv4/conf/eth0.100/forwarding"));
    assertEquals("kernel/shm_rmid_forced", Sysctls.procSysPath("kernel.shm_rmid_forced"));
    assertEquals(
        "net.ipv4.conf.eth0/100.forwarding",
        Sysctls.dottedName("net.ipv4.conf.eth0/100.forwarding"));
    assertEquals(
        "net.ipv4.conf.eth0/100.forwarding",
        Sysctls.dottedName("net/ipv4/conf/eth0.100/forwarding"));
    assertEquals("net.ipv4.ip_forward", Sysctls.dottedName("net.ipv4.ip_forward"));
    assertEquals("net.ipv4.ip_forward", Sysctls.dottedName("net/ipv4/ip_forward"));
  }
}
