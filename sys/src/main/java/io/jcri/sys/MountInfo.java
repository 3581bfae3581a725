package io.jcri.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One line of /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE
 * SOURCE SUPEROPTS".
 *
 * @param root the path inside the filesystem that is mounted (a bind mount's source, a cgroup's own
 *     path)
 * @param optional the optional fields ("shared:N", "master:N", …)
 * @param superOptions the filesystem's own options (for a v1 cgroup: its controllers)
 */
public record MountInfo(
    String root,
    String mountPoint,
    List<String> optional,
    String fsType,
    List<String> superOptions) {

  /** This process's mount table, in mount order. */
  public static List<MountInfo> ofSelf() throws IOException {
    return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
  }

  /** The lines that have the documented shape; others are passed over. */
  public static List<MountInfo> parse(List<String> lines) {
    return lines.stream().map(MountInfo::parseLine).filter(m -> m != null).toList();
  }

  private static MountInfo parseLine(String line) {
    String[] f = line.split(" ");
    int dash = List.of(f).indexOf("-");
    if (dash < 6 || f.length < dash + 4) {
      return null;
    }
    return new MountInfo(
        unescape(f[3]),
        unescape(f[4]),
        List.of(f).subList(6, dash),
        f[dash + 1],
        List.of(f[dash + 3].split(",")));
  }

  public boolean shared() {
    return optional.stream().anyMatch(o -> o.startsWith("shared:"));
  }

  public boolean slave() {
    return optional.stream().anyMatch(o -> o.startsWith("master:"));
  }

  /**
   * The mount a path lies on: the deepest mount point above it, the last one mounted when stacked;
   * null if none.
   */
  public static MountInfo holding(List<MountInfo> table, Path path) {
    MountInfo best = null;
    int bestDepth = -1;
    for (MountInfo m : table) {
      Path mp = Path.of(m.mountPoint());
      if (path.startsWith(mp) && mp.getNameCount() >= bestDepth) {
        best = m;
        bestDepth = mp.getNameCount();
      }
    }
    return best;
  }

  /** mountinfo writes space, tab, newline and backslash as three-digit octal escapes. */
  static String unescape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\'
          && i + 3 < s.length()
          && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
        out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
