package io.jcri.it.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Images the tests build themselves from Debian's busybox-static and push to a {@link
 * LocalRegistry}. {@link #busybox()} is the everyday image; the builders make the special ones
 * (multi-layer, multi-platform index, zstd, whiteouts, USER variants, hostile).
 */
public final class TestImages {
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

  /** Applets linked to /bin/busybox; the first few are hard links, the rest symlinks. */
  public static final List<String> APPLETS =
      List.of(
          "sh",
          "echo",
          "cat",
          "sleep",
          "id",
          "ls",
          "env",
          "hostname",
          "mount",
          "grep",
          "nc",
          "httpd",
          "wget",
          "top",
          "ps",
          "true",
          "false",
          "touch",
          "mkdir",
          "rm",
          "head",
          "tail",
          "wc",
          "stat",
          "test",
          "whoami",
          "date",
          "uname",
          "kill",
          "ip",
          "ifconfig",
          "cp",
          "mv",
          "chmod",
          "printf",
          "find",
          "xargs",
          "sed",
          "awk",
          "tee",
          "df",
          "du",
          "nslookup",
          "ping",
          "dd",
          "sync",
          "readlink",
          "ln",
          "stty");

  private static final int HARDLINKED = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String busybox;

  private TestImages() {}

  /** {@code 127.0.0.1:PORT/test/busybox:latest} on the shared registry, built and pushed once. */
  public static synchronized String busybox() {
    if (busybox == null) {
      busybox =
          image(LocalRegistry.shared(), "test/busybox")
              .layer(busyboxLayer())
              .cmd("sh")
              .push("latest")
              .reference();
    }
    return busybox;
  }

  /** A root filesystem: /bin/busybox, applet links, /etc/passwd and /etc/group, the usual dirs. */
  public static Layer busyboxLayer() {
    return busyboxRootfs().build();
  }

  public static Layer.Builder busyboxRootfs() {
    byte[] busyboxBinary;
    try {
      busyboxBinary = Files.readAllBytes(Path.of("/bin/busybox"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Layer.Builder b = Layer.builder();
    for (String d :
        List.of(
            "bin", "etc", "dev", "proc", "sys", "root", "home", "var", "run", "usr", "usr/bin")) {
      b.dir(d, d.equals("root") ? 0700 : 0755);
    }
    b.dir("tmp", 01777);
    b.file("bin/busybox", 0755, busyboxBinary);
    for (int i = 0; i < APPLETS.size(); i++) {
      String applet = "bin/" + APPLETS.get(i);
      if (i < HARDLINKED) {
        b.hardlink(applet, "bin/busybox");
      } else {
        b.symlink(applet, "busybox");
      }
    }
    b.symlink("usr/bin/env", "../../bin/busybox");
    b.file(
        "etc/passwd",
        0644,
        """
        root:x:0:0:root:/root:/bin/sh
        daemon:x:1:1:daemon:/usr/sbin:/bin/false
        jcri:x:1000:1000:jcri test user:/home/jcri:/bin/sh
        nobody:x:65534:65534:nobody:/nonexistent:/bin/false
        """);
    b.file(
        "etc/group",
        0644,
        """
        root:x:0:
        daemon:x:1:
        jcri:x:1000:
        audio:x:29:jcri
        nogroup:x:65534:
        """);
    b.dir("home/jcri", 0755);
    b.file("etc/hostname", 0644, "busybox\n");
    return b;
  }

  public static ImageBuilder image(LocalRegistry registry, String repository) {
    return new ImageBuilder(registry, repository);
  }

  /** A pushed manifest: reference is host/repo:tag (or host/repo@digest when pushed by digest). */
  public record Pushed(
      String reference,
      String repository,
      String manifestDigest,
      String mediaType,
      int manifestSize,
      String configDigest,
      List<Layer> layers,
      String os,
      String architecture,
      String variant) {
    /** host/repo@sha256:… */
    public String digestReference() {
      int at = reference.indexOf('@');
      String name =
          at >= 0 ? reference.substring(0, at) : reference.substring(0, reference.lastIndexOf(':'));
      return name + "@" + manifestDigest;
    }

    /** What CRI calls the image ID: the config digest. */
    public String imageId() {
      return configDigest;
    }
  }

  /** Builds config + manifest for a list of layers and pushes all of it. */
  public static final class ImageBuilder {
    private final LocalRegistry registry;
    private final String repository;
    private final List<Layer> layers = new ArrayList<>();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private final List<String> env =
        new ArrayList<>(
            List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    private List<String> entrypoint = List.of();
    private List<String> cmd = List.of();
    private String user = "";
    private String workingDir = "";
    private String stopSignal = "";
    private String os = "linux";
    private String architecture = "amd64";
    private String variant = "";
    private boolean docker;

    private ImageBuilder(LocalRegistry registry, String repository) {
      this.registry = registry;
      this.repository = repository;
    }

    public ImageBuilder layer(Layer layer) {
      layers.add(layer);
      return this;
    }

    public ImageBuilder entrypoint(String... argv) {
      entrypoint = List.of(argv);
      return this;
    }

    public ImageBuilder cmd(String... argv) {
      cmd = List.of(argv);
      return this;
    }

    public ImageBuilder user(String user) {
      this.user = user;
      return this;
    }

    public ImageBuilder env(String keyValue) {
      env.add(keyValue);
      return this;
    }

    public ImageBuilder workingDir(String dir) {
      workingDir = dir;
      return this;
    }

    public ImageBuilder stopSignal(String signal) {
      stopSignal = signal;
      return this;
    }

    public ImageBuilder label(String key, String value) {
      labels.put(key, value);
      return this;
    }

    public ImageBuilder platform(String os, String architecture, String variant) {
      this.os = os;
      this.architecture = architecture;
      this.variant = variant;
      return this;
    }

    /** Docker schema2 media types instead of OCI. */
    public ImageBuilder docker() {
      docker = true;
      return this;
    }

    public byte[] configJson() {
      ObjectNode config = JSON.createObjectNode();
      config.put("architecture", architecture).put("os", os);
      if (!variant.isEmpty()) {
        config.put("variant", variant);
      }
      config.put("created", "2024-01-01T00:00:00Z");
      ObjectNode c = config.putObject("config");
      if (!user.isEmpty()) {
        c.put("User", user);
      }
      env.forEach(c.putArray("Env")::add);
      if (!entrypoint.isEmpty()) {
        entrypoint.forEach(c.putArray("Entrypoint")::add);
      }
      if (!cmd.isEmpty()) {
        cmd.forEach(c.putArray("Cmd")::add);
      }
      if (!workingDir.isEmpty()) {
        c.put("WorkingDir", workingDir);
      }
      if (!stopSignal.isEmpty()) {
        c.put("StopSignal", stopSignal);
      }
      if (!labels.isEmpty()) {
        ObjectNode l = c.putObject("Labels");
        labels.forEach(l::put);
      }
      ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
      ArrayNode diffIds = rootfs.putArray("diff_ids");
      layers.forEach(layer -> diffIds.add(layer.diffId()));
      return bytes(config);
    }

    /** Pushes blobs and the manifest under tag (null: by digest only). */
    public Pushed push(String tag) {
      byte[] config = configJson();
      String configDigest = registry.putBlob(repository, config);
      ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2);
      String mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
      manifest.put("mediaType", mediaType);
      manifest.set(
          "config", descriptor(docker ? DOCKER_CONFIG : OCI_CONFIG, configDigest, config.length));
      ArrayNode layerArray = manifest.putArray("layers");
      for (Layer layer : layers) {
        registry.putBlob(repository, layer.blob());
        layerArray.add(
            descriptor(
                docker ? layer.dockerMediaType() : layer.mediaType(),
                layer.digest(),
                layer.blob().length));
      }
      byte[] manifestBytes = bytes(manifest);
      String digest = registry.putManifest(repository, tag, mediaType, manifestBytes);
      String reference =
          registry.host() + "/" + repository + (tag == null ? "@" + digest : ":" + tag);
      return new Pushed(
          reference,
          repository,
          digest,
          mediaType,
          manifestBytes.length,
          configDigest,
          List.copyOf(layers),
          os,
          architecture,
          variant);
    }
  }

  /**
   * Pushes an image index (OCI) or manifest list (docker) over images already pushed to repository.
   */
  public static Pushed pushIndex(
      LocalRegistry registry, String repository, String tag, boolean docker, List<Pushed> images) {
    ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
    String mediaType = docker ? DOCKER_LIST : OCI_INDEX;
    index.put("mediaType", mediaType);
    ArrayNode manifests = index.putArray("manifests");
    for (Pushed image : images) {
      ObjectNode d = descriptor(image.mediaType(), image.manifestDigest(), image.manifestSize());
      ObjectNode platform =
          d.putObject("platform").put("architecture", image.architecture()).put("os", image.os());
      if (!image.variant().isEmpty()) {
        platform.put("variant", image.variant());
      }
      manifests.add(d);
    }
    byte[] bytes = bytes(index);
    String digest = registry.putManifest(repository, tag, mediaType, bytes);
    return new Pushed(
        registry.host() + "/" + repository + ":" + tag,
        repository,
        digest,
        mediaType,
        bytes.length,
        null,
        List.of(),
        "",
        "",
        "");
  }

  /** A small layer holding one file; different content gives a different layer. */
  public static Layer fileLayer(String path, String content) {
    return Layer.builder().file(path, 0644, content).build();
  }

  /** Hostile layers: each must make the pull fail and write nothing outside the store. */
  public static Layer dotDotLayer(String marker) {
    return Layer.builder()
        .dir("a", 0755)
        .rawFile("a/../../" + marker, "escaped\n".getBytes(StandardCharsets.UTF_8))
        .build();
  }

  public static Layer absolutePathLayer(Path outside) {
    return Layer.builder()
        .rawFile(outside.toString(), "escaped\n".getBytes(StandardCharsets.UTF_8))
        .build();
  }

  /** A symlink to a host directory, then a file written "through" it. */
  public static Layer symlinkEscapeLayer(Path outsideDir) {
    return Layer.builder()
        .symlink("escape", outsideDir.toString())
        .file("escape/pwned", 0644, "escaped\n")
        .build();
  }

  /** A relative symlink climbing out, then a file written through it. */
  public static Layer relativeSymlinkEscapeLayer(Path outsideDir) {
    return Layer.builder()
        .symlink("up", "../../../../../../../../.." + outsideDir)
        .file("up/pwned", 0644, "escaped\n")
        .build();
  }

  public static Layer hardlinkOutsideLayer() {
    return Layer.builder().hardlink("passwd-copy", "/etc/passwd").build();
  }

  private static ObjectNode descriptor(String mediaType, String digest, long size) {
    return JSON.createObjectNode()
        .put("mediaType", mediaType)
        .put("digest", digest)
        .put("size", size);
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
