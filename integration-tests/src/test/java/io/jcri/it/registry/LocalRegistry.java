package io.jcri.it.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Debian's {@code docker-registry} (distribution v2) on a free 127.0.0.1 port, plain HTTP, with its
 * storage in a temporary directory. Each variant starts once per JVM and stops at exit. Pushes go
 * through the registry's HTTP API, so nothing but the registry binary is needed.
 */
public final class LocalRegistry {
  public static final String USERNAME = "jcri";
  public static final String PASSWORD = "secret";
  // bcrypt (cost 4) of PASSWORD: the registry's htpasswd accepts bcrypt only and Debian ships no
  // htpasswd tool
  private static final String PASSWORD_BCRYPT =
      "$2b$04$bHx.cevESGjx7ofXxWCrP.w4PlylxO4FSusUSnaP2EjwJO9Z.KSES";
  private static final Path BINARY = Path.of("/usr/bin/docker-registry");

  private static LocalRegistry open;
  private static LocalRegistry basicAuth;

  private final String host;
  private final String authorization;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private LocalRegistry(String host, String authorization) {
    this.host = host;
    this.authorization = authorization;
  }

  /** The shared registry without authentication. */
  public static synchronized LocalRegistry shared() {
    if (open == null) {
      open = start(false);
    }
    return open;
  }

  /** A second registry that demands HTTP Basic credentials {@link #USERNAME}/{@link #PASSWORD}. */
  public static synchronized LocalRegistry withBasicAuth() {
    if (basicAuth == null) {
      basicAuth = start(true);
    }
    return basicAuth;
  }

  /** host:port, e.g. {@code 127.0.0.1:40123}; the prefix of every reference served here. */
  public String host() {
    return host;
  }

  public URI base() {
    return URI.create("http://" + host);
  }

  public boolean requiresAuth() {
    return authorization != null;
  }

  private static LocalRegistry start(boolean withAuth) {
    try {
      Path dir = Files.createTempDirectory("jcri-registry");
      int port = freePort();
      String host = "127.0.0.1:" + port;
      String auth = "";
      if (withAuth) {
        Files.writeString(dir.resolve("htpasswd"), USERNAME + ":" + PASSWORD_BCRYPT + "\n");
        auth =
            """
            auth:
              htpasswd:
                realm: jcri-test
                path: %s
            """
                .formatted(dir.resolve("htpasswd"));
      }
      Files.writeString(
          dir.resolve("config.yml"),
          """
          version: 0.1
          log:
            level: warn
            accesslog:
              disabled: true
          storage:
            filesystem:
              rootdirectory: %s
            delete:
              enabled: true
          http:
            addr: %s
            secret: jcri-test-secret
          %s"""
              .formatted(dir.resolve("data"), host, auth));
      ProcessBuilder pb =
          new ProcessBuilder(BINARY.toString(), "serve", dir.resolve("config.yml").toString());
      pb.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_"));
      pb.redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile());
      Process process = pb.start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    process.destroy();
                    try {
                      process.waitFor();
                    } catch (InterruptedException ignored) {
                      Thread.currentThread().interrupt();
                    }
                    deleteTree(dir);
                  }));
      String authorization =
          withAuth
              ? "Basic "
                  + Base64.getEncoder()
                      .encodeToString((USERNAME + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8))
              : null;
      LocalRegistry registry = new LocalRegistry(host, authorization);
      registry.awaitReady(process, dir.resolve("registry.log"));
      return registry;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitReady(Process process, Path log) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited: " + Files.readString(log));
      }
      try {
        int status =
            http.send(
                    HttpRequest.newBuilder(base().resolve("/v2/")).build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode();
        if (status == 200 || status == 401) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      sleep(50);
    }
    throw new IOException("docker-registry did not answer on " + host);
  }

  /**
   * Uploads a blob (monolithic upload) unless the repository has it already; returns its digest.
   */
  public String putBlob(String repository, byte[] content) {
    String digest = sha256(content);
    if (send(request("/v2/" + repository + "/blobs/" + digest)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()))
            .statusCode()
        == 200) {
      return digest;
    }
    HttpResponse<String> started =
        send(
            request("/v2/" + repository + "/blobs/uploads/")
                .POST(HttpRequest.BodyPublishers.noBody()));
    expect(started, 202, "start upload");
    String location = started.headers().firstValue("Location").orElseThrow();
    URI upload = base().resolve(location);
    String sep = upload.getRawQuery() == null ? "?" : "&";
    HttpRequest.Builder put =
        HttpRequest.newBuilder(URI.create(upload + sep + "digest=" + digest))
            .header("Content-Type", "application/octet-stream")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(content));
    expect(send(authorize(put)), 201, "finish upload of " + digest);
    return digest;
  }

  /** PUTs a manifest under a tag or, with tag null, under its digest; returns its digest. */
  public String putManifest(String repository, String tag, String mediaType, byte[] manifest) {
    String digest = sha256(manifest);
    HttpRequest.Builder put =
        request("/v2/" + repository + "/manifests/" + (tag == null ? digest : tag))
            .header("Content-Type", mediaType)
            .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest));
    expect(send(put), 201, "put manifest " + repository + ":" + tag);
    return digest;
  }

  /** Deletes a manifest by digest (the registry has deletes enabled). */
  public void deleteManifest(String repository, String digest) {
    expect(
        send(request("/v2/" + repository + "/manifests/" + digest).DELETE()),
        202,
        "delete " + digest);
  }

  public static String sha256(byte[] content) {
    try {
      return "sha256:"
          + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpRequest.Builder request(String path) {
    return authorize(HttpRequest.newBuilder(base().resolve(path)).timeout(Duration.ofMinutes(2)));
  }

  private HttpRequest.Builder authorize(HttpRequest.Builder builder) {
    return authorization == null ? builder : builder.header("Authorization", authorization);
  }

  private HttpResponse<String> send(HttpRequest.Builder builder) {
    try {
      return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void expect(HttpResponse<String> response, int status, String what) {
    if (response.statusCode() != status) {
      throw new IllegalStateException(
          what + ": HTTP " + response.statusCode() + " " + response.body());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind at JVM exit is harmless
    }
  }
}
