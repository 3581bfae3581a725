package io.jcri.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.images.store.ContentStore;
import io.jcri.images.store.Snapshots;
import java.io.IOException;

/** ImageStatus verbose info: an image's record, layers with their snapshot dirs, and config. */
final class ImageInspection {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ImageInspection() {}

  /** The config and the layers with their snapshot dirs, as JSON. */
  static String json(Image image, Snapshots snapshots, ContentStore content) throws IOException {
    ObjectNode info = JSON.createObjectNode();
    info.put("id", image.id());
    info.putPOJO("repoTags", image.repoTags());
    info.putPOJO("repoDigests", image.repoDigests());
    info.putPOJO("manifestDigests", image.manifestDigests());
    info.put("pinned", image.pinned());
    var layers = info.putArray("layers");
    for (int i = 0; i < image.layerDigests().size(); i++) {
      layers
          .addObject()
          .put("digest", image.layerDigests().get(i))
          .put("diffId", image.diffIds().get(i))
          .put("chainId", image.chainIds().get(i))
          .put("snapshot", snapshots.path(image.chainIds().get(i)).toString());
    }
    info.set("config", JSON.readTree(content.read(image.id())));
    return JSON.writeValueAsString(info);
  }
}
