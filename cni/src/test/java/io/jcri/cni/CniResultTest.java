package io.jcri.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class CniResultTest {
  private static CniResult parse(String json, String configVersion) throws IOException {
    return CniResult.parse(Json.MAPPER.readTree(json), configVersion);
  }

  @Test
  void parsesVersion1ResultAndSkipsHostSideAddresses() throws IOException {
    CniResult r =
        parse(
            """
        {"cniVersion":"1.0.0",
         "interfaces":[{"name":"jcri0","mac":"aa:aa:aa:aa:aa:01"},
                       {"name":"veth1","mac":"aa:aa:aa:aa:aa:02"},
                       {"name":"eth0","mac":"aa:aa:aa:aa:aa:03","sandbox":"/run/jcri/netns/x"}],
         "ips":[{"address":"fd00::5/64","gateway":"fd00::1","interface":2},
                {"address":"10.88.0.5/16","gateway":"10.88.0.1","interface":2},
                {"address":"10.88.0.1/16","interface":0}],
         "routes":[{"dst":"0.0.0.0/0","gw":"10.88.0.1"}],
         "dns":{"nameservers":["10.96.0.10"],"search":["svc.cluster.local"]}}""",
            "1.0.0");
    assertEquals("1.0.0", r.cniVersion());
    assertEquals(List.of("10.88.0.5", "fd00::5"), r.podIps());
    assertEquals(3, r.interfaces().size());
    assertEquals("/run/jcri/netns/x", r.interfaces().get(2).sandbox());
    assertEquals("", r.interfaces().get(0).sandbox());
    assertEquals("10.88.0.1", r.ips().get(1).gateway());
    assertEquals(List.of(new CniResult.Route("0.0.0.0/0", "10.88.0.1")), r.routes());
    assertEquals(List.of("10.96.0.10"), r.dns().nameservers());
    assertEquals(List.of("svc.cluster.local"), r.dns().search());
  }

  @Test
  void parsesVersion11Result() throws IOException {
    CniResult r =
        parse(
            """
        {"cniVersion":"1.1.0","interfaces":[{"name":"eth0","sandbox":"/ns"}],
         "ips":[{"address":"192.168.3.7/24","interface":0}]}""",
            "1.1.0");
    assertEquals(List.of("192.168.3.7"), r.podIps());
    assertNull(r.ips().get(0).gateway());
  }

  @Test
  void parsesVersion03And04ResultsWithIpVersionField() throws IOException {
    for (String version : List.of("0.3.0", "0.3.1", "0.4.0")) {
      CniResult r =
          parse(
              """
          {"cniVersion":"%s","interfaces":[{"name":"eth0","sandbox":"/ns"}],
           "ips":[{"version":"4","address":"10.1.2.3/24","gateway":"10.1.2.1","interface":0},
                  {"version":"6","address":"2001:db8::3/64","interface":0}]}"""
                  .formatted(version),
              "1.0.0");
      assertEquals(version, r.cniVersion());
      assertEquals(List.of("10.1.2.3", "2001:db8::3"), r.podIps());
    }
  }

  @Test
  void versionFieldThatContradictsTheAddressIsAnError() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                parse(
                    """
        {"cniVersion":"0.3.1","ips":[{"version":"6","address":"10.1.2.3/24"}]}""",
                    "0.3.1"));
    assertTrue(e.getMessage().contains("not IPv6"), e.getMessage());
  }

  @Test
  void parsesVersion02ResultAndFallsBackToConfigVersion() throws IOException {
    CniResult r =
        parse(
            """
        {"ip4":{"ip":"10.5.0.9/16","gateway":"10.5.0.1","routes":[{"dst":"0.0.0.0/0"}]},
         "ip6":{"ip":"fd01::9/64"},"dns":{"nameservers":["1.1.1.1"]}}""",
            "0.2.0");
    assertEquals("0.2.0", r.cniVersion());
    assertEquals(List.of("10.5.0.9", "fd01::9"), r.podIps());
    assertEquals("0.0.0.0/0", r.routes().get(0).dst());
    assertEquals(List.of("1.1.1.1"), r.dns().nameservers());
  }

  @Test
  void ipWithoutAddressIsAnError() {
    assertThrows(
        IOException.class,
        () -> parse("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"gateway\":\"1.1.1.1\"}]}", "1.0.0"));
    assertThrows(IOException.class, () -> parse("[]", "1.0.0"));
  }
}
