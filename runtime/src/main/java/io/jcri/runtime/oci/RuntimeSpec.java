package io.jcri.runtime.oci;

import java.util.List;
import java.util.Map;

/**
 * The OCI runtime spec (config.json) as records, shared by container and infra specs. Jackson
 * writes the components in their order and leaves out those that are null, so a part the spec does
 * not set is null, and an empty list is written as [] (runc reads both the same; the old output had
 * [] there).
 *
 * @param hostname null in the host's UTS namespace
 * @param hooks null without hooks
 * @param annotations null for the infra process
 */
public record RuntimeSpec(
    String ociVersion,
    SpecProcess process,
    Root root,
    String hostname,
    List<Mount> mounts,
    Hooks hooks,
    SpecLinux linux,
    Map<String, String> annotations) {

  /** The version of the OCI runtime spec these records follow. */
  static final String OCI_VERSION = "1.0.2";

  public record Root(String path, boolean readonly) {}

  /**
   * One entry of "mounts".
   *
   * @param uidMappings ID-mapped mounts (user namespaces); null when the mount keeps the host's IDs
   */
  public record Mount(
      String destination,
      String type,
      String source,
      List<String> options,
      List<SpecLinux.IdMapping> uidMappings,
      List<SpecLinux.IdMapping> gidMappings) {
    public Mount(String destination, String type, String source, List<String> options) {
      this(destination, type, source, options, null, null);
    }
  }

  /** The hook lists by the point of the lifecycle they run at; a list nobody asked for is null. */
  public record Hooks(
      List<Hook> prestart,
      List<Hook> createRuntime,
      List<Hook> createContainer,
      List<Hook> startContainer,
      List<Hook> poststart,
      List<Hook> poststop) {}

  /**
   * @param timeout seconds; null for none
   */
  public record Hook(String path, List<String> args, List<String> env, Integer timeout) {}
}
