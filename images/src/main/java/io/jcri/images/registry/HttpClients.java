package io.jcri.images.registry;

import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The registry client's two HTTP clients, each built on first use: one that verifies TLS, and one
 * that trusts any certificate, for registries configured as insecure.
 */
final class HttpClients {
  private final Duration connectTimeout;
  // built on first use: an HttpClient (TLS context, selector thread) costs ~0.2 s of daemon
  // start-up
  private volatile HttpClient http;
  private volatile HttpClient unverifiedTls;

  HttpClients(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  /** The client for an endpoint: unverified is true for an insecure registry over HTTPS. */
  HttpClient client(boolean unverified) {
    HttpClient c = unverified ? unverifiedTls : http;
    if (c != null) {
      return c;
    }
    synchronized (this) {
      if (unverified && unverifiedTls == null) {
        unverifiedTls =
            HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(connectTimeout)
                .sslContext(trustAll())
                .build();
      } else if (!unverified && http == null) {
        http =
            HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(connectTimeout)
                .build();
      }
      return unverified ? unverifiedTls : http;
    }
  }

  private static SSLContext trustAll() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(
          null,
          new javax.net.ssl.TrustManager[] {
            new X509ExtendedTrustManager() {
              @Override
              public void checkClientTrusted(X509Certificate[] c, String a, java.net.Socket s) {}

              @Override
              public void checkServerTrusted(X509Certificate[] c, String a, java.net.Socket s) {}

              @Override
              public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}

              @Override
              public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}

              @Override
              public void checkClientTrusted(X509Certificate[] c, String a) {}

              @Override
              public void checkServerTrusted(X509Certificate[] c, String a) {}

              @Override
              public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
              }
            }
          },
          null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
