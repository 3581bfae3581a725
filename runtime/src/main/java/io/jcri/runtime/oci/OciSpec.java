package io.jcri.runtime.oci;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A generated OCI runtime spec (config.json) with what the caller needs besides the file.
 *
 * @param user the identity the process runs as, for ContainerStatus.user
 * @param hostPropagation host mount points whose propagation must change before runc create so the
 *     rslave/rshared propagation the CRI mounts ask for actually flows; the value is the
 *     propagation to set ("shared": a private host mount has no master, so sharing is the one
 *     change that helps)
 */
public record OciSpec(RuntimeSpec spec, ResolvedUser user, Map<Path, String> hostPropagation) {
  public OciSpec {
    hostPropagation = Map.copyOf(hostPropagation);
  }

  /** config.json as runc reads it. */
  public byte[] toJson() {
    return SpecJson.pretty(spec);
  }

  /** process.args: what the container runs. */
  public List<String> processArgs() {
    return spec.process().args();
  }
}
