package io.jcri.runtime.container;

import io.jcri.runtime.store.Registry;
import java.nio.file.Path;
import java.util.List;

/** Every container jcri knows, by ID, with their durable records and reserved names. */
final class Containers extends Registry<Container, ContainerRecord> {
  Containers(Path recordDir) {
    super("container", recordDir, ContainerRecord.class, Container::new);
  }

  Container require(String idOrPrefix) {
    return require(idOrPrefix, "container_id");
  }

  List<Container> inSandbox(String sandboxId) {
    return all().stream().filter(c -> c.record().sandboxId().equals(sandboxId)).toList();
  }

  /** Whether any container was created from the image or mounts it as a volume (RemoveImage refuses then). */
  boolean usesImage(String imageId) {
    return all().stream().anyMatch(c -> c.record().imageId().equals(imageId)
        || c.record().volumeImageIds().contains(imageId));
  }
}
