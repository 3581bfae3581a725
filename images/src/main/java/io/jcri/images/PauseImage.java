package io.jcri.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.images.registry.Digests;
import io.jcri.images.registry.Manifests;
import io.jcri.images.store.ContentStore;
import io.jcri.images.store.Snapshots;
import io.jcri.images.unpack.LayerUnpacker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Date;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The blobs of the node-local pause image, built from one static binary and written into the store.
 * Fixed timestamps and key order make the same binary give the same digests on every start.
 * Building hashes the whole binary (≈ 0.1 s of CPU before the JIT warms up), so each start first
 * asks {@link #recordedConfigDigest} whether the binary is unchanged since the image was built.
 */
record PauseImage(
    byte[] layer,
    String layerDigest,
    byte[] config,
    String configDigest,
    byte[] manifest,
    String manifestDigest) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Date EPOCH = new Date(0);

  static PauseImage build(Path staticBinary) throws IOException {
    byte[] binary = Files.readAllBytes(staticBinary);
    ByteArrayOutputStream tarBytes = new ByteArrayOutputStream(binary.length + 8192);
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(tarBytes)) {
      for (String dir : new String[] {"dev/", "proc/", "sys/", "etc/"}) {
        TarArchiveEntry d = new TarArchiveEntry(dir, TarConstants.LF_DIR);
        d.setMode(0755);
        d.setModTime(EPOCH);
        tar.putArchiveEntry(d);
        tar.closeArchiveEntry();
      }
      TarArchiveEntry pause = new TarArchiveEntry("pause");
      pause.setMode(0755);
      pause.setSize(binary.length);
      pause.setModTime(EPOCH);
      tar.putArchiveEntry(pause);
      tar.write(binary);
      tar.closeArchiveEntry();
    }
    byte[] layer = tarBytes.toByteArray();
    String layerDigest = Digests.sha256(layer);

    ObjectNode config = JSON.createObjectNode().put("architecture", "amd64").put("os", "linux");
    ObjectNode c = config.putObject("config").put("User", "65535:65535");
    c.putArray("Entrypoint").add("/pause").add("-P");
    c.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    c.put("WorkingDir", "/");
    c.putObject("Labels").put("io.jcri.pause", "catatonit");
    config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(layerDigest);
    byte[] configBytes = JSON.writeValueAsBytes(config);
    String configDigest = Digests.sha256(configBytes);

    ObjectNode manifest =
        JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", Manifests.OCI_MANIFEST);
    manifest
        .putObject("config")
        .put("mediaType", "application/vnd.oci.image.config.v1+json")
        .put("digest", configDigest)
        .put("size", configBytes.length);
    manifest
        .putArray("layers")
        .addObject()
        .put("mediaType", "application/vnd.oci.image.layer.v1.tar")
        .put("digest", layerDigest)
        .put("size", layer.length);
    byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
    return new PauseImage(
        layer,
        layerDigest,
        configBytes,
        configDigest,
        manifestBytes,
        Digests.sha256(manifestBytes));
  }

  /** Writes the three blobs and unpacks the layer into its snapshot (chainId) unless it exists. */
  void writeTo(ContentStore content, Snapshots snapshots, String chainId) throws IOException {
    content.write(configDigest, config);
    content.write(layerDigest, layer);
    content.write(manifestDigest, manifest);
    if (!snapshots.has(chainId)) {
      snapshots.create(
          chainId,
          dir -> {
            try (var in = Files.newInputStream(content.path(layerDigest))) {
              LayerUnpacker.unpack(in, dir);
            }
          });
    }
  }

  /**
   * The config digest {@link #record} wrote to file for this binary, or null when the file is
   * missing or the binary changed since (path, size, modification time or inode differ).
   */
  static String recordedConfigDigest(Path file, Path staticBinary) throws IOException {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    String[] recorded = Files.readString(file, StandardCharsets.UTF_8).split("\n", 2);
    return recorded.length == 2 && recorded[0].equals(identity(staticBinary))
        ? recorded[1].strip()
        : null;
  }

  /** Records that this image was built from staticBinary as it is now. */
  void record(Path file, Path staticBinary) throws IOException {
    Files.writeString(
        file, identity(staticBinary) + "\n" + configDigest + "\n", StandardCharsets.UTF_8);
  }

  private static String identity(Path binary) throws IOException {
    BasicFileAttributes a = Files.readAttributes(binary, BasicFileAttributes.class);
    return binary.toRealPath()
        + " "
        + a.size()
        + " "
        + a.lastModifiedTime().toMillis()
        + " "
        + a.fileKey();
  }
}
