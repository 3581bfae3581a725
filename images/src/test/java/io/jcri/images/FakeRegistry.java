package io.jcri.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jcri.images.registry.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal distribution v2 server for the faults a real registry cannot produce: wrong bytes,
 * truncated bodies, stalls, oversized manifests; plus an optional Bearer token realm.
 */
final class FakeRegistry implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  enum Fault {
    NONE,
    WRONG_BYTES,
    TRUNCATE,
    STALL
  }

  private final HttpServer server;
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final Map<String, String[]> manifests =
      new ConcurrentHashMap<>(); // repo:ref -> {type, body}
  final Map<String, Fault> blobFaults = new ConcurrentHashMap<>();
  final AtomicInteger blobRequests = new AtomicInteger();
  volatile String
      requiredUserPass; // when set: Bearer tokens, issued against these Basic credentials

  FakeRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/v2/", this::serve);
    server.createContext("/token", this::token);
    server.start();
  }

  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  String blob(byte[] content) {
    String d = Digests.sha256(content);
    blobs.put(d, content);
    return d;
  }

  String manifest(String repo, String ref, String mediaType, byte[] body) {
    String d = Digests.sha256(body);
    manifests.put(
        repo + ":" + ref,
        new String[] {mediaType, new String(body, java.nio.charset.StandardCharsets.ISO_8859_1)});
    manifests.put(repo + ":" + d, manifests.get(repo + ":" + ref));
    return d;
  }

  /** Pushes an image of the given (compressed) layers; returns {configDigest, manifestDigest}. */
  String[] image(
      String repo,
      String tag,
      String arch,
      String user,
      List<byte[]> tars,
      List<byte[]> blobsOfLayers) {
    ObjectNode config = JSON.createObjectNode().put("architecture", arch).put("os", "linux");
    ObjectNode c = config.putObject("config");
    if (user != null) {
      c.put("User", user);
    }
    c.putArray("Entrypoint").add("/bin/app");
    c.putArray("Env").add("A=1");
    c.putObject("Labels").put("l", "v");
    ArrayNode diffIds = config.putObject("rootfs").put("type", "layers").putArray("diff_ids");
    tars.forEach(t -> diffIds.add(Digests.sha256(t)));
    byte[] configBytes = bytes(config);
    String configDigest = blob(configBytes);
    ObjectNode m =
        JSON.createObjectNode()
            .put("schemaVersion", 2)
            .put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    m.putObject("config")
        .put("mediaType", "application/vnd.oci.image.config.v1+json")
        .put("digest", configDigest)
        .put("size", configBytes.length);
    ArrayNode layers = m.putArray("layers");
    for (byte[] b : blobsOfLayers) {
      layers
          .addObject()
          .put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")
          .put("digest", blob(b))
          .put("size", b.length);
    }
    String md =
        manifest(
            repo,
            tag == null ? "untagged-" + configDigest : tag,
            "application/vnd.oci.image.manifest.v1+json",
            bytes(m));
    return new String[] {configDigest, md, String.valueOf(bytes(m).length)};
  }

  static byte[] bytes(Object node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void token(HttpExchange ex) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String expected =
        "Basic " + java.util.Base64.getEncoder().encodeToString(requiredUserPass.getBytes());
    if (!expected.equals(auth)) {
      respond(ex, 401, "application/json", "{}".getBytes());
      return;
    }
    respond(ex, 200, "application/json", "{\"token\":\"tok-1\",\"expires_in\":300}".getBytes());
  }

  private void serve(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (requiredUserPass != null
        && !"Bearer tok-1".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
      ex.getResponseHeaders()
          .add(
              "WWW-Authenticate",
              "Bearer realm=\"http://"
                  + host()
                  + "/token\",service=\"fake\",scope=\"repository:x:pull\"");
      respond(ex, 401, "application/json", "{}".getBytes());
      return;
    }
    int m = path.indexOf("/manifests/");
    int b = path.indexOf("/blobs/");
    if (m > 0) {
      String[] entry = manifests.get(path.substring(4, m) + ":" + path.substring(m + 11));
      if (entry == null) {
        respond(ex, 404, "application/json", "{}".getBytes());
      } else {
        respond(ex, 200, entry[0], entry[1].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      }
    } else if (b > 0) {
      blobRequests.incrementAndGet();
      String digest = path.substring(b + 7);
      byte[] content = blobs.get(digest);
      if (content == null) {
        respond(ex, 404, "application/json", "{}".getBytes());
        return;
      }
      switch (blobFaults.getOrDefault(digest, Fault.NONE)) {
        case NONE -> respond(ex, 200, "application/octet-stream", content);
        case WRONG_BYTES -> {
          byte[] wrong = content.clone();
          wrong[wrong.length - 1] ^= 1;
          respond(ex, 200, "application/octet-stream", wrong);
        }
        case TRUNCATE -> {
          ex.sendResponseHeaders(200, content.length);
          OutputStream out = ex.getResponseBody();
          out.write(content, 0, content.length / 2);
          out.flush();
          ex.close();
        }
        case STALL -> {
          ex.sendResponseHeaders(200, content.length);
          OutputStream out = ex.getResponseBody();
          out.write(content, 0, Math.min(10, content.length));
          out.flush();
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException ignored) {
            Thread.currentThread().interrupt();
          }
          ex.close();
        }
      }
    } else {
      respond(ex, 200, "application/json", "{}".getBytes());
    }
  }

  private static void respond(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().add("Content-Type", type);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
