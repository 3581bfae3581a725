package io.jcri.runtime.oci;

import java.util.List;

/**
 * The spec's "process": what runs, as whom, with which capabilities and limits.
 *
 * @param rlimits null: the process inherits runc's
 * @param apparmorProfile null: none (or no AppArmor on the node)
 * @param selinuxLabel null: none (or no SELinux on the node)
 */
public record SpecProcess(
    boolean terminal,
    User user,
    List<String> args,
    List<String> env,
    String cwd,
    CapabilitySets capabilities,
    List<Rlimit> rlimits,
    boolean noNewPrivileges,
    int oomScoreAdj,
    String apparmorProfile,
    String selinuxLabel) {

  /**
   * @param additionalGids starts with the primary gid
   */
  public record User(long uid, long gid, List<Long> additionalGids) {}

  /** The five capability sets; inheritable stays empty unless ambient needs it. */
  public record CapabilitySets(
      List<String> bounding,
      List<String> effective,
      List<String> permitted,
      List<String> inheritable,
      List<String> ambient) {}

  /**
   * @param type "RLIMIT_NOFILE" and the like
   */
  public record Rlimit(String type, long hard, long soft) {}
}
