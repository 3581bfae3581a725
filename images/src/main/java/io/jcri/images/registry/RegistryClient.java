package io.jcri.images.registry;

import io.jcri.images.Credentials;
import io.jcri.images.ImageException;
import io.jcri.images.ImageException.Reason;
import io.jcri.images.ImageOptions;
import io.jcri.images.RegistryHost;
import io.jcri.images.reference.Reference;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Distribution v2 client: picks endpoints (mirrors first, then the host; HTTP for loopback and
 * HTTPS otherwise, unverified TLS or HTTP for insecure hosts), fetches manifests (size-bounded) and
 * blobs from the first endpoint that has them, with {@link RegistryAuth} answering challenges.
 * Thread-safe; one per store.
 */
public final class RegistryClient {
  public static final int MAX_MANIFEST_BYTES = 4 << 20;
  public static final List<String> MANIFEST_TYPES =
      List.of(
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.docker.distribution.manifest.list.v2+json",
          "application/vnd.docker.distribution.manifest.v1+prettyjws",
          "application/vnd.docker.distribution.manifest.v1+json");

  private final ImageOptions options;
  private final StallGuard stallGuard;
  private final HttpClients clients;
  private final RegistryAuth auth;

  /** Where one attempt goes: base is scheme://authority (plus a mirror's path prefix). */
  public record Endpoint(URI base, boolean unverifiedTls, boolean mirror) {
    String authority() {
      return base.getRawAuthority();
    }
  }

  /** A fetched manifest: its bytes, media type and digest (computed from the bytes). */
  public record Manifest(byte[] body, String mediaType, String digest) {}

  public RegistryClient(ImageOptions options) {
    this.options = options;
    this.stallGuard = new StallGuard(options.stallTimeout());
    this.clients = new HttpClients(options.stallTimeout());
    this.auth = new RegistryAuth(new AuthFile(options.authFile()), clients, options.stallTimeout());
  }

  /** The endpoints to try for a registry host, in order. */
  public List<Endpoint> endpoints(String host) {
    List<Endpoint> list = new ArrayList<>();
    RegistryHost settings = options.registry(host);
    for (URI mirror : settings.mirrors()) {
      String path =
          mirror.getRawPath() == null
              ? ""
              : mirror.getRawPath().replaceAll("/+$", "").replaceAll("/v2$", "");
      list.add(
          new Endpoint(
              URI.create(mirror.getScheme() + "://" + mirror.getRawAuthority() + path),
              false,
              true));
    }
    String authority = host.equals(Reference.DOCKER_HUB) ? "registry-1.docker.io" : host;
    if (isLoopback(host)) {
      list.add(new Endpoint(URI.create("http://" + authority), false, false));
    } else if (settings.insecure()) {
      list.add(new Endpoint(URI.create("https://" + authority), true, false));
      list.add(new Endpoint(URI.create("http://" + authority), false, false));
    } else {
      list.add(new Endpoint(URI.create("https://" + authority), false, false));
    }
    return list;
  }

  /** Fetches the manifest at key (tag or digest) from the first endpoint that has it. */
  public Fetched<Manifest> manifest(Reference ref, String key, Credentials criAuth) {
    return firstAnswer(
        ref,
        criAuth,
        endpoint -> {
          HttpResponse<InputStream> r =
              get(endpoint, ref, "/manifests/" + key, String.join(", ", MANIFEST_TYPES), criAuth);
          try (InputStream body = r.body()) {
            long declared = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (declared > MAX_MANIFEST_BYTES) {
              throw new ImageException(
                  Reason.REGISTRY,
                  "manifest of "
                      + ref.name()
                      + " is "
                      + declared
                      + " bytes, more than the limit of "
                      + MAX_MANIFEST_BYTES);
            }
            byte[] bytes = body.readNBytes(MAX_MANIFEST_BYTES + 1);
            if (bytes.length > MAX_MANIFEST_BYTES) {
              throw new ImageException(
                  Reason.REGISTRY,
                  "manifest of "
                      + ref.name()
                      + " exceeds the limit of "
                      + MAX_MANIFEST_BYTES
                      + " bytes");
            }
            String digest = Digests.sha256(bytes);
            if (Reference.isSha256(key) && !digest.equals(key)) {
              throw new ImageException(
                  Reason.REGISTRY,
                  "manifest " + key + " of " + ref.name() + " has digest " + digest);
            }
            String type = r.headers().firstValue("Content-Type").orElse("").split(";")[0].strip();
            return new Manifest(bytes, type, digest);
          }
        });
  }

