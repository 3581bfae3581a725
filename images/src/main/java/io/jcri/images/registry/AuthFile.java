package io.jcri.images.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.images.Credentials;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.logging.Logger;

/**
 * A docker-style auth.json ({@code {"auths": {"host": {"auth": "base64(user:pass)"}}}}), read on
 * each lookup so that edits apply without a restart. Keys may be bare hosts or URLs.
 */
public final class AuthFile {
  private static final Logger LOG = Logger.getLogger(AuthFile.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;

  public AuthFile(Path file) {
    this.file = file;
  }

  public Credentials lookup(String host) {
    if (file == null || !Files.isRegularFile(file)) {
      return Credentials.NONE;
    }
    JsonNode auths;
    try {
      auths = JSON.readTree(file.toFile()).path("auths");
    } catch (IOException e) {
      LOG.warning("event=auth_file_unreadable file=" + file + " error=\"" + e.getMessage() + "\"");
      return Credentials.NONE;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (matches(e.getKey(), host)) {
        JsonNode n = e.getValue();
        return new Credentials(
            n.path("username").asText(""),
            n.path("password").asText(""),
            n.path("auth").asText(""),
            n.path("identitytoken").asText(""),
            n.path("registrytoken").asText(""));
      }
    }
    return Credentials.NONE;
  }

  static boolean matches(String key, String host) {
    String k = key.contains("://") ? authority(key) : key.split("/", 2)[0];
    if (k.equals(host)) {
      return true;
    }
    boolean hub = host.equals("docker.io") || host.equals("registry-1.docker.io");
    return hub
        && (k.equals("index.docker.io")
            || k.equals("docker.io")
            || k.equals("registry-1.docker.io"));
  }

  private static String authority(String url) {
    try {
      String a = URI.create(url).getRawAuthority();
      return a == null ? url : a;
    } catch (IllegalArgumentException e) {
      return url;
    }
  }
}
