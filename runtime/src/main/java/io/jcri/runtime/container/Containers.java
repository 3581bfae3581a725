package io.jcri.runtime.container;

import io.jcri.runtime.store.Registry;
import io.jcri.sys.Failure;
import java.nio.file.Path;
import java.util.List;

/** Every container jcri knows, by ID, with their durable records and reserved names. */
public final class Containers extends Registry<Container, ContainerRecord> {
  public Containers(Path recordDir) {
    super("container", recordDir, ContainerRecord.class, Container::new);
  }

  public Container require(String idOrPrefix) {
    return require(idOrPrefix, "container_id");
  }

  /** The container if it runs, else FAILED_PRECONDITION naming the operation (what). */
  public Container requireRunning(String id, String what) {
    Container c = require(id);
    if (!c.running()) {
      throw Failure.precondition(
          what
              + ": container "
              + c.id()
              + " is not running (state "
              + c.record().state().name().toLowerCase()
              + ")");
    }
    return c;
  }

  public List<Container> inSandbox(String sandboxId) {
    return all().stream().filter(c -> c.record().metadata().sandboxId().equals(sandboxId)).toList();
  }

  /**
   * Whether any container was created from the image or mounts it as a volume (RemoveImage refuses
   * then).
   */
  public boolean usesImage(String imageId) {
    return all().stream()
        .anyMatch(
            c ->
                c.record().metadata().imageId().equals(imageId)
                    || c.record().metadata().volumeImageIds().contains(imageId));
  }
}
