package io.jcri.images.reference;

import io.jcri.images.ImageException;
import io.jcri.images.ImageException.Reason;
import java.util.regex.Pattern;

/**
 * A normalised image reference: {@code busybox} becomes {@code docker.io/library/busybox:latest}.
 * {@code tag} is null when only a digest was given; {@code digest} is null unless one was given.
 */
public record Reference(String domain, String path, String tag, String digest) {
  public static final String DOCKER_HUB = "docker.io";

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern DIGEST =
      Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}");
  private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");
  private static final Pattern DOMAIN =
      Pattern.compile(
          "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:.]+\\])"
              + "(?::[0-9]+)?");
  private static final int MAX_NAME = 255;

  public static Reference parse(String text) {
    if (text == null || text.isEmpty()) {
      throw invalid(text, "empty reference");
    }
    String rest = text;
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      if (!DIGEST.matcher(digest).matches()
          || (digest.startsWith("sha256:") && !SHA256.matcher(digest).matches())) {
        throw invalid(text, "bad digest");
      }
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw invalid(text, "bad tag");
      }
    }
    String domain;
    String path;
    int slash = rest.indexOf('/');
    String first = slash < 0 ? rest : rest.substring(0, slash);
    if (slash >= 0
        && (first.contains(".")
            || first.contains(":")
            || first.startsWith("[")
            || first.equals("localhost")
            || !first.equals(first.toLowerCase()))) {
      domain = first;
      path = rest.substring(slash + 1);
      if (!DOMAIN.matcher(domain).matches()) {
        throw invalid(text, "bad registry host");
      }
    } else {
      domain = DOCKER_HUB;
      path = rest;
    }
    if (domain.equals("index.docker.io")) {
      domain = DOCKER_HUB;
    }
    if (domain.equals(DOCKER_HUB) && !path.contains("/")) {
      path = "library/" + path;
    }
    for (String component : path.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw invalid(text, "bad repository name");
      }
    }
    if (domain.length() + 1 + path.length() > MAX_NAME) {
      throw invalid(text, "name longer than " + MAX_NAME);
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new Reference(domain, path, tag, digest);
  }

  /** domain/path, the repository name as RepoTags and RepoDigests spell it. */
  public String name() {
    return domain + "/" + path;
  }

  /** What to ask the registry's manifests endpoint for: the digest if given, else the tag. */
  public String manifestKey() {
    return digest != null ? digest : tag;
  }

  /** name:tag, or null when the reference was by digest only. */
  public String tagged() {
    return tag == null ? null : name() + ":" + tag;
  }

  public String withDigest(String manifestDigest) {
    return name() + "@" + manifestDigest;
  }

  @Override
  public String toString() {
    return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }

  public static boolean isSha256(String text) {
    return SHA256.matcher(text).matches();
  }

  private static ImageException invalid(String text, String why) {
    return new ImageException(
        Reason.INVALID_REFERENCE, "invalid image reference \"" + text + "\": " + why);
  }
}
