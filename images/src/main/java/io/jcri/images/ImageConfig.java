package io.jcri.images;

import java.util.List;
import java.util.Map;

/** What a container takes from its image: the runtime part of the OCI image config. */
public record ImageConfig(String user, List<String> env, List<String> entrypoint, List<String> cmd,
                          String workingDir, String stopSignal, List<String> volumes, Map<String, String> labels,
                          List<String> exposedPorts) {
  public ImageConfig {
    user = user == null ? "" : user;
    env = List.copyOf(env);
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    workingDir = workingDir == null ? "" : workingDir;
    stopSignal = stopSignal == null ? "" : stopSignal;
    volumes = List.copyOf(volumes);
    labels = Map.copyOf(labels);
    exposedPorts = List.copyOf(exposedPorts);
  }
}
