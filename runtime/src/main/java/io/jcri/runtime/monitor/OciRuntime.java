package io.jcri.runtime.monitor;

import java.nio.file.Path;

/**
 * One OCI runtime handler: its name (the RuntimeClass handler, e.g. "runc"), the program and the
 * state root it keeps its containers under (passed as {@code --root}).
 */
public record OciRuntime(String handler, Path binary, Path root) {}
