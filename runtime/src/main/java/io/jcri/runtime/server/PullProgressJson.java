package io.jcri.runtime.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.images.PullProgress;
import io.jcri.images.reference.Reference;
import java.util.List;
import java.util.Optional;

/** Verbose ImageStatus "pull" info: the progress of the pull in flight of the image asked about. */
final class PullProgressJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PullProgressJson() {}

  /** The JSON of the oldest pull in flight of reference; empty when none runs (or it is an ID). */
  static Optional<String> of(List<PullProgress.Pull> inFlight, String reference) {
    String wanted;
    try {
      wanted = Reference.parse(reference).toString();
    } catch (RuntimeException notAReference) {
      return Optional.empty();
    }
    return inFlight.stream()
        .filter(p -> p.reference().equals(wanted))
        .findFirst()
        .map(PullProgressJson::json);
  }

  private static String json(PullProgress.Pull pull) {
    ObjectNode n = JSON.createObjectNode();
    n.put("reference", pull.reference());
    n.put("started", pull.started().toString());
    n.put("doneBytes", pull.doneBytes());
    n.put("totalBytes", pull.totalBytes());
    var layers = n.putArray("layers");
    for (PullProgress.Layer l : pull.layers()) {
      layers
          .addObject()
          .put("digest", l.digest())
          .put("doneBytes", l.doneBytes())
          .put("totalBytes", l.totalBytes());
    }
    return n.toString();
  }
}
