package io.jcri.runtime.oci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The cgroup a spec names for a container, and its processes found there, so no container store is
 * needed here.
 */
final class Cgroups {
  private Cgroups() {}

  /**
   * linux.cgroupsPath: "parent/id" for cgroupfs, "slice:jcri:id" for systemd; jcri's own parent by
   * default.
   */
  static String path(String parent, String id, OciOptions options) {
    if (options.cgroupDriver().equals("systemd")) {
      return (parent.isEmpty() ? "system.slice" : parent) + ":jcri:" + id;
    }
    String base = parent.isEmpty() ? "/jcri" : (parent.startsWith("/") ? parent : "/" + parent);
    return (base.endsWith("/") ? base : base + "/") + id;
  }

  /**
   * A pid in the container's cgroup (all share its PID namespace), or empty when it has none
   * running.
   */
  static OptionalLong firstPid(String cgroupsPath, String driver) throws OciSpecException {
    String relative = driver.equals("systemd") ? systemdPath(cgroupsPath) : cgroupsPath;
    Path base = NodeFacts.CGROUP_V2 ? Path.of("/sys/fs/cgroup") : Path.of("/sys/fs/cgroup/pids");
    Path procs = base.resolve(relative.substring(1)).resolve("cgroup.procs");
    try {
      return Files.readAllLines(procs).stream()
          .map(String::trim)
          .filter(l -> !l.isEmpty())
          .mapToLong(Long::parseLong)
          .findFirst();
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    } catch (IOException | NumberFormatException e) {
      throw new OciSpecException(
          OciSpecException.Reason.INTERNAL, "reading " + procs + ": " + e.getMessage(), e);
    }
  }

  /**
   * "kubepods-besteffort.slice:jcri:ID" →
   * "/kubepods.slice/kubepods-besteffort.slice/jcri-ID.scope", as systemd nests slices.
   */
  static String systemdPath(String cgroupsPath) {
    String[] parts = cgroupsPath.split(":", 3);
    String slice = parts[0].isEmpty() ? "system.slice" : parts[0];
    StringBuilder path = new StringBuilder();
    if (!slice.equals("-.slice")) {
      String name = slice.substring(0, slice.length() - ".slice".length());
      int dash = -1;
      do {
        dash = name.indexOf('-', dash + 1);
        path.append('/').append(dash < 0 ? name : name.substring(0, dash)).append(".slice");
      } while (dash >= 0);
    }
    return path + "/" + parts[1] + "-" + parts[2] + ".scope";
  }
}
