package io.jcri.runtime.streaming;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the streaming server listens and how long a URL it hands out stays valid.
 *
 * @param port 0 picks any free port
 * @param tlsCert PEM certificate chain; with {@code tlsKey} (PKCS#8 PEM) turns on HTTPS; both null
 *     means plain HTTP
 */
public record StreamingOptions(
    String address, int port, Duration tokenTtl, Path tlsCert, Path tlsKey) {
  public StreamingOptions {
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("streaming address is empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("streaming port out of range: " + port);
    }
    if (tokenTtl == null || tokenTtl.isNegative() || tokenTtl.isZero()) {
      throw new IllegalArgumentException("streaming token ttl must be positive");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("streaming TLS needs both a certificate and a key");
    }
  }

  /** Loopback, any free port, one-minute tokens (kubelet's default), plain HTTP. */
  public static StreamingOptions defaults() {
    return new StreamingOptions("127.0.0.1", 0, Duration.ofMinutes(1), null, null);
  }

  boolean tls() {
    return tlsCert != null;
  }
}
