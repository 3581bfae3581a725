package io.jcri.images;

import io.jcri.images.ImageException.Reason;
import io.jcri.images.reference.Reference;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The pinned references (the pause image, images.pinned): which reference pins an image, which
 * removals that refuses, and the image as List/Status report it. Replaced whole on a config reload;
 * thread-safe.
 */
final class ImagePins {
  private volatile Set<String> refs = Set.of();

  /** Tags or digest references, normalised. */
  void set(Collection<String> references) {
    Set<String> normalised = new LinkedHashSet<>();
    for (String r : references) {
      Reference ref = Reference.parse(r);
      normalised.add(ref.digest() != null ? ref.withDigest(ref.digest()) : ref.tagged());
    }
    refs = Set.copyOf(normalised);
  }

  boolean contains(String reference) {
    return refs.contains(reference);
  }

  /**
   * The pinned reference that names image, or null; the locally built pause image is pinned by
   * itself.
   */
  String pinnedBy(Image image) {
    if (image.pinned()) {
      return image.repoTags().isEmpty() ? image.id() : image.repoTags().getFirst();
    }
    Set<String> pinned = refs;
    return Stream.concat(image.repoTags().stream(), image.repoDigests().stream())
        .filter(pinned::contains)
        .findFirst()
        .orElse(null);
  }

  /** The image, marked pinned when a pinned reference names it. */
  Image reported(Image image) {
    return pinnedBy(image) != null ? image.asPinned() : image;
  }

  /**
   * Refuses (IN_USE) removing a pinned image, or untagging (untag: the tag going while others stay,
   * else null) a pinned tag or the pause image's own.
   */
  void refuseRemoval(String referenceOrId, Image image, String untag) {
    String pin = pinnedBy(image);
    if (pin != null && (untag == null || contains(untag) || image.pinned() && untag.equals(pin))) {
      throw new ImageException(
          Reason.IN_USE,
          "image "
              + referenceOrId
              + " ("
              + image.id()
              + ") is pinned as "
              + pin
              + " (the pause image or images.pinned)");
    }
  }
}