  /**
   * Opens a blob for reading by the calling thread; the stream fails with {@link
   * StallGuard.Stalled} when no byte arrives for the stall timeout.
   */
  public Fetched<InputStream> blob(Reference ref, String digest, Credentials criAuth) {
    return firstAnswer(
        ref,
        criAuth,
        endpoint ->
            stallGuard.guard(get(endpoint, ref, "/blobs/" + digest, "*/*", criAuth).body()));
  }

  /** A value and the endpoint that served it (the pull logs where the bytes came from). */
  public record Fetched<T>(T value, Endpoint endpoint) {}

  private interface Attempt<T> {
    T run(Endpoint endpoint) throws IOException;
  }

  private <T> Fetched<T> firstAnswer(Reference ref, Credentials criAuth, Attempt<T> attempt) {
    ImageException last = null;
    List<String> tried = new ArrayList<>();
    for (Endpoint endpoint : endpoints(ref.domain())) {
      try {
        return new Fetched<>(attempt.run(endpoint), endpoint);
      } catch (ImageException e) {
        if (e.reason() == Reason.REGISTRY || e.reason() == Reason.DEADLINE) {
          throw e; // an answer, only a wrong one: trying elsewhere would hide the fault
        }
        last = e;
      } catch (HttpTimeoutException e) {
        last =
            new ImageException(
                Reason.DEADLINE,
                "registry "
                    + endpoint.base()
                    + " did not answer within "
                    + options.stallTimeout().toSeconds()
                    + "s");
      } catch (SSLException e) {
        last =
            new ImageException(
                Reason.UNAVAILABLE, "TLS with " + endpoint.base() + " failed: " + e.getMessage());
      } catch (ConnectException | UnknownHostException e) {
        last =
            new ImageException(
                Reason.UNAVAILABLE, "cannot reach registry " + endpoint.base() + ": " + e);
      } catch (StallGuard.Stalled e) {
        throw new ImageException(
            Reason.DEADLINE, "transfer from " + endpoint.base() + " stalled: " + e.getMessage());
      } catch (IOException e) {
        last = new ImageException(Reason.UNAVAILABLE, "registry " + endpoint.base() + ": " + e);
      }
      tried.add(last.getMessage());
    }
    // the last endpoint decides the reason; the message says what every endpoint answered
    throw tried.size() == 1
        ? last
        : new ImageException(last.reason(), String.join("; then ", tried));
  }

  private HttpResponse<InputStream> get(
      Endpoint endpoint, Reference ref, String path, String accept, Credentials criAuth)
      throws IOException {
    URI uri = URI.create(endpoint.base() + "/v2/" + ref.path() + path);
    RegistryAuth.Authorization authorization = auth.forRequest(endpoint, ref, criAuth);
    HttpResponse<InputStream> r = send(endpoint, uri, accept, authorization.cachedHeader());
    if (r.statusCode() == 401) {
      r.body().close();
      r =
          send(
              endpoint,
              uri,
              accept,
              authorization.answer(r.headers().firstValue("WWW-Authenticate").orElse(null)));
    }
    int status = r.statusCode();
    if (status == 200) {
      return r;
    }
    r.body().close();
    String what = ref.name() + path + " at " + endpoint.base();
    throw switch (status) {
      case 401, 403 ->
          new ImageException(
              Reason.UNAUTHORIZED, "registry refused access to " + what + " (HTTP " + status + ")");
      case 404 -> new ImageException(Reason.NOT_FOUND, "not found: " + what);
      default -> new ImageException(Reason.UNAVAILABLE, "HTTP " + status + " for " + what);
    };
  }

  private HttpResponse<InputStream> send(
      Endpoint endpoint, URI uri, String accept, String authorization) throws IOException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri)
            .timeout(options.stallTimeout())
            .header("Accept", accept)
            .header("User-Agent", "jcri")
            .GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    try {
      return clients
          .client(endpoint.unverifiedTls())
          .send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  static boolean isLoopback(String host) {
    String h = host;
    if (h.startsWith("[")) {
      h = h.substring(1, h.indexOf(']'));
    } else if (h.contains(":")) {
      h = h.substring(0, h.lastIndexOf(':'));
    }
    if (h.equals("localhost")) {
      return true;
    }
    if (!h.matches("[0-9.]+") && !h.contains(":")) {
      return false; // a name: no lookup, the answer must not depend on DNS
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
