package io.jcri.images;

import java.util.List;

/**
 * A stored image. {@code id} is the config digest ("sha256:…"), which CRI reports as the image ID.
 * {@code size} counts the config and the compressed layers. {@code chainIds} name the snapshots,
 * bottom layer first; {@code layerDigests} the layer blobs in the same order.
 */
public record Image(
    String id,
    List<String> repoTags,
    List<String> repoDigests,
    long size,
    boolean pinned,
    ImageConfig config,
    List<String> layerDigests,
    List<String> diffIds,
    List<String> chainIds,
    List<String> manifestDigests,
    String os,
    String architecture) {
  public Image {
    repoTags = List.copyOf(repoTags);
    repoDigests = List.copyOf(repoDigests);
    layerDigests = List.copyOf(layerDigests);
    diffIds = List.copyOf(diffIds);
    chainIds = List.copyOf(chainIds);
    manifestDigests = List.copyOf(manifestDigests);
  }

  Image withRefs(List<String> tags, List<String> digests) {
    return new Image(
        id,
        tags,
        digests,
        size,
        pinned,
        config,
        layerDigests,
        diffIds,
        chainIds,
        manifestDigests,
        os,
        architecture);
  }

  /** The same image reported as pinned (the stored record keeps its own flag). */
  Image asPinned() {
    return pinned
        ? this
        : new Image(
            id,
            repoTags,
            repoDigests,
            size,
            true,
            config,
            layerDigests,
            diffIds,
            chainIds,
            manifestDigests,
            os,
            architecture);
  }
}
