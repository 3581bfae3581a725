package io.jcri.images;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.images.reference.Reference;
import io.jcri.images.registry.Digests;
import io.jcri.images.store.Snapshots;
import io.jcri.sys.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * The image records of one store and their index: one JSON file per image (by config digest) under
 * {@code images/records}, written atomically, and the lookups by ID, tag and digest. Not
 * thread-safe: {@link ImageStore}'s lock guards every call.
 */
final class ImageRecords {
  private static final Logger LOG = Logger.getLogger(ImageRecords.class.getName());
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Path records;
  private final Map<String, Image> images = new LinkedHashMap<>();

  ImageRecords(Path records) throws IOException {
    this.records = records;
    Files.createDirectories(records);
  }

  /**
   * Reads every record; one whose blobs or snapshots are not all there (complete says) is deleted.
   */
  void load(Predicate<Image> complete) throws IOException {
    try (Stream<Path> s = Files.list(records)) {
      for (Path p : s.toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith(".")) {
          Files.delete(p); // a record write interrupted before its rename
          continue;
        }
        Image image = JSON.readValue(p.toFile(), Image.class);
        if (complete.test(image)) {
          images.put(image.id(), image);
        } else {
          LOG.warning("event=image_record_incomplete id=" + image.id() + " action=removed");
          Files.delete(p);
        }
      }
    }
  }

  int size() {
    return images.size();
  }

  Image get(String id) {
    return images.get(id);
  }

  Collection<Image> all() {
    return images.values();
  }

  /** By ID (full, or a unique hex prefix), by tag, or by digest reference. */
  Optional<Image> find(String referenceOrId) {
    String s = referenceOrId.strip();
    String id = s.startsWith("sha256:") ? s : "sha256:" + s;
    if (images.containsKey(id)) {
      return Optional.of(images.get(id));
    }
    Reference ref = null;
    try {
      ref = Reference.parse(s);
    } catch (ImageException e) {
      if (!s.matches("(sha256:)?[0-9a-f]+")) {
        throw e;
      }
    }
    if (ref != null) {
      Optional<Image> byRef = byReference(ref);
      if (byRef.isPresent()) {
        return byRef;
      }
    }
    if (s.matches("(sha256:)?[0-9a-f]{3,64}")) {
      List<Image> matches = images.values().stream().filter(i -> i.id().startsWith(id)).toList();
      if (matches.size() == 1) {
        return Optional.of(matches.getFirst());
      }
    }
    return Optional.empty();
  }

  private Optional<Image> byReference(Reference ref) {
    String wanted = ref.digest() != null ? ref.withDigest(ref.digest()) : ref.tagged();
    return images.values().stream()
        .filter(i -> (ref.digest() != null ? i.repoDigests() : i.repoTags()).contains(wanted))
        .findFirst();
  }

  /** Takes tag away from every image but keepId: a tag names one image at a time. */
  void untagOthers(String tag, String keepId) throws IOException {
    for (Image other : List.copyOf(images.values())) {
      if (!other.id().equals(keepId) && other.repoTags().contains(tag)) {
        List<String> tags = new ArrayList<>(other.repoTags());
        tags.remove(tag);
        save(other.withRefs(tags, other.repoDigests()));
      }
    }
  }

  /**
   * The record of a pulled image: a new one, or the existing one with the pulled tag (taken from
   * any other image) and digest reference added.
   */
  Image recordPull(Reference ref, Puller.Pulled p) throws IOException {
    Image existing = get(p.configDigest());
    List<String> tags = new ArrayList<>(existing == null ? List.of() : existing.repoTags());
    List<String> digests = new ArrayList<>(existing == null ? List.of() : existing.repoDigests());
    if (ref.digest() == null) {
      untagOthers(ref.tagged(), p.configDigest());
      addUnique(tags, ref.tagged());
    }
    addUnique(digests, ref.withDigest(p.topDigest()));
    JsonNode config = ImageConfig.json(p.config());
    Image image =
        existing != null
            ? existing.withRefs(tags, digests)
            : new Image(
                p.configDigest(),
                tags,
                digests,
                p.size(),
                false,
                ImageConfig.parse(p.config()),
                p.layerDigests(),
                p.diffIds(),
                Snapshots.chainIds(p.diffIds()),
                p.manifestDigests(),
                config.path("os").asText(),
                config.path("architecture").asText());
    save(image);
    return image;
  }

  /** The record of the node-local pause image under ref's tag, pinned by itself. */
  Image recordPause(Reference ref, PauseImage pause, List<String> chain) throws IOException {
    Image existing = get(pause.configDigest());
    untagOthers(ref.tagged(), pause.configDigest());
    List<String> tags = new ArrayList<>(existing == null ? List.of() : existing.repoTags());
    addUnique(tags, ref.tagged());
    Image image =
        new Image(
            pause.configDigest(),
            tags,
            existing == null ? List.of() : existing.repoDigests(),
            pause.config().length + pause.layer().length,
            true,
            ImageConfig.parse(pause.config()),
            List.of(pause.layerDigest()),
            List.of(pause.layerDigest()),
            chain,
            List.of(pause.manifestDigest()),
            "linux",
            "amd64");
    save(image);
    return image;
  }

  void save(Image image) throws IOException {
    AtomicFiles.write(recordPath(image.id()), JSON.writeValueAsBytes(image));
    images.put(image.id(), image);
  }

  void delete(String id) throws IOException {
    Files.deleteIfExists(recordPath(id));
    images.remove(id);
  }

  private Path recordPath(String id) {
    return records.resolve(Digests.hex(id) + ".json");
  }

  private static void addUnique(List<String> list, String value) {
    if (value != null && !list.contains(value)) {
      list.add(value);
    }
  }
}
