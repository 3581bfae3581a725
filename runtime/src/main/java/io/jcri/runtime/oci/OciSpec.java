package io.jcri.runtime.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A generated OCI runtime spec (config.json) with what the caller needs besides the file.
 *
 * @param user the identity the process runs as, for ContainerStatus.user
 * @param hostPropagation host mount points whose propagation must change before runc create so the
 *     rslave/rshared propagation the CRI mounts ask for actually flows; the value is the propagation to
 *     set ("shared": a private host mount has no master, so sharing is the one change that helps)
 */
public record OciSpec(JsonNode json, ResolvedUser user, Map<Path, String> hostPropagation) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public OciSpec {
    hostPropagation = Map.copyOf(hostPropagation);
  }

  /** config.json as runc reads it. */
  public byte[] toJson() {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  /** process.args: what the container runs. */
  public List<String> processArgs() {
    List<String> args = new ArrayList<>();
    json.path("process").path("args").forEach(a -> args.add(a.asText()));
    return args;
  }
}
