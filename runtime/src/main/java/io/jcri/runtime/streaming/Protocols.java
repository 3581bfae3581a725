package io.jcri.runtime.streaming;

import java.util.List;

/** The sub-protocols of kubelet's streaming API and how they differ. */
final class Protocols {
  static final String V1 = "channel.k8s.io";
  static final String V2 = "v2.channel.k8s.io";
  static final String V3 = "v3.channel.k8s.io";
  static final String V4 = "v4.channel.k8s.io";
  static final String V5 = "v5.channel.k8s.io";
  static final String PORT_FORWARD = "portforward.k8s.io";
  static final String V4_PORT_FORWARD = "v4.portforward.k8s.io";

  /** Preferred first; a client's own order decides among them. */
  static final List<String> SPDY_COMMAND = List.of(V4, V3, V2, V1);

  static final List<String> SPDY_PORT_FORWARD = List.of(PORT_FORWARD);
  static final List<String> WEBSOCKET_COMMAND = List.of(V5, V4, V1);
  // kubelet itself names its port-forward websocket protocol v4.channel.k8s.io; clients also send
  // these
  static final List<String> WEBSOCKET_PORT_FORWARD = List.of(V4_PORT_FORWARD, PORT_FORWARD, V4, V1);

  private Protocols() {}

  /**
   * The first protocol the client offers that the server supports; the oldest one when the client
   * offers none (clients from before negotiation); null when nothing matches.
   */
  static String negotiate(List<String> offered, List<String> supported) {
    if (offered.isEmpty()) {
      return supported.getLast();
    }
    for (String p : offered) {
      if (supported.contains(p)) {
        return p;
      }
    }
    return null;
  }

  /**
   * v4 and later report every outcome on the error stream as a status object; earlier ones send
   * only an error's text.
   */
  static boolean statusAsJson(String protocol) {
    return protocol.equals(V4) || protocol.equals(V5);
  }

  /** Whether a SPDY client of this protocol opens a resize stream for a TTY. */
  static boolean spdyResize(String protocol) {
    return protocol.equals(V3) || protocol.equals(V4);
  }
}
