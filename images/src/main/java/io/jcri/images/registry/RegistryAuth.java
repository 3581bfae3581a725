package io.jcri.images.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.images.Credentials;
import io.jcri.images.ImageException;
import io.jcri.images.ImageException.Reason;
import io.jcri.images.reference.Reference;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authorization of registry requests: the credentials (the CRI request's, else the auth file's), a
 * 401 challenge answered with Basic directly or Bearer through the token realm, and the tokens
 * cached per endpoint, scope and credentials.
 */
final class RegistryAuth {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AuthFile authFile;
  private final HttpClients clients;
  private final Duration timeout;
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();

  private record Token(String header, long expiresAtNanos) {}

  RegistryAuth(AuthFile authFile, HttpClients clients, Duration timeout) {
    this.authFile = authFile;
    this.clients = clients;
    this.timeout = timeout;
  }

  /** The authorization of one request to endpoint for ref's repository. */
  Authorization forRequest(RegistryClient.Endpoint endpoint, Reference ref, Credentials criAuth) {
    String scope = "repository:" + ref.path() + ":pull";
    Credentials creds =
        criAuth.isEmpty()
            ? authFile.lookup(endpoint.mirror() ? endpoint.authority() : ref.domain())
            : criAuth;
    // tokens are cached per credentials too: one pull's token must never serve another pull's
    // request
    String cacheKey = endpoint.authority() + " " + scope + " " + fingerprint(creds);
    return new Authorization(endpoint, scope, creds, cacheKey);
  }

  /** What one request sends first (a cached token, if any) and how it answers a 401. */
  final class Authorization {
    private final RegistryClient.Endpoint endpoint;
    private final String scope;
    private final Credentials creds;
    private final String cacheKey;

    private Authorization(
        RegistryClient.Endpoint endpoint, String scope, Credentials creds, String cacheKey) {
      this.endpoint = endpoint;
      this.scope = scope;
      this.creds = creds;
      this.cacheKey = cacheKey;
    }

    /** The Authorization header of a still valid cached token, or null. */
    String cachedHeader() {
      Token cached = tokens.get(cacheKey);
      return cached != null && cached.expiresAtNanos() > System.nanoTime() ? cached.header() : null;
    }

    /**
     * The Authorization header that answers the WWW-Authenticate challenge (null when there was
     * none); cached.
     */
    String answer(String wwwAuthenticate) throws IOException {
      Token token =
          RegistryAuth.this.answer(endpoint, Challenge.parse(wwwAuthenticate), scope, creds);
      tokens.put(cacheKey, token);
      return token.header();
    }
  }

  /**
   * Turns a 401 challenge into an Authorization header: Basic directly, Bearer through the token
   * realm.
   */
  private Token answer(
      RegistryClient.Endpoint endpoint, Challenge challenge, String scope, Credentials creds)
      throws IOException {
    long forever = Long.MAX_VALUE;
    if (challenge == null) {
      throw new ImageException(
          Reason.UNAUTHORIZED, "registry " + endpoint.base() + " demands auth without a challenge");
    }
    String userPass = creds.userColonPassword();
    if (challenge.scheme().equals("basic")) {
      if (userPass == null) {
        throw new ImageException(
            Reason.UNAUTHORIZED, "registry " + endpoint.base() + " needs credentials");
      }
      return new Token(basic(userPass), forever);
    }
    if (!challenge.scheme().equals("bearer")) {
      throw new ImageException(
          Reason.UNAUTHORIZED, "unsupported auth scheme " + challenge.scheme());
    }
    if (!creds.registryToken().isEmpty()) {
      return new Token("Bearer " + creds.registryToken(), forever);
    }
    String realm = challenge.param("realm");
    if (realm.isEmpty()) {
      throw new ImageException(
          Reason.UNAUTHORIZED, "bearer challenge without realm from " + endpoint.base());
    }
    String service = challenge.param("service");
    String wantScope = challenge.param("scope").isEmpty() ? scope : challenge.param("scope");
    HttpRequest.Builder b;
    if (!creds.identityToken().isEmpty()) {
      String form =
          "grant_type=refresh_token&client_id=jcri&service="
              + enc(service)
              + "&scope="
              + enc(wantScope)
              + "&refresh_token="
              + enc(creds.identityToken());
      b =
          HttpRequest.newBuilder(URI.create(realm))
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString(form));
    } else {
      String sep = realm.contains("?") ? "&" : "?";
      b =
          HttpRequest.newBuilder(
                  URI.create(realm + sep + "service=" + enc(service) + "&scope=" + enc(wantScope)))
              .GET();
      if (userPass != null) {
        b.header("Authorization", basic(userPass));
      }
    }
    HttpResponse<String> r;
    try {
      r =
          clients
              .client(endpoint.unverifiedTls())
              .send(b.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (r.statusCode() != 200) {
      throw new ImageException(
          Reason.UNAUTHORIZED,
          "token server " + URI.create(realm).getHost() + " refused (HTTP " + r.statusCode() + ")");
    }
    JsonNode json = JSON.readTree(r.body());
    String token = json.path("token").asText(json.path("access_token").asText(""));
    if (token.isEmpty()) {
      throw new ImageException(Reason.UNAUTHORIZED, "token server answered without a token");
    }
    long seconds = Math.max(60, json.path("expires_in").asLong(60));
    // renew a little early so a token never expires in flight
    return new Token(
        "Bearer " + token, System.nanoTime() + Duration.ofSeconds(seconds - 10).toNanos());
  }

  private static String fingerprint(Credentials c) {
    return c.isEmpty()
        ? "anonymous"
        : Digests.sha256(
            (c.userColonPassword() + "\0" + c.identityToken() + "\0" + c.registryToken())
                .getBytes(StandardCharsets.UTF_8));
  }

  private static String basic(String userPass) {
    return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
