package io.jcri.runtime.sandbox;

import io.jcri.runtime.store.Registry;
import java.nio.file.Path;

/** Every sandbox jcri knows, by ID, with their durable records and reserved names. */
public final class Sandboxes extends Registry<Sandbox, SandboxRecord> {
  public Sandboxes(Path recordDir) {
    super("pod sandbox", recordDir, SandboxRecord.class, Sandbox::new);
  }

  public Sandbox require(String idOrPrefix) {
    return require(idOrPrefix, "pod_sandbox_id");
  }
}
