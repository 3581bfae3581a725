package io.jcri.runtime.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Node-wide knobs for spec generation, from jcrid's config and what the kernel offers.
 *
 * @param defaultCapabilities capabilities of an unprivileged container before the CRI add/drop
 *     lists
 * @param minOomScoreAdj jcrid's own oom_score_adj: without CAP_SYS_RESOURCE no child may go lower
 * @param seccompProfileRoot where relative seccomp {@code localhost/} profiles are looked up
 * @param cgroupDriver "cgroupfs" or "systemd"
 * @param cdiSpecDirs where CDI spec files are looked up, a later directory winning over an earlier
 *     one
 */
public record OciOptions(
    List<String> defaultCapabilities,
    int minOomScoreAdj,
    boolean seccompAvailable,
    Path seccompProfileRoot,
    boolean apparmorAvailable,
    boolean selinuxAvailable,
    String cgroupDriver,
    List<String> extraMaskedPaths,
    List<String> extraReadonlyPaths,
    List<Path> cdiSpecDirs) {

  /** The capability set containerd and CRI-O give unprivileged containers. */
  public static final List<String> DEFAULT_CAPABILITIES =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE");

  public OciOptions {
    defaultCapabilities = List.copyOf(defaultCapabilities);
    extraMaskedPaths = List.copyOf(extraMaskedPaths);
    extraReadonlyPaths = List.copyOf(extraReadonlyPaths);
    cdiSpecDirs = List.copyOf(cdiSpecDirs);
    if (!cgroupDriver.equals("cgroupfs") && !cgroupDriver.equals("systemd")) {
      throw new IllegalArgumentException(
          "cgroup driver must be cgroupfs or systemd, not " + cgroupDriver);
    }
  }

  /**
   * The defaults for this node: the security modules the kernel has and this process's own OOM
   * score; what comes from jcrid's config (cgroup driver, CDI directories) is left at its simplest.
   */
  public static OciOptions defaults() {
    return new OciOptions(
        DEFAULT_CAPABILITIES,
        ownOomScoreAdj(),
        seccompInKernel(),
        Path.of("/var/lib/kubelet/seccomp"),
        apparmorInKernel(),
        Files.exists(Path.of("/sys/fs/selinux/enforce")),
        "cgroupfs",
        List.of(),
        List.of(),
        List.of());
  }

  /** These options with the cgroup driver and CDI spec directories of jcrid's config. */
  public OciOptions withNodeConfig(String cgroupDriver, List<Path> cdiSpecDirs) {
    return new OciOptions(
        defaultCapabilities,
        minOomScoreAdj,
        seccompAvailable,
        seccompProfileRoot,
        apparmorAvailable,
        selinuxAvailable,
        cgroupDriver,
        extraMaskedPaths,
        extraReadonlyPaths,
        cdiSpecDirs);
  }

  private static int ownOomScoreAdj() {
    try {
      return Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).trim());
    } catch (IOException | NumberFormatException e) {
      return -1000;
    }
  }

  private static boolean seccompInKernel() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .anyMatch(l -> l.startsWith("Seccomp:"));
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean apparmorInKernel() {
    try {
      return Files.readString(Path.of("/sys/module/apparmor/parameters/enabled"))
          .trim()
          .equals("Y");
    } catch (IOException e) {
      return false;
    }
  }
}
