package io.jcri.runtime.oci;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * The spec's "linux": namespaces, device nodes, cgroup resources, sysctls, hidden paths and the
 * seccomp filter.
 *
 * @param uidMappings user-namespace ID mappings; null while the process keeps the host's IDs
 * @param sysctl null without pod sysctls
 * @param maskedPaths null when privileged (nothing masked); a list, possibly empty, otherwise
 * @param seccomp null: unconfined
 * @param rootfsPropagation null: runc's default
 */
public record SpecLinux(
    List<Namespace> namespaces,
    List<IdMapping> uidMappings,
    List<IdMapping> gidMappings,
    List<Device> devices,
    SpecResources resources,
    String cgroupsPath,
    Map<String, String> sysctl,
    List<String> maskedPaths,
    List<String> readonlyPaths,
    Seccomp seccomp,
    String rootfsPropagation) {

  /**
   * @param path the namespace to join; null for a new one
   */
  public record Namespace(String type, String path) {}

  /** size IDs from containerID on map to hostID on. */
  public record IdMapping(long containerID, long hostID, long size) {}

  /** A device node runc creates in the container's /dev. */
  public record Device(
      String path, String type, long major, long minor, int fileMode, int uid, int gid) {}

  /** linux.seccomp in the OCI form runc hands to libseccomp; optional parts are null. */
  public record Seccomp(
      String defaultAction,
      Integer defaultErrnoRet,
      List<String> flags,
      String listenerPath,
      String listenerMetadata,
      List<String> architectures,
      List<Syscall> syscalls) {}

  public record Syscall(
      List<String> names, String action, Integer errnoRet, List<SyscallArg> args) {}

  /** A comparison of one syscall argument; values are unsigned 64-bit. */
  public record SyscallArg(int index, BigInteger value, BigInteger valueTwo, String op) {}
}
