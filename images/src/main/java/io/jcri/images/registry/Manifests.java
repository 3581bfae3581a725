package io.jcri.images.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.images.ImageException;
import io.jcri.images.ImageException.Reason;
import io.jcri.images.reference.Reference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Reads OCI and Docker schema 2 manifests and indexes; picks the platform's manifest from an index.
 */
public final class Manifests {
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  private static final Set<String> LAYER_TYPES =
      Set.of(
          "application/vnd.oci.image.layer.v1.tar",
          "application/vnd.oci.image.layer.v1.tar+gzip",
          "application/vnd.oci.image.layer.v1.tar+zstd",
          "application/vnd.docker.image.rootfs.diff.tar.gzip",
          "application/vnd.docker.image.rootfs.diff.tar",
          "application/vnd.oci.image.layer.nondistributable.v1.tar",
          "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
          "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
          "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");
  private static final ObjectMapper JSON = new ObjectMapper();

  private Manifests() {}

  public enum Kind {
    INDEX,
    IMAGE
  }

  public record Descriptor(
      String mediaType, String digest, long size, String os, String architecture, String variant) {}

  public record ImageManifest(Descriptor config, List<Descriptor> layers) {}

  /**
   * Whether the manifest is an index/list or an image manifest; schema 1 and others are refused.
   */
  public static Kind kind(RegistryClient.Manifest m) {
    JsonNode root = read(m.body());
    String type = root.path("mediaType").asText(m.mediaType());
    if (type.isEmpty()) {
      type = m.mediaType();
    }
    if (root.path("schemaVersion").asInt() == 1
        || type.startsWith("application/vnd.docker.distribution.manifest.v1")) {
      throw new ImageException(
          Reason.UNSUPPORTED,
          "Docker image manifest schema 1 is not supported: "
              + "push the image again with a current tool (schema 2 or OCI)");
    }
    if (type.equals(OCI_INDEX)
        || type.equals(DOCKER_LIST)
        || (type.isEmpty() && root.has("manifests"))) {
      return Kind.INDEX;
    }
    if (type.equals(OCI_MANIFEST)
        || type.equals(DOCKER_MANIFEST)
        || (type.isEmpty() && root.has("layers"))) {
      return Kind.IMAGE;
    }
    throw new ImageException(
        Reason.UNSUPPORTED, "unsupported manifest media type \"" + type + "\"");
  }

  public static ImageManifest image(byte[] body) {
    JsonNode root = read(body);
    Descriptor config = descriptor(root.path("config"));
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode l : root.path("layers")) {
      Descriptor d = descriptor(l);
      if (!LAYER_TYPES.contains(d.mediaType())) {
        throw new ImageException(
            Reason.UNSUPPORTED, "unsupported layer media type \"" + d.mediaType() + "\"");
      }
      layers.add(d);
    }
    return new ImageManifest(config, layers);
  }

  /** The index entry for os/architecture; with a variant asked for, an exact variant wins. */
  public static Descriptor select(byte[] index, String os, String architecture, String variant) {
    List<Descriptor> candidates = new ArrayList<>();
    List<String> offered = new ArrayList<>();
    for (JsonNode n : read(index).path("manifests")) {
      Descriptor d = descriptor(n);
      offered.add(
          d.os() + "/" + d.architecture() + (d.variant().isEmpty() ? "" : "/" + d.variant()));
      if (d.os().equals(os) && d.architecture().equals(architecture)) {
        candidates.add(d);
      }
    }
    return candidates.stream()
        .min(Comparator.comparingInt(d -> rank(d.variant(), variant)))
        .filter(d -> variant.isEmpty() || rank(d.variant(), variant) < 2)
        .orElseThrow(
            () ->
                new ImageException(
                    Reason.UNSUPPORTED,
                    "no manifest for platform "
                        + os
                        + "/"
                        + architecture
                        + (variant.isEmpty() ? "" : "/" + variant)
                        + " in index (offered: "
                        + String.join(", ", offered)
                        + ")"));
  }

  private static int rank(String offered, String wanted) {
    if (offered.equals(wanted)) {
      return 0;
    }
    return offered.isEmpty() ? 1 : 2;
  }

  private static Descriptor descriptor(JsonNode n) {
    String digest = n.path("digest").asText("");
    if (!Reference.isSha256(digest)) {
      throw new ImageException(
          Reason.UNSUPPORTED, "descriptor digest \"" + digest + "\" is not sha256");
    }
    long size = n.path("size").asLong(-1);
    if (size < 0) {
      throw new ImageException(Reason.REGISTRY, "descriptor " + digest + " has no size");
    }
    JsonNode p = n.path("platform");
    return new Descriptor(
        n.path("mediaType").asText(""),
        digest,
        size,
        p.path("os").asText(""),
        p.path("architecture").asText(""),
        p.path("variant").asText(""));
  }

  static JsonNode read(byte[] body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new ImageException(Reason.REGISTRY, "manifest is not valid JSON: " + e.getMessage());
    }
  }
}
