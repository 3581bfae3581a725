package io.jcri.runtime.oci;

import java.util.List;

/** The parts of an image's config that shape a container's process (OCI image spec "config"). */
public record ImageDefaults(
    String user,
    List<String> env,
    List<String> entrypoint,
    List<String> cmd,
    String workingDir,
    List<String> volumes,
    String stopSignal) {}
